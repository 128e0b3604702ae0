/**
 * Patient gone (patient-idle.ts): a chat whose patient left and went quiet after staff wrote waits on the patient,
 * out of the queue, and comes back when they write; a clinic may close such chats after a while. The clock is the
 * database's: a test moves the stored times (staff's message, the patient's leaving, the wait on the patient) into
 * the past and fires the deadlines by hand; nothing sleeps for a deadline. The patient's sockets are real.
 */
import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../../tests/helpers/digest';
import { useTestServer } from '../../../../tests/helpers/server';
import { TestSocket } from '../../../../tests/helpers/socket';
import { until } from '../../../../tests/helpers/until';
import { sweep } from '../realtime/presence';
import { storeBatch } from '../messages/batch-insert.sql';
import { firePatientDeadlines } from './patient-idle';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
// The sweeper runs by hand (sweep below), never on a timer.
const s = useTestServer({ SWEEP_INTERVAL_MS: String(3600 * 1000) });
let admin: Who;
let joy: Who;
let sam: Who;
let patients: Who[] = [];
let sockets: TestSocket[] = [];
const none = { patientInactive: 0, inactive: 0, returned: 0 };

beforeAll(async () => {
  admin = await s.login('admin@demo.clinic');
  [joy, sam] = [await s.login('nurse.joy@demo.clinic'), await s.login('nurse.sam@demo.clinic')];
  // One chat at a time each, so a freed slot is visible.
  await s.ctx.db.execute(sql`update users set capacity = 1 where id in (${joy.user.id}, ${sam.user.id})`);
});

afterEach(async () => {
  for (const ws of sockets) ws.close();
  sockets = [];
  for (const p of patients) {
    const { body } = await s.call('GET', '/api/v1/sessions', { token: p.token });
    for (const x of body.sessions) if (x.status !== 'ended') await s.call('POST', `/api/v1/sessions/${x.id}/end`, { token: p.token });
  }
  patients = [];
  for (const who of [joy, sam]) await availability(who, 'offline');
  await s.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { patientIdleMinutes: 30, inactiveCloseHours: null } });
});

async function availability(who: Who, value: 'available' | 'away' | 'offline') {
  expect((await s.call('PUT', '/api/v1/employees/me/availability', { token: who.token, body: { availability: value } })).status).toBe(200);
}

async function start(name: string) {
  const patient = await s.guest(name);
  patients.push(patient);
  const res = await s.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: name } });
  expect(res.status).toBe(201);
  return { patient, id: res.body.id as string, employeeId: (res.body.employee?.id ?? null) as string | null };
}

let sent = 0;
async function write(who: Who, sessionId: string) {
  const res = await s.call('POST', `/api/v1/sessions/${sessionId}/messages`, { token: who.token, body: { clientMsgId: `m-${++sent}`, body: 'Hello' } });
  expect(res.status).toBe(201);
}

/** Moves every message of a session `minutes` into the past (messages are immutable: triggers off for this one write). */
async function backdateMessages(sessionId: string, minutes: number) {
  await s.ctx.db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(sql`update messages set created_at = created_at - make_interval(mins => ${minutes}) where session_id = ${sessionId}`);
  });
}

const backdateLeaving = (who: Who, minutes: number) =>
  s.ctx.db.execute(sql`update users set presence_lost_at = presence_lost_at - make_interval(mins => ${minutes}) where id = ${who.user.id}`);

const row = async (sessionId: string) =>
  (
    await query<{ status: string; employee_id: string | null; idle: boolean }>(
      s.ctx.db,
      sql`select status, employee_id, idle_since is not null as idle from chat_sessions where id = ${sessionId}`,
    )
  )[0]!;

const trail = (sessionId: string) =>
  query<{ employee_id: string; start_reason: string; end_reason: string | null }>(
    s.ctx.db,
    sql`select employee_id, start_reason, end_reason from assignments where session_id = ${sessionId} order by started_at`,
  );

const loadOf = async (who: Who) => (await query<{ load: number }>(s.ctx.db, sql`select load from users where id = ${who.user.id}`))[0]!.load;

async function patientSocket(patient: Who) {
  const ws = await TestSocket.open(s.wsUrl, patient.token);
  sockets.push(ws);
  return ws;
}

