/**
 * The bus between instances, measured alone: Postgres LISTEN/NOTIFY against core NATS, with 2 and 4 instances, at
 * fixed offered loads, in one run on one machine. Each "instance" is a bus of its own (its own Postgres pool and LISTEN
 * connection, or its own NATS connection) in this one process, so that a publish and its receipt are timed on one
 * clock. Every instance publishes its share of the load every 10 ms as one publish (as the message writer publishes
 * one batch's events), and every other instance must receive each event.
 *
 *   bun run bench/bus.ts [--seconds=3] [--rates=2000,8000,20000] [--instances=2,4]
 *
 * Per row: events/s offered and received (per receiving instance), the share delivered, publish → receipt p50/p99,
 * and CPU per event published: Postgres (every backend of the bench's database, from /proc), the NATS server (from
 * /proc, when it runs on this machine) and this process (the buses' client side). Needs TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres) and NATS at NATS_URL (default nats://127.0.0.1:4222). The figures and
 * what they mean for sizing: docs/operations/scaling.md.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { openDatabase } from '../server/src/db/client';
import { type Bus, PostgresBus } from '../server/src/lib/bus';
import type { BusEvent } from '../server/src/lib/bus-events';
import { createLogger } from '../server/src/lib/logger';
import { NatsBus } from '../server/src/lib/nats-bus';
import { natsServerPid } from './lib/procs';

process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
const { createTestDatabase } = await import('../tests/helpers/database');

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, rates: { type: 'string', default: '2000,8000,20000' }, instances: { type: 'string', default: '2,4' } },
});
const SECONDS = Number(values.seconds);
const RATES = values.rates!.split(',').map(Number);
const SIZES = values.instances!.split(',').map(Number);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const TICK_MS = 10;
const logger = createLogger('silent');

/** CPU seconds (user + system) of a process, from /proc/<pid>/stat; 0 when it cannot be read. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);

async function measure(kind: 'notify' | 'nats', instances: number, rate: number) {
  const database = await createTestDatabase();
  const url = database.url!;
  const handles = Array.from({ length: instances }, () => openDatabase({ url }));
  const subject = `medchat.bench.${crypto.randomUUID()}`;
  const buses: Bus[] = handles.map((handle, i) => {
    if (handle.kind !== 'postgres') throw new Error('needs Postgres');
    return kind === 'notify'
      ? new PostgresBus(handle.client, handle.openListener, logger, `bench-${i}`, { probeIntervalMs: 60_000 })
      : new NatsBus(logger, `bench-${i}`, { url: NATS_URL, subject, pingIntervalMs: 60_000 });
  });
  await Promise.all(buses.map((b) => b.start()));
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  for (const [i, bus] of buses.entries())
    bus.subscribe((e) => {
      if (e.t !== 'message.created' || e.sessionId.startsWith(`${i}:`)) return;
      received++;
      latencies.push(performance.now() - sentAt.get(e.sessionId)!);
    });
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const backends = async () =>
    (await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`).map((r) => r.pid);
  const pgPids = await backends();
  const natsPid = kind === 'nats' ? natsServerPid() : null;
  const pgBefore = pgPids.reduce((t, pid) => t + cpuSeconds(pid), 0);
  const natsBefore = natsPid ? cpuSeconds(natsPid) : 0;
  const selfBefore = process.cpuUsage();

  let published = 0;
  const perTick = rate / instances / (1000 / TICK_MS);
  const carry = new Array<number>(instances).fill(0);
  const started = performance.now();
  const failures: unknown[] = [];
  while (performance.now() - started < SECONDS * 1000) {
    const tickStart = performance.now();
    buses.forEach((bus, i) => {
      carry[i]! += perTick;
      const n = Math.floor(carry[i]!);
      carry[i]! -= n;
      if (n === 0) return;
      const events: BusEvent[] = [];
      for (let k = 0; k < n; k++) {
        const sessionId = `${i}:${published++}`;
        sentAt.set(sessionId, performance.now());
        events.push({ t: 'message.created', clinicId: 'bench', sessionId, seq: 1 });
      }
      bus.publish(events).catch((error) => failures.push(error));
    });
    await Bun.sleep(Math.max(0, TICK_MS - (performance.now() - tickStart)));
  }
  const expected = published * (instances - 1);
  const drainUntil = performance.now() + 5000;
  while (received < expected && performance.now() < drainUntil) await Bun.sleep(20);
  const elapsed = (performance.now() - started) / 1000;
  const self = process.cpuUsage(selfBefore);
  const pgAfter = pgPids.reduce((t, pid) => t + cpuSeconds(pid), 0);
  const natsAfter = natsPid ? cpuSeconds(natsPid) : 0;
  latencies.sort((a, b) => a - b);
  const row = {
    bus: kind === 'notify' ? 'LISTEN/NOTIFY' : 'NATS',
    instances,
    offered: rate,
    publishedPerSecond: Math.round(published / SECONDS),
    receivedPerInstance: Math.round(received / (instances - 1) / SECONDS),
    delivered: expected ? received / expected : 1,
    p50ms: quantile(latencies, 0.5),
    p99ms: quantile(latencies, 0.99),
    postgresUsPerEvent: ((pgAfter - pgBefore) * 1e6) / Math.max(1, published),
    natsUsPerEvent: natsPid ? ((natsAfter - natsBefore) * 1e6) / Math.max(1, published) : null,
    clientUsPerEvent: (self.user + self.system) / Math.max(1, published),
    publishFailures: failures.length,
    seconds: elapsed,
  };
  await Promise.all(buses.map((b) => b.stop()));
  await admin.end();
  await Promise.all(handles.map((h) => h.close()));
  await database.drop();
  return row;
}

const rows = [];
for (const instances of SIZES)
  for (const rate of RATES)
    for (const kind of ['notify', 'nats'] as const) {
      process.stderr.write(`bus: ${kind}, ${instances} instances, ${rate} events/s offered…\n`);
      rows.push(await measure(kind, instances, rate));
    }

const f = (n: number | null, digits = 1) => (n === null || Number.isNaN(n) ? '–' : n.toFixed(digits));
console.log(
  '| bus | instances | offered events/s | published/s | received/s per instance | delivered | p50 / p99 ms | Postgres µs/event | NATS server µs/event | client µs/event |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.bus} | ${r.instances} | ${r.offered} | ${r.publishedPerSecond} | ${r.receivedPerInstance} | ${(r.delivered * 100).toFixed(1)} % | ${f(r.p50ms)} / ${f(r.p99ms)} | ${f(r.postgresUsPerEvent)} | ${f(r.natsUsPerEvent)} | ${f(r.clientUsPerEvent)} |`,
  );
process.exit(0);
