/**
 * The upgrade procedure (docs/operations/rolling-restart.md), proven: three server processes on one Postgres behind
 * a round-robin TCP load balancer; patients and staff on the real SDK chat continuously while each instance in turn
 * gets SIGTERM (drain: stop accepting, close every socket with 1001 "going away", finish in-flight work, exit 0) and
 * is started again on its port. Afterwards: every send the SDK started succeeded (none surfaced as failed), every
 * acked message is stored exactly once and was seen exactly once by each side, in seq order; no session ever had two
 * open assignments and none was reassigned; every socket closed by a drain saw 1001, was treated as a reconnect (no
 * `error` event) and was open again within 5 s. Postgres only (several processes on one database).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Subprocess } from 'bun';
import postgres from 'postgres';
import { CLOSE_CODES } from '@medchat/sdk/protocol';
import { MedChat, MedChatPatient, type Message, type SessionHandle } from '../../sdk/src';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { UNLIMITED } from '../helpers/limits';
import { TcpBalancer } from '../helpers/tcp-balancer';
import { until } from '../helpers/until';

setDefaultTimeout(120_000);
if (!onPostgres) console.warn('Rolling restart test skipped: it runs several server processes on one database and needs TEST_DATABASE_URL');

const root = new URL('../../', import.meta.url).pathname;
const PATIENTS = 24;
const STAFF = ['nurse.joy', 'nurse.sam', 'dr.lee'];
/** How long traffic runs before, between and after the restarts. */
const TRAFFIC_MS = 1500;

let database: TestDatabase;
let sql: postgres.Sql;
let balancer: TcpBalancer;
const ports: number[] = [];
const procs: Subprocess[] = [];
let env: Record<string, string | undefined>;

function freePort(): number {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function startInstance(i: number) {
  procs[i] = Bun.spawn(['bun', 'run', 'server/src/index.ts'], { cwd: root, env: { ...env, PORT: String(ports[i]) }, stdout: 'ignore', stderr: 'inherit' });
  await until(async () => (await fetch(`http://127.0.0.1:${ports[i]}/readyz`)).ok, `instance ${i} to be ready`, 30_000);
}

beforeAll(async () => {
  if (!onPostgres) return;
  database = await createTestDatabase();
  sql = postgres(database.url!, { max: 2, onnotice: () => {} });
  env = { ...process.env, ...UNLIMITED, DATABASE_URL: database.url!, HOST: '127.0.0.1', LOG_LEVEL: 'warn', SWEEP_INTERVAL_MS: '200' };
  const seed = Bun.spawn(['bun', 'run', 'server/src/cli.ts', 'seed-demo'], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
  expect(await seed.exited).toBe(0);
  for (let i = 0; i < 3; i++) ports.push(freePort());
  await Promise.all(ports.map((_, i) => startInstance(i)));
  balancer = await TcpBalancer.start(ports);
}, 90_000);

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && !p.killed) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await balancer?.close();
  await sql?.end();
  await database?.drop();
});

/** What one SDK client went through: the close codes its sockets saw, errors, and how long each reconnect took. */
interface Observed {
  closes: number[];
  errors: string[];
  reconnects: number[];
  reconnectingSince: number | null;
}

/** An SDK client whose sockets record the close code they see, on the balancer's address. */
function observed<T extends MedChatPatient>(Client: new (options: ConstructorParameters<typeof MedChatPatient>[0]) => T) {
  const seen: Observed = { closes: [], errors: [], reconnects: [], reconnectingSince: null };
  class RecordingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      this.addEventListener('close', (event) => seen.closes.push(event.code));
    }
  }
  const client = new Client({ baseUrl: balancer.url, WebSocket: RecordingWebSocket });
  client.on('error', (e) => seen.errors.push(e.code));
  client.on('state', ({ state }) => {
    if (state === 'reconnecting') seen.reconnectingSince ??= Date.now();
    if (state === 'open' && seen.reconnectingSince !== null) {
      seen.reconnects.push(Date.now() - seen.reconnectingSince);
      seen.reconnectingSince = null;
    }
  });
  return { client, seen };
}

/** A chat handle with the `message` events it emitted, in order. */
interface Watched {
  handle: SessionHandle;
  events: Message[];
  errors: string[];
}
function watch(handle: SessionHandle): Watched {
  const watched: Watched = { handle, events: [], errors: [] };
  handle.on('message', (m) => watched.events.push(m));
  handle.on('error', (e) => watched.errors.push(e.code));
  return watched;
}

