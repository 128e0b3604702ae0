/**
 * The assignment deadlines (timers.ts): a chat nobody answers moves on. The clock is the database's: a test moves
 * the stored start of an assignment, or of an employee's away time, into the past and fires the deadlines by hand;
 * nothing here sleeps for a deadline.
 */
import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { guest, login, useTestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { fireDeadlines } from './timers';
import { matchWaiting } from './matcher';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
const t = useTestApp();
let admin: Who;
let joy: Who;
let sam: Who;
let lee: Who;
/** Patients of the running test: their sessions end after it, so that each test starts with an empty queue. */
let patients: Who[] = [];

beforeAll(async () => {
  admin = await login(t, 'admin@demo.clinic');
  [joy, sam, lee] = [await login(t, 'nurse.joy@demo.clinic'), await login(t, 'nurse.sam@demo.clinic'), await login(t, 'dr.lee@demo.clinic')];
});

afterEach(async () => {
  for (const p of patients) {
    const { body } = await t.call('GET', '/api/v1/sessions', { token: p.token });
    for (const s of body.sessions) if (s.status !== 'ended') await t.call('POST', `/api/v1/sessions/${s.id}/end`, { token: p.token });
  }
  patients = [];
  for (const who of [joy, sam, lee]) await availability(who, 'offline');
  await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { firstReplySeconds: 120, awayTimeoutMinutes: 30 } });
});

async function availability(who: Who, value: 'available' | 'away' | 'offline') {
  expect((await t.call('PUT', '/api/v1/employees/me/availability', { token: who.token, body: { availability: value } })).status).toBe(200);
}

async function start(name: string): Promise<{ patient: Who; id: string; employeeId: string | null }> {
  const patient = await guest(t, name);
  patients.push(patient);
  const res = await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: name } });
  expect(res.status).toBe(201);
  return { patient, id: res.body.id, employeeId: res.body.employee?.id ?? null };
}

let sent = 0;
async function write(who: Who, sessionId: string) {
  const res = await t.call('POST', `/api/v1/sessions/${sessionId}/messages`, { token: who.token, body: { clientMsgId: `m-${++sent}`, body: 'Hello' } });
  expect(res.status).toBe(201);
}

/**
 * Moves the start of a session's open assignment `seconds` into the past. The trail is append-only (a trigger
 * refuses any other change), so this one test-only write runs with triggers off for its transaction.
 */
async function backdateAssignment(sessionId: string, seconds: number) {
  await t.ctx.db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(
      sql`update assignments set started_at = started_at - make_interval(secs => ${seconds}) where session_id = ${sessionId} and ended_at is null`,
    );
  });
}

const backdateAway = (who: Who, minutes: number) =>
  t.ctx.db.execute(sql`update users set availability_changed_at = now() - make_interval(mins => ${minutes}) where id = ${who.user.id}`);

/** The session's trail in the order the periods ended (starts are backdated here): who held it and why it ended. */
const trail = (sessionId: string) =>
  query<{ employee_id: string; end_reason: string | null; start_reason: string }>(
    t.ctx.db,
    sql`select employee_id, end_reason, start_reason from assignments where session_id = ${sessionId} order by ended_at nulls last, started_at`,
  );

const sessionRow = async (sessionId: string) =>
  (await query<{ status: string; employee_id: string | null }>(t.ctx.db, sql`select status, employee_id from chat_sessions where id = ${sessionId}`))[0]!;

