/** Server memory per idle socket, beside the raw relay's. */
import { rssOf, startLoad, startRelayProcess, startServerProcess, type ServerProc } from '../lib/procs';
import type { Unit } from '../lib/report';
import { errorText, percentile, sleep, withTimeout } from '../lib/util';
import { P, TARGETS, begin, failRows, progress, row } from '../lib/suite';

export const memorySpec = {
  id: 'memory.idle_socket',
  label: `server memory per idle socket, ${P.idle.toLocaleString('en-US')} sockets`,
  unit: 'KB' as Unit,
  target: `≤ ${TARGETS.socketMemoryRatio}× relay`,
  floorLabel: 'raw relay',
};

async function idleRun(mode: 'medchat' | 'relay', server: ServerProc): Promise<{ kbPerSocket: number; open: number; baseMb: number; afterMb: number }> {
  const load = startLoad(
    'idle',
    { mode, base: server.base, ws: server.ws, sockets: P.idle, warm: P.idleWarm, perPatient: 5 },
    (t) => progress(`${mode}: ${t}`),
    P.loadMaxMs,
  );
  try {
    const warm = await withTimeout(Promise.race([load.nextReady(), load.result]), P.loadMaxMs, 'warm-up sockets');
    if (!warm || warm.error) throw new Error(warm?.error ?? 'no warm-up');
    // Settled like the reading after (below), so that both are taken once the start-up's garbage is returned.
    await sleep(P.idleSettleMs);
    const samples: number[] = [];
    for (let i = 0; i < 3; i++, await sleep(200)) samples.push(await rssOf(server.pid));
    const base = percentile(samples, 50);
    load.write('next');
    const all = await withTimeout(Promise.race([load.nextReady(), load.result]), P.loadMaxMs, 'opening sockets');
    if (!all || all.error) throw new Error(all?.error ?? 'sockets did not open');
    if (all.failed > P.idle * 0.01) throw new Error(`${all.failed} of ${P.idle} sockets failed to open (${all.firstError})`);
    // What the sockets hold, not the garbage of opening them: the server's RSS keeps the 10,000 ticket requests' and
    // upgrades' garbage for 5–10 s after the last socket opens (read every 0.5 s: 205–220 MB, then 171–178 MB), and
    // read at 2 s, as before, the figure swung between 1.7 and 5.5 KB per socket from one identical run to the next.
    progress(`${mode}: ${all.open} sockets open, settling`);
    await sleep(P.idleSettleMs);
    const after: number[] = [];
    for (let i = 0; i < 3; i++, await sleep(200)) after.push(await rssOf(server.pid));
    const grown = percentile(after, 50) - base;
    load.write('done');
    return { kbPerSocket: grown / (all.open - warm.open) / 1024, open: all.open, baseMb: base / 2 ** 20, afterMb: percentile(after, 50) / 2 ** 20 };
  } finally {
    await load.stop();
  }
}

export async function memory(databaseUrl: string) {
  begin(`memory at ${P.idle.toLocaleString('en-US')} idle sockets`);
  const spec = memorySpec;
  let floor: Awaited<ReturnType<typeof idleRun>> | null = null;
  let floorError = '';
  try {
    const relay = await startRelayProcess();
    try {
      floor = await idleRun('relay', relay);
    } finally {
      await relay.stop();
    }
  } catch (error) {
    floorError = errorText(error);
  }
  try {
    const server = await startServerProcess(databaseUrl);
    try {
      const m = await idleRun('medchat', server);
      row({
        ...spec,
        value: m.kbPerSocket,
        floor: floor?.kbPerSocket ?? null,
        met: floor ? m.kbPerSocket <= TARGETS.socketMemoryRatio * floor.kbPerSocket : null,
        note: `fresh server process, RSS ${m.baseMb.toFixed(0)} → ${m.afterMb.toFixed(0)} MB for ${m.open} authenticated patient sockets (5 per patient)${floor ? `; relay RSS ${floor.baseMb.toFixed(0)} → ${floor.afterMb.toFixed(0)} MB` : `; relay floor not measured: ${floorError}`}`,
      });
    } finally {
      await server.stop();
    }
  } catch (error) {
    failRows([spec], errorText(error));
  }
}
