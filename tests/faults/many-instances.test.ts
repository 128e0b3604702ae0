/**
 * Many instances under faults, the quick variant: four server processes on one Postgres with the NATS bus, behind a
 * round-robin TCP load balancer; 200 patients and 10 staff on the SDK chat continuously while one instance is killed
 * (SIGKILL, never restarted), a second is drained (SIGTERM) and started again, and a third's NATS connection is cut
 * for a while. Afterwards: no send failed, every acked message is stored once and was seen once by each side in seq
 * order, no session ever had two open assignments, every socket was back within 5 s, and the metrics show each event
 * (the survivors' open sockets add up to everyone; the cut instance re-subscribed to the bus and caught up from the
 * database). Needs Postgres and a NATS server (127.0.0.1:4222, or NATS_URL); skipped with a message otherwise.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { connect as connectTcp } from 'node:net';
import postgres from 'postgres';
import { CLOSE_CODES } from '@medchat/sdk/protocol';
import { MedChat, MedChatPatient, type Message } from '../../sdk/src';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { onPostgres } from '../helpers/database';
import { type Fleet, keepSending, type Observed, observedClient, startFleet, type Watched, watchChat } from '../helpers/fleet';
import { parsePrometheusText, sumOf } from '../helpers/prometheus-text';
import { TcpProxy } from '../helpers/tcp-proxy';
import { until } from '../helpers/until';

setDefaultTimeout(120_000);

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const natsUp = await new Promise<boolean>((resolve) => {
  const { hostname, port } = new URL(NATS_URL);
  const socket = connectTcp({ host: hostname, port: Number(port) });
  socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
  socket.once('connect', () => (socket.destroy(), resolve(true)));
  socket.once('error', () => resolve(false));
});
const runs = natsUp && onPostgres;
if (!runs) console.warn(`Many-instances fault test skipped: needs TEST_DATABASE_URL and a NATS server at ${NATS_URL}`);

const PATIENTS = 200;
const STAFF = 10;
const TOKEN = 'fleet-scrape-token-0123456789';
const [KILLED, DRAINED, CUT] = [0, 1, 2];

let fleet: Fleet;
let proxy: TcpProxy;
let sql: postgres.Sql;

beforeAll(async () => {
  if (!runs) return;
  const { hostname, port } = new URL(NATS_URL);
  proxy = await TcpProxy.start({ hostname, port: Number(port) });
  // Instance CUT reaches NATS through a proxy the test can cut.
  fleet = await startFleet(4, (i) => ({ BUS_URL: i === CUT ? proxy.url(NATS_URL).replace(/\/$/, '') : NATS_URL, METRICS_TOKEN: TOKEN }));
  sql = postgres(fleet.database.url!, { max: 2, onnotice: () => {} });
}, 90_000);

afterAll(async () => {
  await sql?.end();
  await fleet?.close();
  await proxy?.close();
});

async function scrape(i: number) {
  const res = await fetch(`http://127.0.0.1:${fleet.ports[i]}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return parsePrometheusText(await res.text());
}

/** Runs `work` on every item, `width` at a time. */
async function inBatches<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(work));
}

