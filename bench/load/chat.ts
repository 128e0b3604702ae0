/**
 * Chat load generator (its own process). Sets up N active sessions, then:
 *   1. throughput: every patient keeps `window` messages in flight (closed loop, within the per-socket frame
 *      budget); persisted msgs/s = acks per second (an ack comes after commit);
 *   2. latency: open loop at `offeredRate` msgs/s over all sessions, evenly spaced; latency = employee receives
 *      message.created − the moment the patient was scheduled to send (no coordinated omission).
 * mode "medchat" runs against a MedChat server (guests, sessions, employee subscriptions); mode "relay" against
 * the raw relay floor (bench/floors/relay.ts) with the same frames and the same load. With `wsUrls` (several
 * server instances), every message crosses the bus: employee e's socket is on instance e % k, the patients of its
 * sessions on the next one; HTTP setup goes to `base`.
 * Config: BENCH_CONFIG (JSON). Output: JSON lines {progress} … {result} | {error} on stdout.
 */
import { call, createGuests, setAvailable, type Staff } from '../lib/api';
import { LoadSocket, openMany, ticketUrl } from '../lib/client';
import { startGenerator } from '../lib/generator';
import { errorText, mapLimit, percentile, sleep } from '../lib/util';

interface Config {
  mode: 'medchat' | 'relay';
  base: string;
  ws: string;
  /** Sockets spread over these instances (medchat only), as above; without it every socket is on `ws`. */
  wsUrls?: string[];
  sessions: number;
  employees: Staff[] | number;
  throughputMs: number;
  warmupMs: number;
  latencyMs: number;
  /** msgs/s over all sessions in the latency phase, or a share (0–1) of the throughput this run measured. */
  offeredRate: number | { shareOfThroughput: number };
  window: number;
  drainMs: number;
  /** Frames per second each socket paces itself to (under the server's per-socket limit). */
  framesPerSecond: number;
}

const { config: cfg, out, progress } = startGenerator<Config>('chat');

interface Patient {
  sock: LoadSocket;
  sessionId: string;
  token?: string;
}

const pending = new Map<string, number>(); // clientMsgId → intended send time
let received = 0;
let receivedInWindow = 0;
let windowFrom = Infinity;
let windowTo = Infinity;
let latencies: number[] = [];
let errors = 0;
let firstError: string | undefined;

function onEmployeeFrame(frame: any, at: number) {
  if (frame.type !== 'message.created') return;
  const id = frame.message.clientMsgId as string | null;
  if (!id) return;
  const sent = pending.get(id);
  if (sent === undefined) return;
  pending.delete(id);
  received++;
  if (at >= windowFrom && at <= windowTo) receivedInWindow++;
  latencies.push(at - sent);
}

function onPatientFrame(frame: any) {
  if (frame.type === 'error') {
    errors++;
    firstError ??= `${frame.code}: ${frame.message ?? ''}`;
  }
}