describe.skipIf(!onPostgres)('rolling restart of three instances behind a load balancer (Postgres)', () => {
  test('each instance drained and restarted in turn: no failed send, nothing lost or doubled, no double assignment, every socket back within 5 s', async () => {
    // Staff take up to 10 chats each, so every patient is assigned and each message has someone on the other side.
    const admin = new MedChat({ baseUrl: balancer.url });
    await admin.auth.login({ email: 'admin@demo.clinic', password: DEMO_PASSWORD });
    const staff = STAFF.map(() => observed(MedChat));
    const staffChats = new Map<string, Watched>();
    for (const [i, { client }] of staff.entries()) {
      const me = await client.auth.login({ email: `${STAFF[i]}@demo.clinic`, password: DEMO_PASSWORD });
      await admin.employees.update(me.user.id, { capacity: 10 });
      client.on('employee.assigned', (e) => staffChats.has(e.session.id) || staffChats.set(e.session.id, watch(client.chat(e.session.id))));
      client.connect();
      await until(() => client.state === 'open', 'a staff socket to open');
      await client.employees.setAvailability('available');
    }
    const patients: Array<{ client: MedChatPatient; seen: Observed; chat: Watched; sessionId: string }> = [];
    for (let i = 0; i < PATIENTS; i++) {
      const { client, seen } = observed(MedChatPatient);
      await client.auth.guest({ siteKey: 'demo', displayName: `Patient ${i}` });
      const session = await client.sessions.start({ reason: 'a question' });
      patients.push({ client, seen, chat: watch(client.chat(session.id)), sessionId: session.id });
    }
    await until(() => staffChats.size === PATIENTS, 'every patient to be assigned and its chat opened by staff');

    // Continuous traffic: each patient writes every ~300 ms, each employee answers in each of their chats every ~900 ms.
    let running = true;
    const acked: Message[] = [];
    const failed: string[] = [];
    const writer = async (handle: SessionHandle, everyMs: number) => {
      for (let n = 0; running; n++) {
        await handle.send(`message ${n}`).then(
          (m) => acked.push(m),
          (e) => failed.push(String(e?.code ?? e)),
        );
        await Bun.sleep(everyMs * (0.5 + Math.random()));
      }
    };
    const writers = [...patients.map((p) => writer(p.chat.handle, 300)), ...[...staffChats.values()].map((c) => writer(c.handle, 900))];

    // Meanwhile: at no moment has a session two open assignments.
    const doubles: unknown[] = [];
    const watcher = (async () => {
      while (running) {
        doubles.push(...(await sql`select session_id from assignments where ended_at is null group by session_id having count(*) > 1`));
        await Bun.sleep(100);
      }
    })();

    await Bun.sleep(TRAFFIC_MS);
    for (let i = 0; i < procs.length; i++) {
      const before = acked.length;
      procs[i]!.kill('SIGTERM');
      expect(await procs[i]!.exited).toBe(0);
      await startInstance(i);
      await Bun.sleep(TRAFFIC_MS);
      expect(acked.length).toBeGreaterThan(before); // traffic went on
    }
    running = false;
    await Promise.all([...writers, watcher]);

    // Every send the SDK started succeeded.
    expect(failed).toEqual([]);
    expect(acked.length).toBeGreaterThan(PATIENTS * 10);

    // Every acked message is stored exactly once.
    const stored = await sql<{ id: string; session_id: string; seq: number; client_msg_id: string | null }[]>`
      select id, session_id, seq, client_msg_id from messages order by session_id, seq`;
    const clientStored = stored.filter((m) => m.client_msg_id !== null);
    expect(clientStored.map((m) => m.id).sort()).toEqual(acked.map((m) => m.id).sort());
    expect(new Set(clientStored.map((m) => `${m.session_id}/${m.client_msg_id}`)).size).toBe(clientStored.length);

    // Each side saw every stored message of its chat exactly once, in seq order (patient and employee alike).
    const bySession = Map.groupBy(stored, (m) => m.session_id);
    for (const { sessionId, chat } of patients) {
      const expected = bySession.get(sessionId)!.map((m) => m.id);
      await until(() => chat.events.length >= expected.length && staffChats.get(sessionId)!.events.length >= expected.length, 'both sides to catch up');
      expect(chat.events.map((m) => m.id)).toEqual(expected);
      expect(staffChats.get(sessionId)!.events.map((m) => m.id)).toEqual(expected);
    }

    // No double assignment, at any moment; and the drains reassigned nothing (each reconnect beat the grace period).
    expect(doubles).toEqual([]);
    const assignmentsPerSession = await sql`select session_id, count(*)::int as n from assignments group by session_id`;
    expect(assignmentsPerSession.map((r) => r.n)).toEqual(patients.map(() => 1));

    // The drains closed sockets with 1001 only; the SDK took it as a reconnect (no error event) and was back within 5 s.
    const everyone = [...patients.map((p) => p.seen), ...staff.map((s) => s.seen)];
    const closes = everyone.flatMap((s) => s.closes);
    expect(closes.length).toBeGreaterThanOrEqual(everyone.length); // each client's socket lived on some instance, drained once at least
    expect([...new Set(closes)]).toEqual([CLOSE_CODES.goingAway]);
    expect(everyone.flatMap((s) => s.errors)).toEqual([]);
    expect([...patients.map((p) => p.chat), ...staffChats.values()].flatMap((c) => c.errors)).toEqual([]);
    expect(everyone.every((s) => s.reconnects.length >= 1 && s.reconnectingSince === null)).toBe(true);
    const slowest = Math.max(...everyone.flatMap((s) => s.reconnects));
    console.info(`rolling restart: ${acked.length} messages acked, ${closes.length} sockets drained, slowest reconnect ${slowest} ms`);
    expect(slowest).toBeLessThan(5000);
    for (const c of [...patients.map((p) => p.client), ...staff.map((s) => s.client)]) c.disconnect();
  });
});
