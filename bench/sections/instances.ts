/**
 * Instances rows: whole server processes, 2 and 4 of them on one database, with each bus between them (Postgres
 * LISTEN/NOTIFY, the default, and NATS): persisted throughput, p99 at one fixed offered load, and Postgres CPU per
 * message. Each employee's socket is on one instance and its patients' on another, so every message crosses the bus.
 * What the sizing plan (docs/operations/scaling.md) needs beyond bench/bus.ts, which measures the bus alone.
 */
import { createEmployees, type Staff } from '../lib/api';
import { cpuTimeMs, natsServerPid, postgresBackendsCpuMs, startLoad, startServerProcess, type ServerProc } from '../lib/procs';
import type { Unit } from '../lib/report';
import { errorText, withTimeout } from '../lib/util';
import { P, type RowSpec, begin, failRows, freshDatabase, ms, progress, quick, row } from '../lib/suite';
import { CHAT_FRAMES_PER_SECOND } from './chat';

const BUSES = ['notify', 'nats'] as const;
type BusKind = (typeof BUSES)[number];
const BUS_NAME = { notify: 'LISTEN/NOTIFY', nats: 'NATS' };
const INSTANCE_COUNTS = [2, 4];
const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';
/** Employees for the sessions: a multiple of 4, so they spread evenly over 2 and over 4 instances. */
const EMPLOYEES = Math.max(4, Math.ceil(P.instanceSessions / 80) * 4);

export function instanceSpecs(bus: BusKind, k: number): RowSpec[] {
  const n = P.instanceSessions.toLocaleString('en-US');
  const where = `${k} instances, ${BUS_NAME[bus]}`;
  const floorLabel = bus === 'nats' ? 'LISTEN/NOTIFY' : '';
  return [
    { id: `instances.${bus}.${k}.throughput`, label: `${where}: persisted throughput, ${n} sessions`, unit: 'msgs/s' as Unit, target: '', floorLabel },
    {
      id: `instances.${bus}.${k}.p99`,
      label: `${where}: latency p99, ${P.instanceRate.toLocaleString('en-US')} msgs/s over ${n} sessions`,
      unit: 'ms' as Unit,
      target: '',
      floorLabel,
    },
    { id: `instances.${bus}.${k}.pg_cpu`, label: `${where}: Postgres CPU per message`, unit: 'µs' as Unit, target: '', floorLabel },
  ];
}

export const instanceSpecsAll = () => BUSES.flatMap((bus) => INSTANCE_COUNTS.flatMap((k) => instanceSpecs(bus, k)));

/** Why NATS cannot be used (no TCP connection within 2 s), or null. */
async function natsUnreachable(): Promise<string | null> {
  try {
    const { hostname, port } = new URL(NATS_URL);
    const socket = await withTimeout(Bun.connect({ hostname, port: Number(port || 4222), socket: { data() {} } }), 2000, 'connecting');
    socket.end();
    return null;
  } catch (error) {
    return `NATS not reachable at ${NATS_URL} (${errorText(error)})`;
  }
}

/** k server processes on one database with the bus's settings; all stopped again if one fails to start. */
async function startInstances(databaseUrl: string, bus: BusKind, k: number): Promise<ServerProc[]> {
  const env = { SOCKET_FRAMES_PER_SECOND: String(CHAT_FRAMES_PER_SECOND), BUS_URL: bus === 'nats' ? NATS_URL : '' };
  const started = await Promise.allSettled(Array.from({ length: k }, () => startServerProcess(databaseUrl, env)));
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    for (const s of servers) await s.stop();
    throw failed.reason;
  }
  return servers;
}

/**
 * The chat load generator over k instances, and the CPU time used during its throughput phase (from the progress
 * line that starts it to the one that starts the latency phase) by the server processes, the database's Postgres
 * backends and the NATS server, per message acked in that phase.
 */