async function setupMedchat(): Promise<{ patients: Patient[]; employeeSockets: LoadSocket[] }> {
  const staff = cfg.employees as Staff[];
  await mapLimit(staff, 8, (s) => setAvailable(cfg.base, s.token));
  progress(`creating ${cfg.sessions} guest patients`);
  const guests = await createGuests(cfg.base, cfg.sessions);
  progress(`starting ${cfg.sessions} sessions`);
  // Fewer starts at once than employees: a start that finds every free employee row locked by other starts
  // (FOR UPDATE SKIP LOCKED) leaves its session waiting for the sweeper, which is not what this bench measures.
  let waited = 0;
  const sessions = await mapLimit(guests, Math.max(1, Math.min(32, staff.length - 1)), async (g) => {
    let s = await call(cfg.base, 'POST', '/api/v1/sessions', { token: g.token, body: { reason: 'benchmark' } });
    const until = Date.now() + 20_000;
    if (s.status !== 'active') waited++;
    while (s.status !== 'active' && Date.now() < until) {
      await sleep(250);
      s = await call(cfg.base, 'GET', `/api/v1/sessions/${s.id}`, { token: g.token });
    }
    if (s.status !== 'active' || !s.employee) throw new Error(`session not assigned (status ${s.status}): employees lack capacity`);
    return { id: s.id as string, employeeId: s.employee.id as string, lastSeq: s.lastSeq as number };
  });
  if (waited) progress(`${waited} sessions waited for an employee although capacity existed`);
  progress(`connecting ${staff.length} employees and ${cfg.sessions} patients`);
  const wsUrls = cfg.wsUrls ?? [cfg.ws];
  const k = wsUrls.length;
  const staffSockets = await Promise.all(staff.map(async (s, e) => LoadSocket.open(await ticketUrl(wsUrls[e % k]!, s.token), cfg.framesPerSecond)));
  const patientInstance = new Map(staff.map((s, e) => [s.id, ((e % k) + 1) % k]));
  const byEmployee = new Map(staff.map((s, i) => [s.id, staffSockets[i]!]));
  for (const sock of staffSockets) sock.onFrame = onEmployeeFrame;
  await Promise.all(
    [...byEmployee.entries()].map(async ([employeeId, sock]) => {
      for (const s of sessions.filter((x) => x.employeeId === employeeId)) {
        while (!sock.bucket.take()) await sleep(sock.bucket.waitMs());
        const ack = await sock.request({ type: 'subscribe', sessionId: s.id, lastSeq: s.lastSeq });
        if (ack.type !== 'ack') throw new Error(`subscribe failed: ${ack.code}`);
      }
    }),
  );
  const opened = await openMany(
    guests.map((g, i) => () => ticketUrl(wsUrls[patientInstance.get(sessions[i]!.employeeId)!]!, g.token)),
    64,
    undefined,
    cfg.framesPerSecond,
  );
  if (opened.failed) throw new Error(`${opened.failed} patient sockets failed to open (${opened.firstError})`);
  const patients = opened.sockets.map((sock, i) => ({ sock: sock!, sessionId: sessions[i]!.id, token: guests[i]!.token }));
  return { patients, employeeSockets: staffSockets };
}

async function setupRelay(): Promise<{ patients: Patient[]; employeeSockets: LoadSocket[] }> {
  const count = cfg.employees as number;
  progress(`connecting ${count} employees and ${cfg.sessions} patients to the relay`);
  const staffSockets = await Promise.all(Array.from({ length: count }, () => LoadSocket.open(cfg.ws, 1e9)));
  for (const sock of staffSockets) sock.onFrame = onEmployeeFrame;
  const ids = Array.from({ length: cfg.sessions }, () => crypto.randomUUID());
  await Promise.all(ids.map((id, i) => staffSockets[i % count]!.request({ type: 'subscribe', sessionId: id, lastSeq: 0 })));
  const opened = await openMany(
    ids.map(() => cfg.ws),
    64,
  );
  if (opened.failed) throw new Error(`${opened.failed} relay sockets failed to open (${opened.firstError})`);
  return { patients: opened.sockets.map((sock, i) => ({ sock: sock!, sessionId: ids[i]! })), employeeSockets: staffSockets };
}

async function drain(ms: number) {
  const until = performance.now() + ms;
  while (pending.size > 0 && performance.now() < until) await sleep(20);
}