describe('unanswered: no first reply within firstReplySeconds', () => {
  test('the chat goes to another available employee, never back to the one who did not answer', async () => {
    await availability(joy, 'available');
    const chat = await start('Unanswered');
    expect(chat.employeeId).toBe(joy.user.id);
    await availability(sam, 'available');
    // Sam was given a chat more recently than Joy: by the tie-break (idle longest) the engine would pick Joy again,
    // were she not the one the chat is taken from.
    await t.ctx.db.execute(sql`update users set last_assigned_at = now() + interval '1 minute' where id = ${sam.user.id}`);
    // The patient writing does not count: only the holder's own message is a reply.
    await write(chat.patient, chat.id);

    // Not due yet: nothing fires.
    await backdateAssignment(chat.id, 100);
    expect(await fireDeadlines(t.ctx)).toEqual({ unanswered: 0, awayTimeout: 0 });
    await backdateAssignment(chat.id, 21);
    expect(await fireDeadlines(t.ctx)).toEqual({ unanswered: 1, awayTimeout: 0 });

    expect(await sessionRow(chat.id)).toEqual({ status: 'active', employee_id: sam.user.id });
    expect(await trail(chat.id)).toEqual([
      { employee_id: joy.user.id, end_reason: 'unanswered', start_reason: 'session_started' },
      { employee_id: sam.user.id, end_reason: null, start_reason: 'after_leave' },
    ]);
    // The audit log has the change, made by the system (no actor).
    const audit = await query<{ actor_id: string | null }>(
      t.ctx.db,
      sql`select actor_id from audit_log where session_id = ${chat.id} and action = 'assignment.ended' and subject_id = ${joy.user.id}`,
    );
    expect(audit).toEqual([{ actor_id: null }]);
    // Sam's deadline starts with his assignment: fired once, nothing is due now.
    expect(await fireDeadlines(t.ctx)).toEqual({ unanswered: 0, awayTimeout: 0 });
  });

  test('with nobody else available the chat goes back to the queue in its original place', async () => {
    await availability(joy, 'available');
    const first = await start('First in line');
    expect(first.employeeId).toBe(joy.user.id);
    const second = await start('Second in line');
    expect(second.employeeId).toBeNull();

    await backdateAssignment(first.id, 121);
    expect((await fireDeadlines(t.ctx)).unanswered).toBe(1);
    expect(await sessionRow(first.id)).toEqual({ status: 'waiting', employee_id: null });
    expect(await trail(first.id)).toEqual([{ employee_id: joy.user.id, end_reason: 'unanswered', start_reason: 'session_started' }]);
    const queue = await t.call('GET', '/api/v1/queue', { token: joy.token });
    expect(queue.body.waiting.map((w: { sessionId: string }) => w.sessionId)).toEqual([first.id, second.id]);

    // Joy's slot is free again; she takes the next chat, not the one she left unanswered (the cool-down).
    await matchWaiting(t.ctx);
    expect(await sessionRow(second.id)).toEqual({ status: 'active', employee_id: joy.user.id });
    expect(await sessionRow(first.id)).toEqual({ status: 'waiting', employee_id: null });
  });

  test('a reply in time cancels the deadline', async () => {
    await availability(joy, 'available');
    await availability(sam, 'available');
    const chat = await start('Answered');
    const holder = [joy, sam].find((w) => w.user.id === chat.employeeId)!;
    await write(holder, chat.id);
    await backdateAssignment(chat.id, 3600);
    expect(await fireDeadlines(t.ctx)).toEqual({ unanswered: 0, awayTimeout: 0 });
    expect(await sessionRow(chat.id)).toEqual({ status: 'active', employee_id: holder.user.id });
    expect(await trail(chat.id)).toEqual([{ employee_id: holder.user.id, end_reason: null, start_reason: 'session_started' }]);
  });

  test('a reply from an earlier period does not count for a new one', async () => {
    await availability(joy, 'available');
    const chat = await start('Came back');
    await write(joy, chat.id);
    // Joy leaves, nobody else is there; when she is free again after the cool-down she takes it back.
    expect((await t.call('POST', `/api/v1/sessions/${chat.id}/leave`, { token: joy.token, body: {} })).status).toBe(200);
    await t.ctx.db.execute(sql`update chat_sessions set left_at = now() - interval '1 hour' where id = ${chat.id}`);
    await matchWaiting(t.ctx);
    expect(await sessionRow(chat.id)).toEqual({ status: 'active', employee_id: joy.user.id });
    await backdateAssignment(chat.id, 121);
    expect((await fireDeadlines(t.ctx)).unanswered).toBe(1);
    expect((await trail(chat.id)).map((a) => a.end_reason)).toEqual(['left', 'unanswered']);
  });

  test('firstReplySeconds: null turns it off', async () => {
    await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { firstReplySeconds: null } });
    await availability(joy, 'available');
    const chat = await start('No deadline');
    await backdateAssignment(chat.id, 24 * 3600);
    expect(await fireDeadlines(t.ctx)).toEqual({ unanswered: 0, awayTimeout: 0 });
    expect(await sessionRow(chat.id)).toEqual({ status: 'active', employee_id: joy.user.id });
  });
});

describe('away_timeout: away for longer than awayTimeoutMinutes', () => {
  test('the away employee’s chats go to colleagues; she stays away', async () => {
    await availability(joy, 'available');
    const chat = await start('Away');
    await write(joy, chat.id);
    await availability(joy, 'away');
    const changedAt = async () =>
      (await query<{ at: string }>(t.ctx.db, sql`select availability_changed_at::text as at from users where id = ${joy.user.id}`))[0]!.at;
    // Saying "away" again does not restart her clock.
    const since = await changedAt();
    await availability(joy, 'away');
    expect(await changedAt()).toBe(since);
    await availability(sam, 'available');

    await backdateAway(joy, 29);
    expect(await fireDeadlines(t.ctx)).toEqual({ unanswered: 0, awayTimeout: 0 });
    await backdateAway(joy, 31);
    expect(await fireDeadlines(t.ctx)).toEqual({ unanswered: 0, awayTimeout: 1 });

    expect(await sessionRow(chat.id)).toEqual({ status: 'active', employee_id: sam.user.id });
    expect((await trail(chat.id)).map((a) => [a.employee_id, a.end_reason])).toEqual([
      [joy.user.id, 'away_timeout'],
      [sam.user.id, null],
    ]);
    const [me] = await query<{ availability: string; load: number }>(t.ctx.db, sql`select availability, load from users where id = ${joy.user.id}`);
    expect(me).toEqual({ availability: 'away', load: 0 });
    expect(await fireDeadlines(t.ctx)).toEqual({ unanswered: 0, awayTimeout: 0 });
  });

  test('with nobody available the chat waits in the queue; awayTimeoutMinutes: null turns it off', async () => {
    await availability(joy, 'available');
    const chat = await start('Away, nobody else');
    await write(joy, chat.id);
    await availability(joy, 'away');

    await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { awayTimeoutMinutes: null } });
    await backdateAway(joy, 24 * 60);
    expect(await fireDeadlines(t.ctx)).toEqual({ unanswered: 0, awayTimeout: 0 });

    await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { awayTimeoutMinutes: 30 } });
    expect(await fireDeadlines(t.ctx)).toEqual({ unanswered: 0, awayTimeout: 1 });
    expect(await sessionRow(chat.id)).toEqual({ status: 'waiting', employee_id: null });
    expect((await trail(chat.id)).map((a) => a.end_reason)).toEqual(['away_timeout']);
  });
});