async function instancesRun(servers: ServerProc[], staff: Staff[], database: string) {
  const n = P.instanceSessions;
  const window = Math.max(1, Math.min(P.window, Math.ceil(400 / n)));
  const natsPid = natsServerPid();
  const serversCpu = () => servers.reduce((t, s) => t + cpuTimeMs(s.pid), 0);
  let before = null as { server: number; pg: Map<number, number>; nats: number } | null;
  let used = null as { server: number; pg: number; nats: number } | null;
  const load = startLoad(
    'chat',
    {
      mode: 'medchat',
      base: servers[0]!.base,
      ws: servers[0]!.ws,
      wsUrls: servers.map((s) => s.ws),
      sessions: n,
      employees: staff,
      throughputMs: P.instanceThroughputMs,
      warmupMs: P.instanceWarmupMs,
      latencyMs: P.instanceLatencyMs,
      offeredRate: P.instanceRate,
      window,
      drainMs: P.drainMs,
      framesPerSecond: CHAT_FRAMES_PER_SECOND * 0.9,
    },
    (t) => {
      if (t.includes(': throughput over')) before = { server: serversCpu(), pg: postgresBackendsCpuMs(database), nats: natsPid ? cpuTimeMs(natsPid) : 0 };
      else if (t.includes(': latency at') && before) {
        let pg = 0;
        for (const [pid, cpu] of postgresBackendsCpuMs(database)) pg += cpu - (before.pg.get(pid) ?? 0);
        used = { server: serversCpu() - before.server, pg, nats: natsPid ? cpuTimeMs(natsPid) - before.nats : 0 };
      }
      progress(t);
    },
    P.loadMaxMs,
  );
  try {
    const result = await load.result;
    const acked = result.throughput.acked as number;
    const per = (cpuMs: number | undefined) => (cpuMs !== undefined && acked ? (cpuMs * 1000) / acked : null);
    return { ...result, window, serverUs: per(used?.server), pgUs: per(used?.pg), natsUs: natsPid ? per(used?.nats) : null };
  } finally {
    await load.stop();
  }
}

/** "NATS 1.23× LISTEN/NOTIFY (NATS ahead)": the comparison a NATS row's note opens with. */
function versus(nats: number | null, notify: number | null, higherIsBetter: boolean) {
  if (notify === null || notify === 0) return 'no comparison: LISTEN/NOTIFY has no figure at this size';
  if (nats === null) return 'no comparison: NATS has no figure';
  const ratio = nats / notify;
  const ahead = higherIsBetter ? ratio > 1 : ratio < 1;
  return `NATS ${ratio.toFixed(2)}× LISTEN/NOTIFY (${ahead ? 'NATS' : 'LISTEN/NOTIFY'} ahead at this size)`;
}

/**
 * The rows of one bus and instance count, from its run (NOTIFY's run at the same count is the NATS rows' floor); `one`
 * is the run on a single instance (full mode), where no message crosses a bus, for what the second instance costs.
 */