/** Closed loop: `window` in flight per patient, paced by the client-side frame budget (medchat only). */
async function throughput(patients: Patient[]) {
  const start = performance.now();
  windowFrom = start + cfg.warmupMs;
  windowTo = windowFrom + cfg.throughputMs;
  let acked = 0;
  let ackedInWindow = 0;
  const ackLatencies: number[] = [];
  let counter = 0;
  const loop = async (p: Patient, lane: number) => {
    while (performance.now() < windowTo) {
      if (cfg.mode === 'medchat') while (!p.sock.bucket.take()) await sleep(p.sock.bucket.waitMs());
      if (p.sock.closed) return;
      const id = `t${lane}-${counter++}`;
      const t = performance.now();
      pending.set(id, t);
      const ack = await p.sock.request({ type: 'message.send', sessionId: p.sessionId, clientMsgId: id, body: `throughput ${id}` }, 30_000);
      const now = performance.now();
      if (ack.type !== 'ack') {
        pending.delete(id);
        errors++;
        firstError ??= `${ack.code}: ${ack.message ?? ''}`;
        if (ack.code === 'closed' || ack.code === 'timeout') return;
        await sleep(50);
        continue;
      }
      acked++;
      if (now >= windowFrom && now <= windowTo) {
        ackedInWindow++;
        ackLatencies.push(now - t);
      }
    }
  };
  const ticker = setInterval(() => progress(`throughput: ${acked} acked, ${received} delivered`), 1000);
  await Promise.all(patients.flatMap((p, i) => Array.from({ length: cfg.window }, (_, w) => loop(p, i * cfg.window + w))));
  clearInterval(ticker);
  const seconds = cfg.throughputMs / 1000;
  const result = {
    msgsPerSecond: ackedInWindow / seconds,
    deliveredPerSecond: receivedInWindow / seconds,
    ackP50: ackLatencies.length ? percentile(ackLatencies, 50) : null,
    ackP99: ackLatencies.length ? percentile(ackLatencies, 99) : null,
    acked,
  };
  await drain(cfg.drainMs);
  pending.clear();
  return result;
}

/** Open loop at `offeredRate` msgs/s over all sessions, round robin, evenly spaced. */
async function latency(patients: Patient[], offeredRate: number) {
  latencies = [];
  received = 0;
  const total = Math.round((offeredRate * cfg.latencyMs) / 1000);
  const interval = 1000 / offeredRate;
  const start = performance.now() + 50;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      for (; sent < due; sent++) {
        const p = patients[sent % patients.length]!;
        const id = `l${sent}`;
        pending.set(id, start + sent * interval);
        if (!p.sock.closed) p.sock.send({ type: 'message.send', sessionId: p.sessionId, clientMsgId: id, body: `latency ${id}`, ref: id });
      }
      if (sent >= total) return resolve();
      setTimeout(tick, 1);
    };
    setTimeout(tick, 50);
  });
  const sendSeconds = (performance.now() - start) / 1000;
  const progressTimer = setInterval(() => progress(`latency: ${received}/${total} delivered`), 1000);
  await drain(cfg.drainMs);
  clearInterval(progressTimer);
  const lost = pending.size;
  pending.clear();
  const all = latencies.concat(Array.from({ length: lost }, () => Number.POSITIVE_INFINITY));
  const fin = (n: number) => (Number.isFinite(n) ? n : null);
  return {
    offered: offeredRate,
    achievedSendRate: total / sendSeconds,
    sent: total,
    received: latencies.length,
    lost,
    p50: fin(percentile(all, 50)),
    p95: fin(percentile(all, 95)),
    p99: fin(percentile(all, 99)),
    max: fin(percentile(all, 100)),
  };
}

try {
  const { patients, employeeSockets } = cfg.mode === 'medchat' ? await setupMedchat() : await setupRelay();
  for (const p of patients) p.sock.onFrame = onPatientFrame;
  progress(`${cfg.mode}: throughput over ${cfg.sessions} sessions`);
  const tp = await throughput(patients);
  const offered = typeof cfg.offeredRate === 'number' ? cfg.offeredRate : Math.max(1, Math.round(tp.msgsPerSecond * cfg.offeredRate.shareOfThroughput));
  progress(`${cfg.mode}: latency at ${offered} msgs/s over ${cfg.sessions} sessions`);
  const lat = await latency(patients, offered);
  // Leave the employees free for the next run: patients end their sessions (before the result, which ends this process).
  progress('patients end their sessions');
  let endFailures = 0;
  if (cfg.mode === 'medchat')
    await mapLimit(patients, 16, (p) => call(cfg.base, 'POST', `/api/v1/sessions/${p.sessionId}/end`, { token: p.token }).catch(() => void endFailures++));
  for (const p of patients) p.sock.close();
  for (const s of employeeSockets) s.close();
  out({ result: { throughput: tp, latency: lat, errors, firstError, endFailures } });
  await sleep(200);
  process.exit(0);
} catch (error) {
  out({ error: errorText(error) });
  process.exit(1);
}
