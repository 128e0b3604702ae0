/**
 * MedChat benchmark suite. `bun run bench/run.ts [--quick]` (or `npm run bench`, `npm run bench:quick`).
 * Real server processes on a fresh Postgres database (created and dropped here), load generators in their own
 * processes on 127.0.0.1, every figure beside its floor measured in the same run. Prints a table and writes
 * bench-results/latest.json. A row that cannot be measured says why; the suite still exits 0.
 * See bench/README.md.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createEmployees, type Staff } from './lib/api';
import { cpuTimeMs, killAll, ROOT, rssOf, seedDatabase, startLoad, startRelayProcess, startServerProcess, stopProcess, type ServerProc } from './lib/procs';
import { notes, renderTable, type Row, type Unit } from './lib/report';
import { errorText, percentile, sleep, withTimeout } from './lib/util';

process.env.TEST_DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
const { createTestDatabase } = await import('../tests/helpers/database');

const quick = process.argv.includes('--quick');
/** `--only=chat,memory,assign,bundles` runs some sections; the others are reported as skipped. */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
/** `--rate=5` offers 5 msgs/s per session in the latency rows instead of 10, to see where the latency turns. */
const rateArg = Number(process.argv.find((a) => a.startsWith('--rate='))?.slice(7));
const wanted = (name: string) => !only || only.includes(name);
const P = quick
  ? { small: 20, large: 100, perSessionRate: 10, throughputMs: 1500, warmupMs: 300, latencyMs: 1500, drainMs: 3000, window: 4, idle: 500, idleWarm: 50, assign: 100, assignEmployees: 10, holdMin: 50, holdMax: 150, assignTimeout: 30_000, loadMaxMs: 60_000 }
  : { small: 100, large: 1000, perSessionRate: 10, throughputMs: 5000, warmupMs: 2000, latencyMs: 5000, drainMs: 5000, window: 4, idle: 10_000, idleWarm: 200, assign: 1000, assignEmployees: 50, holdMin: 100, holdMax: 300, assignTimeout: 60_000, loadMaxMs: 180_000 };
const perSessionRate = rateArg > 0 ? rateArg : P.perSessionRate;
const ASSIGN_CAPACITY = 2;
const ms = (n: number | null | undefined) => (typeof n === 'number' && Number.isFinite(n) ? `${n.toFixed(1)} ms` : '–');
/**
 * The chat rows measure what the server can persist and deliver, so the per-socket frame limit (20/s by default,
 * which alone caps 100 sessions at 2,000 msgs/s) is raised for that server; the load paces at 90 % of it.
 */
const CHAT_FRAMES_PER_SECOND = 2000;
const TARGETS = { throughputRatio: 0.3, p99Ms: 10, p99Rate: 10_000, kbPerSocket: 10, assignLagMs: 2000, spread: 1, sdkGzipKb: 6, widgetGzipKb: 25 };

// ---------------------------------------------------------------- progress
const tty = process.stderr.isTTY;
let section = '';
let lastLine = '';
function progress(text: string) {
  const line = `[bench${quick ? ' --quick' : ''}] ${section}${text ? ` — ${text}` : ''}`;
  if (line === lastLine) return;
  lastLine = line;
  if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
  else process.stderr.write(line + '\n');
}
function begin(name: string) {
  section = name;
  progress('');
}

// ---------------------------------------------------------------- rows
const rows: Row[] = [];
function row(r: Omit<Row, 'ratio'> & { ratio?: number | null }) {
  const ratio = r.ratio !== undefined ? r.ratio : r.value !== null && r.floor !== null && r.floor !== 0 ? r.value / r.floor : null;
  rows.push({ ...r, ratio });
}
/** Every row of a section, as "not measured" with the reason. */
function failRows(specs: Array<{ id: string; label: string; unit: Unit; target: string; floorLabel: string }>, why: string) {
  for (const s of specs) if (!rows.some((r) => r.id === s.id)) rows.push({ ...s, value: null, floor: null, ratio: null, met: null, notMeasured: why });
}

const cleanups: Array<() => Promise<void>> = [];
async function cleanup() {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    killAll();
    void cleanup().finally(() => process.exit(130));
  });