describe('patient_inactive: staff wrote last, the patient gone and silent for patientIdleMinutes', () => {
  test('not due, then due: the assignment closes, the slot goes to the next waiting patient, the chat waits on its patient out of the queue', async () => {
    await availability(joy, 'available');
    const chat = await start('Went quiet');
    expect(chat.employeeId).toBe(joy.user.id);
    const next = await start('Next in line');
    expect(next.employeeId).toBeNull();
    await write(chat.patient, chat.id);
    await write(joy, chat.id);

    await backdateMessages(chat.id, 29);
    expect(await firePatientDeadlines(s.ctx)).toEqual(none);
    await backdateMessages(chat.id, 2);
    expect(await firePatientDeadlines(s.ctx)).toEqual({ ...none, patientInactive: 1 });

    expect(await row(chat.id)).toEqual({ status: 'idle', employee_id: null, idle: true });
    expect(await trail(chat.id)).toEqual([{ employee_id: joy.user.id, start_reason: 'session_started', end_reason: 'patient_inactive' }]);
    const audit = await query<{ actor_id: string | null }>(
      s.ctx.db,
      sql`select actor_id from audit_log where session_id = ${chat.id} and action = 'assignment.ended'`,
    );
    expect(audit).toEqual([{ actor_id: null }]);
    // Joy's freed slot went to the patient who waited.
    expect(await row(next.id)).toEqual({ status: 'active', employee_id: joy.user.id, idle: false });
    expect(await loadOf(joy)).toBe(1);

    // Staff see it apart from the queue, with who had it; it is in no queue position.
    const queue = await s.call('GET', '/api/v1/queue', { token: sam.token });
    expect(queue.body.waiting).toEqual([]);
    expect(queue.body.waitingOnPatient).toMatchObject([
      { sessionId: chat.id, reason: 'Went quiet', patient: { id: chat.patient.user.id }, employee: { id: joy.user.id } },
    ]);
    expect((await s.call('GET', `/api/v1/sessions/${chat.id}/queue`, { token: chat.patient.token })).status).toBe(404);
    // The session stays open: the patient sees it as it was, and it fires once.
    expect((await s.call('GET', `/api/v1/sessions/${chat.id}`, { token: chat.patient.token })).body.status).toBe('idle');
    expect(await firePatientDeadlines(s.ctx)).toEqual(none);
  });

  test('the patient writing last, or patientIdleMinutes: null, keeps the chat with its employee', async () => {
    await availability(joy, 'available');
    const chat = await start('Patient wrote last');
    await write(joy, chat.id);
    await write(chat.patient, chat.id);
    await backdateMessages(chat.id, 24 * 60);
    expect(await firePatientDeadlines(s.ctx)).toEqual(none);

    await write(joy, chat.id);
    await backdateMessages(chat.id, 24 * 60);
    await s.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { patientIdleMinutes: null } });
    expect(await firePatientDeadlines(s.ctx)).toEqual(none);
    expect(await row(chat.id)).toEqual({ status: 'active', employee_id: joy.user.id, idle: false });
  });

  test('a connected patient blocks it; once their last socket goes, the period counts from their leaving', async () => {
    await availability(joy, 'available');
    const chat = await start('Still here');
    const ws = await patientSocket(chat.patient);
    await write(joy, chat.id);
    await backdateMessages(chat.id, 120);
    // Reading, not writing, with the chat open: not gone.
    expect(await firePatientDeadlines(s.ctx)).toEqual(none);

    ws.close();
    const left = async () =>
      (await query<{ left: boolean }>(s.ctx.db, sql`select presence_lost_at is not null as left from users where id = ${chat.patient.user.id}`))[0]!.left;
    await until(left, 'the patient’s leaving is stamped');
    // Staff's message is two hours old, but the patient left just now.
    expect(await firePatientDeadlines(s.ctx)).toEqual(none);
    await backdateLeaving(chat.patient, 31);
    expect(await firePatientDeadlines(s.ctx)).toEqual({ ...none, patientInactive: 1 });

    // Coming back clears it: reconnecting alone does not bring the chat back, writing does (below).
    await patientSocket(chat.patient);
    await until(async () => !(await left()), 'a new socket clears it');
    expect(await row(chat.id)).toMatchObject({ status: 'idle' });
  });

  test('a patient whose instance died (no close) counts from the dead socket’s last heartbeat', async () => {
    await availability(joy, 'available');
    const chat = await start('Instance died');
    await write(joy, chat.id);
    await backdateMessages(chat.id, 120);
    // A connection row of an instance that died an hour ago: until the sweeper clears it, the patient reads as connected.
    await s.ctx.db.execute(
      sql`insert into connections (id, user_id, instance_id, heartbeat_at) values (gen_random_uuid(), ${chat.patient.user.id}, 'dead', now() - interval '1 hour')`,
    );
    expect(await firePatientDeadlines(s.ctx)).toEqual(none);
    // The sweep drops the dead row, stamps the leaving with its last heartbeat, and fires.
    await sweep(s.ctx, s.hub);
    expect(await row(chat.id)).toMatchObject({ status: 'idle', employee_id: null });
    expect((await trail(chat.id)).map((a) => a.end_reason)).toEqual(['patient_inactive']);
  });
});