function instanceRows(bus: BusKind, k: number, r: any, notify: any, one: any) {
  const [tpSpec, p99Spec, pgSpec] = instanceSpecs(bus, k);
  const f = (n: number | null) => (n === null ? '–' : `${Math.round(n)} µs`);
  const single = (figure: string) => (one ? `; one instance, same load: ${figure}` : '');
  const lead = (text: string) => (bus === 'nats' ? `${text}; ` : 'the default bus, the NATS rows compare with it; ');
  const tp = r.throughput;
  row({
    ...tpSpec!,
    value: tp.msgsPerSecond,
    floor: bus === 'nats' ? (notify?.throughput.msgsPerSecond ?? null) : null,
    met: null,
    note:
      lead(versus(tp.msgsPerSecond, notify?.throughput.msgsPerSecond ?? null, true)) +
      `${k} server processes, each employee's socket on one and its patients' on the next, so every message crosses the bus; ` +
      `server CPU per message ${f(r.serverUs)} (all instances); acked after commit, ack p50 ${ms(tp.ackP50)}, p99 ${ms(tp.ackP99)} with ${r.window} in flight per session; ` +
      `${Math.round(tp.deliveredPerSecond).toLocaleString('en-US')} msgs/s delivered to employees` +
      (r.errors ? `; ${r.errors} error frames (${r.firstError})` : '') +
      single(`${Math.round(one?.throughput.msgsPerSecond).toLocaleString('en-US')} msgs/s, server CPU per message ${f(one?.serverUs)}`),
  });
  const lat = r.latency;
  row({
    ...p99Spec!,
    value: lat.p99,
    floor: bus === 'nats' ? (notify?.latency.p99 ?? null) : null,
    met: null,
    note:
      lead(versus(lat.p99, notify?.latency.p99 ?? null, false)) +
      `offered ${lat.offered.toLocaleString('en-US')} msgs/s (sent at ${Math.round(lat.achievedSendRate).toLocaleString('en-US')}/s), ${lat.received}/${lat.sent} delivered` +
      `${lat.lost ? `, ${lat.lost} not within ${P.drainMs / 1000} s (counted as infinite)` : ''}; p50 ${ms(lat.p50)}, max ${lat.max === null ? '∞' : ms(lat.max)}` +
      (lat.p99 === null ? '; p99 beyond the drain time' : '') +
      single(`p99 ${ms(one?.latency.p99)}`),
  });
  row({
    ...pgSpec!,
    value: r.pgUs,
    floor: bus === 'nats' ? (notify?.pgUs ?? null) : null,
    met: null,
    note:
      lead(versus(r.pgUs, notify?.pgUs ?? null, false)) +
      "CPU of the database's Postgres backends (/proc) over the throughput phase ÷ messages acked in it" +
      (bus === 'nats' ? `; NATS server CPU per message ${r.natsUs === null ? '– (no nats-server process on this machine)' : f(r.natsUs)}` : '') +
      single(f(one?.pgUs)),
  });
}

/**
 * Per bus, a fresh database (the NATS subject is named after the database, so runs never hear each other) with the
 * same employees; on it 2, then 4 server processes (quick mode: 2 only), the same load each time. Both buses run
 * back to back at each count, so a change in what else the machine does shifts a pair less than it would the order.
 * Full mode first runs the load on one instance (LISTEN/NOTIFY's database), for the notes.
 */
export async function instancesSection() {
  const counts = quick ? [2] : INSTANCE_COUNTS;
  const results = new Map<string, any>();
  const errors = new Map<string, string>();
  const databases = new Map<BusKind, { url: string; staff: Staff[] | null }>();
  begin('instances');
  for (const bus of BUSES) {
    try {
      const unreachable = bus === 'nats' ? await natsUnreachable() : null;
      if (unreachable) throw new Error(unreachable);
      progress(`creating the database for ${BUS_NAME[bus]}`);
      databases.set(bus, { url: (await freshDatabase()).url!, staff: null });
    } catch (error) {
      for (const k of counts) errors.set(`${bus}.${k}`, errorText(error));
    }
  }
  for (const k of quick ? counts : [1, ...counts])
    for (const [bus, db] of databases) {
      if (k === 1 && bus !== 'notify') continue;
      begin(`${k} instance${k > 1 ? 's' : ''}, ${BUS_NAME[bus]}`);
      let servers: ServerProc[] = [];
      try {
        progress(`starting ${k} server process${k > 1 ? 'es' : ''}`);
        servers = await startInstances(db.url, bus, k);
        if (!db.staff) {
          progress(`creating ${EMPLOYEES} employees`);
          db.staff = await createEmployees(servers[0]!.base, EMPLOYEES, Math.min(50, Math.ceil((P.instanceSessions * 1.1) / EMPLOYEES)), bus);
        }
        results.set(`${bus}.${k}`, await instancesRun(servers, db.staff, new URL(db.url).pathname.slice(1)));
      } catch (error) {
        errors.set(`${bus}.${k}`, errorText(error));
      } finally {
        for (const s of servers) await s.stop();
      }
    }
  for (const bus of BUSES)
    for (const k of counts) {
      const r = results.get(`${bus}.${k}`);
      if (r) instanceRows(bus, k, r, results.get(`notify.${k}`), results.get('notify.1'));
      else failRows(instanceSpecs(bus, k), errors.get(`${bus}.${k}`) ?? 'not run');
    }
  if (quick) for (const bus of BUSES) failRows(instanceSpecs(bus, 4), 'full mode only');
}
