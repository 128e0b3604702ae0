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
import postgres from 'postgres';
import { CLOSE_CODES } from '@medchat/sdk/protocol';
import { MedChat, MedChatPatient, type Message } from '../../sdk/src';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { onPostgres } from '../helpers/database';
import { type Fleet, keepSending, type Observed, observedClient, startFleet, type Watched, watchChat } from '../helpers/fleet';
import { until } from '../helpers/until';

setDefaultTimeout(120_000);
if (!onPostgres) console.warn('Rolling restart test skipped: it runs several server processes on one database and needs TEST_DATABASE_URL');

const PATIENTS = 24;
const STAFF = ['nurse.joy', 'nurse.sam', 'dr.lee'];
/** How long traffic runs before, between and after the restarts. */
const TRAFFIC_MS = 1500;

let fleet: Fleet;
let sql: postgres.Sql;

beforeAll(async () => {
  if (!onPostgres) return;
  fleet = await startFleet(3);
  sql = postgres(fleet.database.url!, { max: 2, onnotice: () => {} });
}, 90_000);

afterAll(async () => {
  await sql?.end();
  await fleet?.close();
});

describe.skipIf(!onPostgres)('rolling restart of three instances behind a load balancer (Postgres)', () => {
  test('each instance drained and restarted in turn: no failed send, nothing lost or doubled, no double assignment, every socket back within 5 s', async () => {
    // Staff take up to 10 chats each, so every patient is assigned and each message has someone on the other side.
    const admin = new MedChat({ baseUrl: fleet.balancer.url });
    await admin.auth.login({ email: 'admin@demo.clinic', password: DEMO_PASSWORD });
    const staff = STAFF.map(() => observedClient(MedChat, fleet.balancer.url));
    const staffChats = new Map<string, Watched>();
    for (const [i, { client }] of staff.entries()) {
      const me = await client.auth.login({ email: `${STAFF[i]}@demo.clinic`, password: DEMO_PASSWORD });
      await admin.employees.update(me.user.id, { capacity: 10 });
      client.on('employee.assigned', (e) => staffChats.has(e.session.id) || staffChats.set(e.session.id, watchChat(client.chat(e.session.id))));
      client.connect();
      await until(() => client.state === 'open', 'a staff socket to open');
      await client.employees.setAvailability('available');
    }
    const patients: Array<{ client: MedChatPatient; seen: Observed; chat: Watched; sessionId: string }> = [];
    for (let i = 0; i < PATIENTS; i++) {
      const { client, seen } = observedClient(MedChatPatient, fleet.balancer.url);
      await client.auth.guest({ siteKey: 'demo', displayName: `Patient ${i}` });
      const session = await client.sessions.start({ reason: 'a question' });
      patients.push({ client, seen, chat: watchChat(client.chat(session.id)), sessionId: session.id });
    }
    await until(() => staffChats.size === PATIENTS, 'every patient to be assigned and its chat opened by staff');

    // Continuous traffic: each patient writes every ~300 ms, each employee answers in each of their chats every ~900 ms.
    let running = true;
    const acked: Message[] = [];
    const failed: string[] = [];
    const live = () => running;
    const writers = [
      ...patients.map((p) => keepSending(p.chat.handle, 300, live, acked, failed)),
      ...[...staffChats.values()].map((c) => keepSending(c.handle, 900, live, acked, failed)),
    ];

    // Meanwhile: at no moment has a session two open assignments.
    const doubles: unknown[] = [];
    const watcher = (async () => {
      while (running) {
        doubles.push(...(await sql`select session_id from assignments where ended_at is null group by session_id having count(*) > 1`));
        await Bun.sleep(100);
      }
    })();

    await Bun.sleep(TRAFFIC_MS);
    for (let i = 0; i < fleet.procs.length; i++) {
      const before = acked.length;
      fleet.procs[i]!.kill('SIGTERM');
      expect(await fleet.procs[i]!.exited).toBe(0);
      await fleet.start(i);
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