describe('the patient returns', () => {
  test('writing brings the chat back to the queue in its original place, then to an employee as any other', async () => {
    await availability(joy, 'available');
    const chat = await start('Came back');
    await write(joy, chat.id);
    await backdateMessages(chat.id, 31);
    expect((await firePatientDeadlines(s.ctx)).patientInactive).toBe(1);
    await availability(joy, 'offline');
    const younger = await start('Younger');
    expect(younger.employeeId).toBeNull();
    // While the older chat waits on its patient, it is in nobody's way: the younger one is first in the queue.
    const before = await s.call('GET', `/api/v1/sessions/${younger.id}/queue`, { token: younger.patient.token });
    expect(before.body.position).toBe(1);

    // Nobody available: back in the queue, ahead of the younger chat (its place is its start).
    const ws = await patientSocket(chat.patient);
    await write(chat.patient, chat.id);
    expect(await row(chat.id)).toEqual({ status: 'waiting', employee_id: null, idle: false });
    const waiting = await ws.waitFor((e) => e.type === 'session.waiting');
    expect(waiting).toMatchObject({ session: { id: chat.id, status: 'waiting' }, queue: { position: 1 } });
    const queue = await s.call('GET', '/api/v1/queue', { token: sam.token });
    expect(queue.body.waiting.map((w: { sessionId: string }) => w.sessionId)).toEqual([chat.id, younger.id]);
    expect(queue.body.waitingOnPatient).toEqual([]);

    // Sam comes: the engine gives him the oldest, the returned chat.
    await availability(sam, 'available');
    await until(async () => (await row(chat.id)).status === 'active', 'Sam takes the returned chat');
    expect(await row(chat.id)).toMatchObject({ employee_id: sam.user.id });
    expect(await trail(chat.id)).toEqual([
      { employee_id: joy.user.id, start_reason: 'session_started', end_reason: 'patient_inactive' },
      { employee_id: sam.user.id, start_reason: 'employee_available', end_reason: null },
    ]);
  });

  test('with an employee free, the return is assigned at once (reason patient_returned)', async () => {
    await availability(joy, 'available');
    const chat = await start('Straight back');
    await write(joy, chat.id);
    await backdateMessages(chat.id, 31);
    expect((await firePatientDeadlines(s.ctx)).patientInactive).toBe(1);
    await write(chat.patient, chat.id);
    expect(await row(chat.id)).toEqual({ status: 'active', employee_id: joy.user.id, idle: false });
    expect((await trail(chat.id)).map((a) => a.start_reason)).toEqual(['session_started', 'patient_returned']);
  });

  test('a return the writer’s process never got to (killed after the commit) is made by the sweeper', async () => {
    await availability(joy, 'available');
    const chat = await start('Missed return');
    await write(joy, chat.id);
    await backdateMessages(chat.id, 31);
    expect((await firePatientDeadlines(s.ctx)).patientInactive).toBe(1);
    // The message is stored, and nothing else happens (the statement alone, as if the process died after it).
    const [stored] = await storeBatch(s.ctx.db, [
      {
        actor: { id: chat.patient.user.id, role: 'patient', clinicId: (await clinicId()) as string, displayName: 'Missed return' } as never,
        sessionId: chat.id,
        clientMsgId: 'after-the-kill',
        body: 'Still there?',
      },
    ]);
    expect(stored).toMatchObject({ outcome: 'new', status: 'idle' });
    expect(await row(chat.id)).toMatchObject({ status: 'idle' });
    expect(await firePatientDeadlines(s.ctx)).toEqual({ ...none, returned: 1 });
    expect(await row(chat.id)).toEqual({ status: 'active', employee_id: joy.user.id, idle: false });
  });
});

