/**
 * Every read of PHI leaves exactly one audit row (SECURITY.md, Audit): each read path, over HTTP and the socket,
 * is driven once and the rows counted. A row names who read, which session (or, for a list, every session it
 * showed), what, when and from which address. A subscribe with its replay is one read, however many messages it
 * replays; messages the socket then receives live are not reads of their own.
 */
import { beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../../tests/helpers/digest';
import { useTestServer } from '../../../../tests/helpers/server';
import { TestSocket } from '../../../../tests/helpers/socket';
import { until } from '../../../../tests/helpers/until';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
type Row = { id: string; actor_id: string | null; action: string; session_id: string | null; session_ids: string[] | null; ip: string | null; at: Date };

const s = useTestServer();
let admin: Who, joy: Who, patient: Who, queued: Who;
let active: string, waiting: string;
const HISTORY = 30;

beforeAll(async () => {
  admin = await s.login('admin@demo.clinic');
  joy = await s.login('nurse.joy@demo.clinic');
  await s.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  patient = await s.guest('Reader Patient');
  queued = await s.guest('Queued Patient');
  active = (await s.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Audit reads' } })).body.id;
  waiting = (await s.call('POST', '/api/v1/sessions', { token: queued.token, body: { reason: 'Waits' } })).body.id;
  for (let i = 0; i < HISTORY; i++)
    await s.call('POST', `/api/v1/sessions/${active}/messages`, { token: patient.token, body: { clientMsgId: `h${i}`, body: `history ${i}` } });
}, 60_000);

const rows = () =>
  query<Row>(s.ctx.db, sql`select id, actor_id, action, session_id, array_to_json(session_ids) as session_ids, ip, at from audit_log order by at, id`);

/** Runs a read and returns the audit rows it wrote. */
async function written(read: () => Promise<unknown>): Promise<Row[]> {
  const before = new Set((await rows()).map((r) => r.id));
  await read();
  return (await rows()).filter((r) => !before.has(r.id));
}

async function expectOneRow(read: () => Promise<unknown>, expected: { action: string; actor: Who; sessionId?: string; sessionIds?: string[] }) {
  const added = await written(read);
  expect(added.map((r) => r.action)).toEqual([expected.action]);
  const [row] = added;
  expect(row!.actor_id).toBe(expected.actor.user.id);
  expect(row!.session_id).toBe(expected.sessionId ?? null);
  if (expected.sessionIds) expect([...(row!.session_ids ?? [])].sort()).toEqual([...expected.sessionIds].sort());
  else expect(row!.session_ids).toBeNull();
  expect(row!.ip).toMatch(/127\.0\.0\.1|::1/);
}

const ok = async (res: Promise<{ status: number }>) => expect((await res).status).toBe(200);

test('HTTP reads: each writes exactly one row naming who, which session(s), what and from where', async () => {
  await expectOneRow(() => ok(s.call('GET', `/api/v1/sessions/${active}`, { token: patient.token })), {
    action: 'session.viewed',
    actor: patient,
    sessionId: active,
  });
  await expectOneRow(() => ok(s.call('GET', `/api/v1/sessions/${active}/messages?after=0&limit=10`, { token: patient.token })), {
    action: 'messages.read',
    actor: patient,
    sessionId: active,
  });
  await expectOneRow(() => ok(s.call('GET', '/api/v1/sessions', { token: joy.token })), { action: 'sessions.listed', actor: joy, sessionIds: [active] });
  await expectOneRow(() => ok(s.call('GET', '/api/v1/sessions', { token: admin.token })), {
    action: 'sessions.listed',
    actor: admin,
    sessionIds: [active, waiting],
  });
  await expectOneRow(() => ok(s.call('GET', '/api/v1/queue', { token: joy.token })), { action: 'queue.viewed', actor: joy, sessionIds: [waiting] });
  await expectOneRow(() => ok(s.call('GET', `/api/v1/sessions/${active}/assignments`, { token: joy.token })), {
    action: 'assignments.read',
    actor: joy,
    sessionId: active,
  });
  await expectOneRow(() => ok(s.call('GET', `/api/v1/sessions/${active}/audit`, { token: admin.token })), {
    action: 'audit.read',
    actor: admin,
    sessionId: active,
  });
});

test('a refused read writes nothing', async () => {
  expect(await written(() => s.call('GET', `/api/v1/sessions/${active}`, { token: queued.token }))).toEqual([]);
  expect(await written(() => s.call('GET', `/api/v1/sessions/${active}/messages`, { token: queued.token }))).toEqual([]);
});

test('socket: a subscribe with its replay is one row; live messages add none; a resubscribe is one more', async () => {
  const ws = await TestSocket.open(s.wsUrl, joy.token);
  try {
    await expectOneRow(
      async () => {
        expect((await ws.request({ type: 'subscribe', sessionId: active, lastSeq: 0 })).type).toBe('ack');
        await until(() => ws.messages(active).length >= HISTORY, 'the replay');
      },
      { action: 'session.subscribed', actor: joy, sessionId: active },
    );

    // A burst of live messages to the subscribed socket: no read rows (only the sends' own rows, if any).
    const live = await written(async () => {
      const seen = ws.messages(active).length;
      for (let i = 0; i < 10; i++)
        await s.call('POST', `/api/v1/sessions/${active}/messages`, { token: patient.token, body: { clientMsgId: `live${i}`, body: `live ${i}` } });
      await until(() => ws.messages(active).length >= seen + 10, 'the live messages');
    });
    expect(live.filter((r) => r.actor_id === joy.user.id)).toEqual([]);

    const lastSeq = Math.max(...ws.messages(active).map((m) => m.seq));
    await expectOneRow(
      async () => {
        expect((await ws.request({ type: 'subscribe', sessionId: active, lastSeq: lastSeq - 5 })).type).toBe('ack');
        await Bun.sleep(100);
      },
      { action: 'session.subscribed', actor: joy, sessionId: active },
    );

    // A refused subscribe writes nothing.
    const other = await TestSocket.open(s.wsUrl, queued.token);
    expect(await written(async () => expect((await other.request({ type: 'subscribe', sessionId: active, lastSeq: 0 })).type).toBe('error'))).toEqual([]);
    other.close();
  } finally {
    ws.close();
  }
});

test("a session's trail lists the reads of it, lists that showed it included", async () => {
  const res = await s.call('GET', `/api/v1/sessions/${active}/audit`, { token: admin.token });
  const actions = res.body.entries.map((e: { action: string }) => e.action);
  for (const action of ['session.viewed', 'messages.read', 'sessions.listed', 'assignments.read', 'audit.read', 'session.subscribed'])
    expect(actions).toContain(action);
  // The queue read showed only the waiting session.
  expect(actions).not.toContain('queue.viewed');
});