describe.skipIf(!runs)('four instances behind a load balancer: kill -9, a restart and a cut bus (Postgres, NATS)', () => {
  test('200 patients and 10 staff chatting through the faults: nothing lost or doubled, no double assignment, every socket back within 5 s', async () => {
    const base = fleet.balancer.url;
    const admin = new MedChat({ baseUrl: base });
    await admin.auth.login({ email: 'admin@demo.clinic', password: DEMO_PASSWORD });
    const accounts = [
      ...['nurse.joy', 'nurse.sam', 'dr.lee'].map((name) => ({ email: `${name}@demo.clinic`, password: DEMO_PASSWORD })),
      ...Array.from({ length: STAFF - 3 }, (_, i) => ({ email: `nurse.${i}@fleet.test`, password: `fleet-staff-password-${i}` })),
    ];
    for (const [i, account] of accounts.slice(3).entries()) {
      await admin.employees.create({ ...account, displayName: `Nurse ${i}`, capacity: 25 });
    }
    const staff = accounts.map(() => observedClient(MedChat, base));
    const staffChats = new Map<string, Watched>();
    await inBatches([...staff.entries()], 5, async ([i, { client }]) => {
      const me = await client.auth.login(accounts[i]!);
      if (i < 3) await admin.employees.update(me.user.id, { capacity: 25 });
      client.on('employee.assigned', (e) => staffChats.has(e.session.id) || staffChats.set(e.session.id, watchChat(client.chat(e.session.id))));
      client.connect();
      await until(() => client.state === 'open', 'a staff socket to open');
      await client.employees.setAvailability('available');
    });
    const patients: Array<{ client: MedChatPatient; seen: Observed; chat: Watched; sessionId: string }> = [];
    await inBatches([...Array(PATIENTS).keys()], 20, async (i) => {
      const { client, seen } = observedClient(MedChatPatient, base);
      await client.auth.guest({ siteKey: 'demo', displayName: `Patient ${i}` });
      const session = await client.sessions.start({ reason: 'a question' });
      patients.push({ client, seen, chat: watchChat(client.chat(session.id)), sessionId: session.id });
    });
    const everyone = [...patients.map((p) => p.seen), ...staff.map((s) => s.seen)];
    await until(() => staffChats.size === PATIENTS, 'every patient to be assigned and its chat opened by staff', 30_000);
    await until(() => [...patients.map((p) => p.client), ...staff.map((s) => s.client)].every((c) => c.state === 'open'), 'every socket to open');

    let running = true;
    const live = () => running;
    const acked: Message[] = [];
    const failed: string[] = [];
    const writers = [
      ...patients.map((p) => keepSending(p.chat.handle, 2000, live, acked, failed)),
      ...[...staffChats.values()].map((c) => keepSending(c.handle, 4000, live, acked, failed)),
    ];
    const doubles: unknown[] = [];
    const watcher = (async () => {
      while (running) {
        doubles.push(...(await sql`select session_id from assignments where ended_at is null group by session_id having count(*) > 1`));
        await Bun.sleep(100);
      }
    })();

    await Bun.sleep(1500);
    // The faults, at once: a bus cut, a crash, and a drain with a restart.
    proxy.refuse();
    fleet.procs[KILLED]!.kill('SIGKILL');
    fleet.procs[DRAINED]!.kill('SIGTERM');
    expect(await fleet.procs[DRAINED]!.exited).toBe(0);
    await until(async () => (await fetch(`http://127.0.0.1:${fleet.ports[CUT]}/readyz`)).status === 503, 'the cut instance to report its bus down');
    await fleet.start(DRAINED);
    proxy.restore();
    await until(async () => (await fetch(`http://127.0.0.1:${fleet.ports[CUT]}/readyz`)).ok, 'the cut instance to hear the bus again');
    await Bun.sleep(1500);
    running = false;
    await Promise.all([...writers, watcher]);

    expect(failed).toEqual([]);
    expect(acked.length).toBeGreaterThan(PATIENTS);

    const stored = await sql<{ id: string; session_id: string; client_msg_id: string | null }[]>`
      select id, session_id, client_msg_id from messages order by session_id, seq`;
    const clientStored = stored.filter((m) => m.client_msg_id !== null);
    expect(clientStored.map((m) => m.id).sort()).toEqual(acked.map((m) => m.id).sort());
    expect(new Set(clientStored.map((m) => `${m.session_id}/${m.client_msg_id}`)).size).toBe(clientStored.length);

    const bySession = Map.groupBy(stored, (m) => m.session_id);
    await until(
      () =>
        patients.every(
          ({ sessionId, chat }) =>
            chat.events.length >= bySession.get(sessionId)!.length && staffChats.get(sessionId)!.events.length >= bySession.get(sessionId)!.length,
        ),
      'both sides of every chat to catch up',
    );
    for (const { sessionId, chat } of patients) {
      const expected = bySession.get(sessionId)!.map((m) => m.id);
      expect(chat.events.map((m) => m.id)).toEqual(expected);
      expect(staffChats.get(sessionId)!.events.map((m) => m.id)).toEqual(expected);
    }

    expect(doubles).toEqual([]);
    const assignmentsPerSession = await sql`select count(*)::int as n from assignments group by session_id`;
    expect(assignmentsPerSession.map((r) => r.n)).toEqual(patients.map(() => 1));

    // Sockets on the killed instance saw the connection drop (1006), those on the drained one 1001; all came back.
    const closes = new Set(everyone.flatMap((s) => s.closes));
    expect([...closes].sort()).toEqual([CLOSE_CODES.goingAway, 1006]);
    expect(everyone.flatMap((s) => s.errors)).toEqual([]);
    expect([...patients.map((p) => p.chat), ...staffChats.values()].flatMap((c) => c.errors)).toEqual([]);
    expect(everyone.every((s) => s.reconnectingSince === null)).toBe(true);
    const slowest = Math.max(...everyone.flatMap((s) => s.reconnects));
    console.info(`many instances: ${acked.length} messages acked, ${everyone.flatMap((s) => s.closes).length} sockets moved, slowest reconnect ${slowest} ms`);
    expect(slowest).toBeLessThan(5000);

    // The metrics show each event: everyone is on the three live instances, the cut one relistened and caught up.
    const survivors = await Promise.all([DRAINED, CUT, 3].map(scrape));
    expect(survivors.reduce((sum, s) => sum + sumOf(s, 'medchat_sockets_open'), 0)).toBe(PATIENTS + STAFF);
    const cut = survivors[1]!;
    expect(sumOf(cut, 'medchat_bus_relistens_total')).toBeGreaterThanOrEqual(1);
    expect(sumOf(cut, 'medchat_bus_resyncs_total')).toBeGreaterThanOrEqual(1);
    for (const c of [...patients.map((p) => p.client), ...staff.map((s) => s.client)]) c.disconnect();
  });
});