const clinicId = async () => (await query<{ id: string }>(s.ctx.db, sql`select clinic_id as id from users where id = ${admin.user.id}`))[0]!.id;

describe('inactive: a chat waiting on its absent patient for inactiveCloseHours is closed by the system', () => {
  test('off by default; once set, not due then due: ended with a closing line, by the system, never the patient', async () => {
    await availability(joy, 'available');
    const chat = await start('Never came back');
    await write(joy, chat.id);
    await backdateMessages(chat.id, 31);
    expect((await firePatientDeadlines(s.ctx)).patientInactive).toBe(1);
    const backdateIdle = (minutes: number) =>
      s.ctx.db.execute(sql`update chat_sessions set idle_since = idle_since - make_interval(mins => ${minutes}) where id = ${chat.id}`);
    await backdateIdle(365 * 24 * 60);
    expect(await firePatientDeadlines(s.ctx)).toEqual(none);

    const set = await s.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { inactiveCloseHours: 2 } });
    expect(set.body).toMatchObject({ inactiveCloseHours: 2, patientIdleMinutes: 30 });
    await s.ctx.db.execute(sql`update chat_sessions set idle_since = now() - interval '119 minutes' where id = ${chat.id}`);
    expect(await firePatientDeadlines(s.ctx)).toEqual(none);
    await backdateIdle(2);
    expect(await firePatientDeadlines(s.ctx)).toEqual({ ...none, inactive: 1 });

    const [ended] = await query<{ status: string; ended_by: string | null }>(s.ctx.db, sql`select status, ended_by from chat_sessions where id = ${chat.id}`);
    expect(ended).toEqual({ status: 'ended', ended_by: null });
    const history = await s.call('GET', `/api/v1/sessions/${chat.id}/messages`, { token: chat.patient.token });
    expect(history.body.messages.at(-1)).toMatchObject({
      kind: 'system',
      sender: null,
      system: { event: 'session.inactive' },
      body: 'This chat was closed after a period of inactivity. Start a new chat any time.',
    });
    const audit = await query<{ actor_id: string | null }>(
      s.ctx.db,
      sql`select actor_id from audit_log where session_id = ${chat.id} and action = 'session.ended'`,
    );
    expect(audit).toEqual([{ actor_id: null }]);
    expect(await firePatientDeadlines(s.ctx)).toEqual(none);
    // The patient may start again at once.
    expect((await s.call('POST', '/api/v1/sessions', { token: chat.patient.token, body: { reason: 'Again' } })).status).toBe(201);
  });

  test('a connected patient keeps it open', async () => {
    await s.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { inactiveCloseHours: 1 } });
    await availability(joy, 'available');
    const chat = await start('Reading');
    await write(joy, chat.id);
    await backdateMessages(chat.id, 31);
    expect((await firePatientDeadlines(s.ctx)).patientInactive).toBe(1);
    await s.ctx.db.execute(sql`update chat_sessions set idle_since = now() - interval '1 day' where id = ${chat.id}`);
    await patientSocket(chat.patient);
    expect(await firePatientDeadlines(s.ctx)).toEqual(none);
    expect(await row(chat.id)).toMatchObject({ status: 'idle' });
  });
});

describe('settings', () => {
  test('defaults, ranges and null', async () => {
    const got = await s.call('GET', '/api/v1/clinic/settings', { token: admin.token });
    expect(got.body).toMatchObject({ patientIdleMinutes: 30, inactiveCloseHours: null });
    for (const body of [
      { patientIdleMinutes: 0 },
      { patientIdleMinutes: 10081 },
      { inactiveCloseHours: 0 },
      { inactiveCloseHours: 2161 },
      { patientIdleMinutes: '5' },
    ]) {
      const res = await s.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body });
      expect(res.status).toBe(400);
    }
    expect((await s.call('GET', '/api/v1/clinic/settings', { token: admin.token })).body).toMatchObject({ patientIdleMinutes: 30, inactiveCloseHours: null });
    const off = await s.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { patientIdleMinutes: null, inactiveCloseHours: 72 } });
    expect(off.body).toMatchObject({ patientIdleMinutes: null, inactiveCloseHours: 72 });
  });
});