async function freshDatabase() {
  const db = await withTimeout(createTestDatabase(), 20_000, 'creating the database');
  cleanups.push(() => db.drop());
  await seedDatabase(db.url!);
  return db;
}

// ---------------------------------------------------------------- bundles
async function bundleOf(entry: string): Promise<{ min: number; gzip: number }> {
  const result = await Bun.build({ entrypoints: [entry], format: 'esm', target: 'browser', minify: true, conditions: ['browser', 'production'] });
  if (!result.success) throw new Error(`Bun.build ${entry} failed: ${result.logs.map(String).join('; ').slice(0, 200)}`);
  const text = await result.outputs[0]!.text();
  return { min: text.length, gzip: gzipSync(text, { level: 9 }).byteLength };
}

async function sdkSize(): Promise<{ min: number; gzip: number; how: string }> {
  const script = `${ROOT}sdk/scripts/size.ts`;
  if (existsSync(script)) {
    const proc = Bun.spawn(['bun', 'run', script], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
    const text = (await new Response(proc.stdout).text()) + (await proc.exited, '');
    const kb = (label: string) => Number(new RegExp(`^\\s*${label}\\s+([\\d.]+) KB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    const min = kb('min');
    const gzip = kb('min\\+gzip');
    if (Number.isFinite(min) && Number.isFinite(gzip)) return { min, gzip, how: 'sdk/scripts/size.ts' };
  }
  const own = await bundleOf(`${ROOT}sdk/src/index.ts`);
  return { ...own, how: 'Bun.build of sdk/src/index.ts' };
}

async function widgetSize(): Promise<{ min: number; gzip: number; how: string }> {
  const file = `${ROOT}widget/dist/medchat-widget.js`;
  let how = 'widget/dist/medchat-widget.js';
  if (!existsSync(file)) {
    progress('building the widget (bun run --cwd widget build)');
    const proc = Bun.spawn(['bun', 'run', '--cwd', 'widget', 'build'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 120_000);
    const code = await proc.exited;
    clearTimeout(timer);
    if (code !== 0 || !existsSync(file)) {
      const err = (await new Response(proc.stderr).text()).replace(/\x1b\[[0-9;]*m/g, '');
      const line = err.split('\n').find((l) => /error/i.test(l)) ?? `exit ${code}`;
      throw new Error(`widget build failed: ${line.trim().slice(0, 160)}`);
    }
    how = 'widget build (rollup)';
  }
  const text = await Bun.file(file).text();
  return { min: text.length, gzip: gzipSync(text, { level: 9 }).byteLength, how };
}

function bundleSpecs(which: 'sdk' | 'widget') {
  const floorLabel = which === 'sdk' ? 'minimal client' : 'minimal Lit element';
  const name = which === 'sdk' ? 'SDK' : 'widget';
  const budget = which === 'sdk' ? TARGETS.sdkGzipKb : TARGETS.widgetGzipKb;
  return [
    { id: `bundle.${which}.min`, label: `${name} bundle, min`, unit: 'KB' as Unit, target: '', floorLabel },
    { id: `bundle.${which}.gzip`, label: `${name} bundle, min+gzip`, unit: 'KB' as Unit, target: `≤ ${budget} KB`, floorLabel },
  ];
}

async function bundles() {
  begin('bundle sizes');
  const KB = 1024;
  let lit: { min: number; gzip: number } | null = null;
  let minClient: { min: number; gzip: number } | null = null;
  let floorError = '';
  try {
    lit = await bundleOf(`${ROOT}bench/floors/lit-element.ts`);
    minClient = await bundleOf(`${ROOT}bench/floors/min-client.ts`);
  } catch (error) {
    floorError = errorText(error);
  }
  for (const which of ['sdk', 'widget'] as const) {
    const [minSpec, gzSpec] = bundleSpecs(which);
    const floor = which === 'sdk' ? minClient : lit;
    try {
      const size = which === 'sdk' ? await sdkSize() : await widgetSize();
      const budget = which === 'sdk' ? TARGETS.sdkGzipKb : TARGETS.widgetGzipKb;
      row({ ...minSpec!, value: size.min / KB, floor: floor ? floor.min / KB : null, met: null, note: floor ? `measured with ${size.how}` : `measured with ${size.how}; floor failed: ${floorError}` });
      row({ ...gzSpec!, value: size.gzip / KB, floor: floor ? floor.gzip / KB : null, met: size.gzip / KB <= budget });
    } catch (error) {
      failRows([minSpec!, gzSpec!], errorText(error));
    }
  }
}

// ---------------------------------------------------------------- chat: throughput and latency
function chatSpecs(tag: 'small' | 'large', n: number) {
  const rate = n * perSessionRate;
  const latTarget = (q: string) => (q === 'p99' && tag === 'large' ? `≤ ${TARGETS.p99Ms} ms at ${TARGETS.p99Rate.toLocaleString('en-US')} msgs/s` : '');
  return [
    { id: `chat.${tag}.throughput`, label: `persisted throughput, ${n.toLocaleString('en-US')} sessions`, unit: 'msgs/s' as Unit, target: `≥ ${TARGETS.throughputRatio}× relay`, floorLabel: 'raw relay' },
    ...(['p50', 'p95', 'p99'] as const).map((q) => ({
      id: `chat.${tag}.latency_${q}`,
      label: `latency ${q}, ${rate.toLocaleString('en-US')} msgs/s over ${n.toLocaleString('en-US')} sessions`,
      unit: 'ms' as Unit,
      target: latTarget(q),
      floorLabel: 'raw relay',
    })),
  ];
}

/**
 * A chat run, and the CPU time its server process used during the throughput phase (from the generator's progress
 * line that starts it to the one that starts the latency phase), per message acked in that phase.
 */
async function chatRun(mode: 'medchat' | 'relay', server: ServerProc, n: number, staff: Staff[]) {
  let cpuAtStart: number | null = null;
  let cpuMs: number | null = null;
  const load = startLoad(
    'chat',
    {
      mode,
      base: server.base,
      ws: server.ws,
      sessions: n,
      employees: mode === 'medchat' ? staff : staff.length,
      throughputMs: P.throughputMs,
      warmupMs: P.warmupMs,
      latencyMs: P.latencyMs,
      offeredRate: n * perSessionRate,
      window: Math.max(1, Math.min(P.window, Math.ceil(400 / n))),
      drainMs: P.drainMs,
      framesPerSecond: CHAT_FRAMES_PER_SECOND * 0.9,
    },
    (t) => {
      if (t.includes(': throughput over')) cpuAtStart = cpuTimeMs(server.pid);
      else if (t.includes(': latency at') && cpuAtStart !== null) cpuMs = cpuTimeMs(server.pid) - cpuAtStart;
      progress(`${mode}, ${n} sessions: ${t}`);
    },
    P.loadMaxMs,
  );
  try {
    const result = await load.result;
    return { ...result, cpuUsPerMessage: cpuMs !== null && result.throughput.acked ? (cpuMs * 1000) / result.throughput.acked : null };
  } finally {
    await load.stop();
  }
}

async function chat(server: ServerProc, staff: Staff[]) {
  for (const [tag, n] of [['small', P.small], ['large', P.large]] as const) {
    begin(`chat at ${n} sessions`);
    const specs = chatSpecs(tag, n);
    let relay: any = null;
    let relayError = '';
    const relayProc = await startRelayProcess().catch((e) => {
      relayError = errorText(e);
      return null;
    });
    if (relayProc) {
      try {
        relay = await chatRun('relay', relayProc, n, staff);
      } catch (error) {
        relayError = errorText(error);
      } finally {
        await relayProc.stop();
      }
    }
    let med: any;
    try {
      med = await chatRun('medchat', server, n, staff);
    } catch (error) {
      failRows(specs, errorText(error));
      continue;
    }
    const ceiling = n * CHAT_FRAMES_PER_SECOND * 0.9;
    const floorNote = relay ? '' : `; relay floor not measured: ${relayError}`;
    const perMessage = (r: any) => (typeof r?.cpuUsPerMessage === 'number' ? `${Math.round(r.cpuUsPerMessage)} µs` : '–');
    const tpNote = [
      `server CPU per message ${perMessage(med)} (relay ${perMessage(relay)})`,
      `acked after commit; ack p50 ${ms(med.throughput.ackP50)}, p99 ${ms(med.throughput.ackP99)} with ${Math.max(1, Math.min(P.window, Math.ceil(400 / n)))} in flight per session; ${Math.round(med.throughput.deliveredPerSecond).toLocaleString('en-US')} msgs/s delivered to employees`,
      `per-socket frame limit raised to ${CHAT_FRAMES_PER_SECOND.toLocaleString('en-US')}/s for this server (SOCKET_FRAMES_PER_SECOND)`,
      med.throughput.msgsPerSecond > ceiling * 0.8 ? `near that limit (about ${ceiling.toLocaleString('en-US')} msgs/s)` : '',
      med.errors ? `${med.errors} error frames (${med.firstError})` : '',
    ]
      .filter(Boolean)
      .join('; ');
    row({ ...specs[0]!, value: med.throughput.msgsPerSecond, floor: relay?.throughput.msgsPerSecond ?? null, met: relay ? med.throughput.msgsPerSecond / relay.throughput.msgsPerSecond >= TARGETS.throughputRatio : null, note: tpNote + floorNote });
    const lat = med.latency;
    const latNote = `offered ${lat.offered.toLocaleString('en-US')} msgs/s (sent at ${Math.round(lat.achievedSendRate).toLocaleString('en-US')}/s), ${lat.received}/${lat.sent} delivered${lat.lost ? `, ${lat.lost} not delivered within ${P.drainMs / 1000} s (counted as infinite)` : ''}; max ${lat.max === null ? '∞' : lat.max.toFixed(1) + ' ms'}`;
    for (const [i, q] of (['p50', 'p95', 'p99'] as const).entries()) {
      const spec = specs[i + 1]!;
      const value = lat[q] as number | null;
      const fl = relay ? (relay.latency[q] as number | null) : null;
      const targeted = spec.target !== '';
      if (value === null) {
        rows.push({ ...spec, value: null, floor: fl, ratio: null, met: targeted ? false : null, note: latNote, notMeasured: undefined });
        rows[rows.length - 1]!.note = `${latNote}; ${q} beyond the drain timeout`;
        continue;
      }
      row({ ...spec, value, floor: fl, met: targeted ? value <= TARGETS.p99Ms && lat.offered >= TARGETS.p99Rate : null, note: q === 'p99' ? latNote + (targeted && lat.offered < TARGETS.p99Rate ? `; this run offered less than ${TARGETS.p99Rate} msgs/s (quick mode or --rate), so the target is not met by definition` : '') : undefined });
    }
  }
}

// ---------------------------------------------------------------- memory per idle socket
async function idleRun(mode: 'medchat' | 'relay', server: ServerProc): Promise<{ kbPerSocket: number; open: number; baseMb: number; afterMb: number }> {
  const load = startLoad('idle', { mode, base: server.base, ws: server.ws, sockets: P.idle, warm: P.idleWarm, perPatient: 5 }, (t) => progress(`${mode}: ${t}`), P.loadMaxMs);
  try {
    const warm = await withTimeout(Promise.race([load.nextReady(), load.result]), P.loadMaxMs, 'warm-up sockets');
    if (!warm || warm.error) throw new Error(warm?.error ?? 'no warm-up');
    await sleep(1000);
    const samples: number[] = [];
    for (let i = 0; i < 3; i++, await sleep(200)) samples.push(await rssOf(server.pid));
    const base = percentile(samples, 50);
    load.write('next');
    const all = await withTimeout(Promise.race([load.nextReady(), load.result]), P.loadMaxMs, 'opening sockets');
    if (!all || all.error) throw new Error(all?.error ?? 'sockets did not open');
    if (all.failed > P.idle * 0.01) throw new Error(`${all.failed} of ${P.idle} sockets failed to open (${all.firstError})`);
    progress(`${mode}: ${all.open} sockets open, settling`);
    await sleep(2000);
    const after: number[] = [];
    for (let i = 0; i < 3; i++, await sleep(200)) after.push(await rssOf(server.pid));
    const grown = percentile(after, 50) - base;
    load.write('done');
    return { kbPerSocket: grown / (all.open - warm.open) / 1024, open: all.open, baseMb: base / 2 ** 20, afterMb: percentile(after, 50) / 2 ** 20 };
  } finally {
    await load.stop();
  }
}

async function memory(databaseUrl: string) {
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
      row({ ...spec, value: m.kbPerSocket, floor: floor?.kbPerSocket ?? null, met: m.kbPerSocket <= TARGETS.kbPerSocket, note: `fresh server process, RSS ${m.baseMb.toFixed(0)} → ${m.afterMb.toFixed(0)} MB for ${m.open} authenticated patient sockets (5 per patient)${floor ? `; relay RSS ${floor.baseMb.toFixed(0)} → ${floor.afterMb.toFixed(0)} MB` : `; relay floor not measured: ${floorError}`}` });
    } finally {
      await server.stop();
    }
  } catch (error) {
    failRows([spec], errorText(error));
  }
}

// ---------------------------------------------------------------- assignment
function assignSpecs(k: number) {
  const n = P.assign.toLocaleString('en-US');
  const where = `${k} instance${k > 1 ? 's' : ''}`;
  return {
    time: { id: `assign.${k}.time_to_all`, label: `assignment, ${where}: all ${n} assigned after`, unit: 'ms' as Unit, target: 'all assigned', floorLabel: 'capacity schedule' },
    lag: { id: `assign.${k}.lag_max`, label: `assignment, ${where}: longest wait once capacity existed`, unit: 'ms' as Unit, target: `≤ ${TARGETS.assignLagMs} ms`, floorLabel: '' },
    rate: { id: `assign.${k}.rate`, label: `assignment, ${where}: assignments/s`, unit: 'assignments/s' as Unit, target: '', floorLabel: 'capacity schedule' },
    double: { id: `assign.${k}.double`, label: `assignment, ${where}: double assignments`, unit: 'count' as Unit, target: '= 0', floorLabel: 'ideal' },
    spread: { id: `assign.${k}.spread`, label: `assignment, ${where}: load spread while patients wait`, unit: 'count' as Unit, target: `≤ ${TARGETS.spread}`, floorLabel: 'ideal' },
  };
}

async function assignment(k: number) {
  begin(`assignment on ${k} instance${k > 1 ? 's' : ''}`);
  const specs = assignSpecs(k);
  const servers: ServerProc[] = [];
  try {
    progress('creating the database');
    const db = await freshDatabase();
    progress(`starting ${k} server process(es)`);
    for (let i = 0; i < k; i++) servers.push(await startServerProcess(db.url!));
    progress(`creating ${P.assignEmployees} employees of capacity ${ASSIGN_CAPACITY}`);
    const staff = await createEmployees(servers[0]!.base, P.assignEmployees, ASSIGN_CAPACITY, `a${k}`);
    const load = startLoad(
      'assign',
      {
        bases: servers.map((s) => s.base),
        wss: servers.map((s) => s.ws),
        employees: staff.map((s, i) => ({ ...s, instance: i % k })),
        capacity: ASSIGN_CAPACITY,
        sessions: P.assign,
        holdMinMs: P.holdMin,
        holdMaxMs: P.holdMax,
        databaseUrl: db.url,
        timeoutMs: P.assignTimeout,
      },
      (t) => progress(t),
      P.loadMaxMs,
    );
    let r: any;
    try {
      r = await load.result;
    } finally {
      await load.stop();
    }
    const trouble = [r.startErrors ? `${r.startErrors} starts failed (${r.firstStartError})` : '', r.endErrors ? `${r.endErrors} ends failed (${r.firstEndError})` : ''].filter(Boolean).join('; ');
    row({
      ...specs.time,
      value: r.timeToAllMs,
      floor: r.idealMs,
      met: r.allAssigned,
      note: `${r.assigned}/${r.sessions} assigned; ${P.assignEmployees} employees × capacity ${ASSIGN_CAPACITY}, each patient ends ${P.holdMin}–${P.holdMax} ms after assignment; the floor is the moment the last needed slot was freed; the start burst took ${Math.round(r.burstMs)} ms${trouble ? `; ${trouble}` : ''}`,
    });
    row({ ...specs.lag, value: r.lagMaxMs, floor: null, met: r.allAssigned && typeof r.lagMaxMs === 'number' && r.lagMaxMs <= TARGETS.assignLagMs, note: `k-th assignment seen by the employee − k-th slot freed (end request sent); p50 ${ms(r.lagP50Ms)}, p99 ${ms(r.lagP99Ms)}; sessions left waiting while a slot was free are picked up by an end's claim or the 2 s sweeper` });
    row({ ...specs.rate, value: r.assignmentsPerSecond, floor: r.idealPerSecond, met: null });
    row({ ...specs.double, value: r.doubleAssignments, floor: 0, ratio: null, met: r.doubleAssignments === 0 && r.overCapacitySamples === 0, note: `overlapping open periods of one session + max sessions with >1 open assignment over ${r.samples} polls; polls with an employee above capacity: ${r.overCapacitySamples}; sessions assigned more than once: ${r.sessionsHeldTwice}` });
    row({ ...specs.spread, value: r.spreadWhileWaiting, floor: 0, ratio: null, met: r.spreadWhileWaiting !== null && r.spreadWhileWaiting <= TARGETS.spread, note: `max − min load over available employees, in ${r.samplesWhileWaiting} polls while patients waited; assignments per employee over the run: ${r.perEmployeeMin}–${r.perEmployeeMax}` });
  } catch (error) {
    failRows(Object.values(specs), errorText(error));
  } finally {
    for (const s of servers) await s.stop();
  }
}

// ---------------------------------------------------------------- main
const startedAt = Date.now();
const SKIPPED = 'skipped (--only)';
if (wanted('bundles')) await bundles();
else failRows([...bundleSpecs('sdk'), ...bundleSpecs('widget')], SKIPPED);

const chatSpecsAll = [...chatSpecs('small', P.small), ...chatSpecs('large', P.large)];
const memorySpec = { id: 'memory.idle_socket', label: `server memory per idle socket, ${P.idle.toLocaleString('en-US')} sockets`, unit: 'KB' as Unit, target: `≤ ${TARGETS.kbPerSocket} KB`, floorLabel: 'raw relay' };
let chatDbUrl: string | null = null;
if (wanted('chat') || wanted('memory')) {
  begin('setting up');
  try {
    progress('creating the database');
    chatDbUrl = (await freshDatabase()).url!;
  } catch (error) {
    failRows([...chatSpecsAll, memorySpec], errorText(error));
  }
}
if (chatDbUrl && wanted('chat')) {
  try {
    const server = await startServerProcess(chatDbUrl, { SOCKET_FRAMES_PER_SECOND: String(CHAT_FRAMES_PER_SECOND) });
    try {
      const employees = Math.ceil(P.large / 20);
      const capacity = Math.min(50, Math.ceil((P.large * 1.1) / employees));
      progress(`creating ${employees} employees of capacity ${capacity}`);
      const staff = await createEmployees(server.base, employees, capacity, 'chat');
      await chat(server, staff);
    } finally {
      await server.stop();
    }
  } catch (error) {
    failRows(chatSpecsAll, errorText(error));
  }
} else failRows(chatSpecsAll, SKIPPED);
if (chatDbUrl && wanted('memory')) await memory(chatDbUrl);
else failRows([memorySpec], SKIPPED);
for (const k of [1, 2]) {
  if (wanted('assign')) await assignment(k);
  else failRows(Object.values(assignSpecs(k)), SKIPPED);
}
begin('cleaning up');
await cleanup();
if (tty) process.stderr.write('\r\x1b[K');

// ---------------------------------------------------------------- report
const order = ['chat.small', 'chat.large', 'memory', 'assign.1', 'assign.2', 'bundle.sdk', 'bundle.widget'];
rows.sort((a, b) => order.findIndex((p) => a.id.startsWith(p)) - order.findIndex((p) => b.id.startsWith(p)));
const seconds = Math.round((Date.now() - startedAt) / 1000);
const header = `MedChat benchmarks (${quick ? 'quick' : 'full'} mode), ${new Date().toISOString()}, ${navigator.hardwareConcurrency} cores, Bun ${Bun.version}, ${seconds} s`;
console.log(`\n${header}\n\n${renderTable(rows)}\n\nNotes:\n${notes(rows)}\n`);
mkdirSync(`${ROOT}bench-results`, { recursive: true });
await Bun.write(
  `${ROOT}bench-results/latest.json`,
  JSON.stringify({ mode: quick ? 'quick' : 'full', at: new Date().toISOString(), seconds, machine: { cores: navigator.hardwareConcurrency, bun: Bun.version, platform: process.platform }, params: P, targets: TARGETS, rows }, null, 2),
);
console.log(`written: bench-results/latest.json`);
process.exit(0);
