import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { useTestApp, guest, login } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { refusalChecker } from '../../../../tests/helpers/expect';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
const t = useTestApp();
let joy: Who;
let sam: Who;
let lee: Who;
let admin: Who;

beforeAll(async () => {
  [joy, sam, lee, admin] = (await Promise.all(['nurse.joy', 'nurse.sam', 'dr.lee', 'admin'].map((n) => login(t, `${n}@demo.clinic`)))) as [Who, Who, Who, Who];
}, 60_000);

const setAvailability = (who: Who, availability: string) => t.call('PUT', '/api/v1/employees/me/availability', { token: who.token, body: { availability } });

const refused = refusalChecker(() => t);

describe('POST /sessions', () => {
  test('201 waiting when nobody is available, 200 with the same open session on a second start', async () => {
    const p = await guest(t, 'First');
    const a = await t.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'Fever' } });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ status: 'waiting', employee: null, reason: 'Fever', patient: { id: p.user.id, displayName: 'First' }, lastSeq: 0 });
    const b = await t.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'Another' } });
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    // Clean up: end it so later tests start from an empty queue.
    await t.call('POST', `/api/v1/sessions/${a.body.id}/end`, { token: p.token });
  });

  test('concurrent starts by one patient give one session', async () => {
    const p = await guest(t, 'Double');
    const results = await Promise.all(Array.from({ length: 8 }, () => t.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'Twice' } })));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const [row] = await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from chat_sessions where patient_id = ${p.user.id}`);
    expect(row!.n).toBe(1);
    await t.call('POST', `/api/v1/sessions/${results[0]!.body.id}/end`, { token: p.token });
  });

  test('400 for a missing, blank, NUL or too long reason and malformed JSON; 401; 403 for staff', async () => {
    const p = await guest(t, 'Bad');
    for (const body of [
      {},
      { reason: '' },
      { reason: '  ' },
      { reason: 'a\u0000b' },
      { reason: '\ud83d' },
      { reason: 'r'.repeat(2001) },
      '{"reason":',
      'null',
    ]) {
      await refused('POST', '/api/v1/sessions', { token: p.token, body }, 400, 'invalid_request');
    }
    await refused('POST', '/api/v1/sessions', { body: { reason: 'x' } }, 401, 'unauthorized');
    await refused('POST', '/api/v1/sessions', { token: joy.token, body: { reason: 'x' } }, 403, 'forbidden');
  });
});

// One story, one test: each step starts from the state the step before left (the session, who holds it).
test('a session through its life: queue, lists, leave and handover, assignments, audit, end', async () => {
  // A session of another patient, ended before this one starts, for the admin's list of ended sessions.
  const earlier = await guest(t, 'Earlier');
  const earlierId = (await t.call('POST', '/api/v1/sessions', { token: earlier.token, body: { reason: 'Earlier' } })).body.id;
  await t.call('POST', `/api/v1/sessions/${earlierId}/end`, { token: earlier.token });

  // queue: the waiting patient and staff see the position; 404 not_found once assigned.
  const p = await guest(t, 'Life');
  const id: string = (await t.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'Rash' } })).body.id;
  const mine = await t.call('GET', `/api/v1/sessions/${id}/queue`, { token: p.token });
  expect(mine.status).toBe(200);
  expect(mine.body).toEqual({ position: 1, estimatedWaitSeconds: null, isStaffAvailable: false });
  expect((await t.call('GET', `/api/v1/sessions/${id}/queue`, { token: admin.token })).status).toBe(200);
  const queue = await t.call('GET', '/api/v1/queue', { token: joy.token });
  expect(queue.body.waiting.map((w: { sessionId: string }) => w.sessionId)).toEqual([id]);
  await refused('GET', '/api/v1/queue', { token: p.token }, 403, 'forbidden');
  await refused('GET', '/api/v1/queue', {}, 401, 'unauthorized');

  expect((await setAvailability(joy, 'available')).status).toBe(200);
  const s = await t.call('GET', `/api/v1/sessions/${id}`, { token: p.token });
  expect(s.body).toMatchObject({ status: 'active', employee: { id: joy.user.id } });
  await refused('GET', `/api/v1/sessions/${id}/queue`, { token: p.token }, 404, 'not_found');

  // GET /sessions lists by role and status filter; 400 for an unknown status.
  const patients = await t.call('GET', '/api/v1/sessions', { token: p.token });
  expect(patients.body.sessions.map((s: { id: string }) => s.id)).toEqual([id]);
  const joys = await t.call('GET', '/api/v1/sessions?status=active', { token: joy.token });
  expect(joys.body.sessions.map((s: { id: string }) => s.id)).toEqual([id]);
  expect((await t.call('GET', '/api/v1/sessions', { token: sam.token })).body.sessions).toEqual([]);
  const admins = await t.call('GET', '/api/v1/sessions?status=ended', { token: admin.token });
  expect(admins.body.sessions.map((s: { id: string }) => s.id)).toContain(earlierId);
  expect(admins.body.sessions.every((s: { status: string }) => s.status === 'ended')).toBe(true);
  await refused('GET', '/api/v1/sessions?status=closed', { token: admin.token }, 400, 'invalid_request');
  await refused('GET', '/api/v1/sessions', {}, 401, 'unauthorized');

  // leave: 403 for the patient and for staff who see it but do not hold it, 404 for staff who never held it and unknown ids; 200 reassigns.
  await refused('POST', `/api/v1/sessions/${id}/leave`, { token: p.token, body: {} }, 403, 'forbidden');
  await refused('POST', `/api/v1/sessions/${id}/leave`, { token: admin.token, body: {} }, 403, 'not_assigned');
  // Sam never held it: the answer of an unknown session (tests/security/authorization-matrix.test.ts).
  await refused('POST', `/api/v1/sessions/${id}/leave`, { token: sam.token, body: {} }, 404, 'session_not_found');
  await refused('POST', `/api/v1/sessions/${crypto.randomUUID()}/leave`, { token: joy.token, body: {} }, 404, 'session_not_found');
  await refused('POST', `/api/v1/sessions/${id}/leave`, { token: joy.token, body: { note: 'n'.repeat(501) } }, 400, 'invalid_request');
  await refused('POST', `/api/v1/sessions/${id}/leave`, { token: joy.token, body: { note: 'bad\u0000note' } }, 400, 'invalid_request');
  await refused('POST', `/api/v1/sessions/${id}/leave`, {}, 401, 'unauthorized');

  // Nobody else available: back to the queue, in its place.
  const left = await t.call('POST', `/api/v1/sessions/${id}/leave`, {
    token: joy.token,
    body: { note: ' Shift over.\nAllergic to penicillin, asked about dosage. ' },
  });
  expect(left.status).toBe(200);
  expect(left.body).toMatchObject({ status: 'waiting', employee: null });
  // Joy left and is in her cool-down, so Sam takes it when he comes.
  await setAvailability(sam, 'available');
  expect((await t.call('GET', `/api/v1/sessions/${id}`, { token: p.token })).body.employee.id).toBe(sam.user.id);
  // Joy held it once: she still reads it, but no longer writes.
  expect((await t.call('GET', `/api/v1/sessions/${id}`, { token: joy.token })).status).toBe(200);
  await refused('POST', `/api/v1/sessions/${id}/messages`, { token: joy.token, body: { clientMsgId: 'j', body: 'still here?' } }, 403, 'not_assigned');

  // assignments: the history for staff with access, with the handover note; 403 patient, 404 never assigned.
  const trail = await t.call('GET', `/api/v1/sessions/${id}/assignments`, { token: joy.token });
  expect(trail.status).toBe(200);
  expect(trail.body.assignments.map((a: any) => [a.employee.id, a.startReason, a.endReason, a.leaveNote])).toEqual([
    [joy.user.id, 'employee_available', 'left', 'Shift over.\nAllergic to penicillin, asked about dosage.'],
    [sam.user.id, 'employee_available', null, null],
  ]);
  // Sam, who took over, reads Joy's handover note; the patient never gets the assignments (below).
  const sams = await t.call('GET', `/api/v1/sessions/${id}/assignments`, { token: sam.token });
  expect(sams.body.assignments[0].leaveNote).toBe('Shift over.\nAllergic to penicillin, asked about dosage.');
  expect((await t.call('GET', `/api/v1/sessions/${id}/assignments`, { token: admin.token })).status).toBe(200);
  await refused('GET', `/api/v1/sessions/${id}/assignments`, { token: p.token }, 403, 'forbidden');
  await refused('GET', `/api/v1/sessions/${id}/assignments`, { token: lee.token }, 404, 'session_not_found');
  await refused('GET', `/api/v1/sessions/${id}/assignments`, {}, 401, 'unauthorized');

  // audit: admin only, lists reads and assignment changes.
  const audited = await t.call('GET', `/api/v1/sessions/${id}/audit`, { token: admin.token });
  expect(audited.status).toBe(200);
  const actions = audited.body.entries.map((e: { action: string }) => e.action);
  expect(actions).toEqual(expect.arrayContaining(['session.started', 'session.viewed', 'assignment.started', 'assignment.ended']));
  // One row per change, naming who made it: Joy's leave (not a second, anonymous row for the same change).
  const leaveRows = audited.body.entries.filter((e: { action: string }) => e.action === 'assignment.ended');
  expect(leaveRows.map((e: { actorId: string | null }) => e.actorId)).toEqual([joy.user.id]);
  await refused('GET', `/api/v1/sessions/${id}/audit`, { token: sam.token }, 403, 'forbidden');
  await refused('GET', `/api/v1/sessions/${id}/audit`, { token: p.token }, 403, 'forbidden');
  await refused('GET', `/api/v1/sessions/${crypto.randomUUID()}/audit`, { token: admin.token }, 404, 'session_not_found');

  // end: 403 for staff, 404 for another patient; 200 ends and frees the slot; ending again is 200.
  await refused('POST', `/api/v1/sessions/${id}/end`, { token: sam.token }, 403, 'forbidden');
  const other = await guest(t, 'Other');
  await refused('POST', `/api/v1/sessions/${id}/end`, { token: other.token }, 404, 'session_not_found');
  await refused('POST', `/api/v1/sessions/${id}/end`, {}, 401, 'unauthorized');
  await refused('POST', `/api/v1/sessions/not-a-uuid/end`, { token: p.token }, 400, 'invalid_request');
  const ended = await t.call('POST', `/api/v1/sessions/${id}/end`, { token: p.token });
  expect(ended.status).toBe(200);
  expect(ended.body).toMatchObject({ status: 'ended', employee: null, endedBy: p.user.id });
  const again = await t.call('POST', `/api/v1/sessions/${id}/end`, { token: p.token });
  expect(again.status).toBe(200);
  const history = (await t.call('GET', `/api/v1/sessions/${id}/assignments`, { token: sam.token })).body.assignments;
  expect(history.at(-1).endReason).toBe('session_ended');
  // Sam's assignment ended because the patient ended the session: the audit row says so.
  const audit = (await t.call('GET', `/api/v1/sessions/${id}/audit`, { token: admin.token })).body.entries;
  const ends = audit.filter((e: { action: string }) => e.action === 'assignment.ended').map((e: { actorId: string | null }) => e.actorId);
  expect(ends.sort()).toEqual([joy.user.id, p.user.id].sort());
  const [samRow] = await query<{ load: number }>(t.ctx.db, sql`select load from users where id = ${sam.user.id}`);
  expect(samRow!.load).toBe(0);
  await refused('POST', `/api/v1/sessions/${id}/leave`, { token: sam.token, body: {} }, 409, 'session_ended');
});

describe('availability', () => {
  test('away keeps the sessions held and takes no new ones; available takes the oldest waiting', async () => {
    for (const who of [joy, sam, lee]) await setAvailability(who, 'offline');
    expect((await t.call('PATCH', `/api/v1/employees/${joy.user.id}`, { token: admin.token, body: { capacity: 2 } })).status).toBe(200);
    await setAvailability(joy, 'available');
    const p1 = await guest(t, 'Held');
    const held = (await t.call('POST', '/api/v1/sessions', { token: p1.token, body: { reason: 'Held' } })).body;
    expect(held.employee.id).toBe(joy.user.id);
    const away = await setAvailability(joy, 'away');
    expect(away.status).toBe(200);
    expect(away.body.availability).toBe('away');
    const p2 = await guest(t, 'New');
    const waiting = (await t.call('POST', '/api/v1/sessions', { token: p2.token, body: { reason: 'New' } })).body;
    expect(waiting.status).toBe('waiting');
    expect((await t.call('GET', `/api/v1/sessions/${held.id}`, { token: joy.token })).body.employee.id).toBe(joy.user.id);
    await setAvailability(joy, 'available');
    expect((await t.call('GET', `/api/v1/sessions/${waiting.id}`, { token: joy.token })).body.employee.id).toBe(joy.user.id);
    await t.call('POST', `/api/v1/sessions/${waiting.id}/end`, { token: p2.token });

    // Offline: every session is given up, reason left; Sam takes it.
    await setAvailability(sam, 'available');
    const off = await setAvailability(joy, 'offline');
    expect(off.body.availability).toBe('offline');
    const history = (await t.call('GET', `/api/v1/sessions/${held.id}/assignments`, { token: joy.token })).body.assignments;
    expect(history.map((a: any) => [a.employee.id, a.endReason])).toEqual([
      [joy.user.id, 'left'],
      [sam.user.id, null],
    ]);
    const [joyRow] = await query<{ load: number }>(t.ctx.db, sql`select load from users where id = ${joy.user.id}`);
    expect(joyRow!.load).toBe(0);
    await t.call('POST', `/api/v1/sessions/${held.id}/end`, { token: p1.token });
  });

  test('400 for an unknown availability, 401, 403 for a patient', async () => {
    await refused('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'busy' } }, 400, 'invalid_request');
    await refused('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: '{' }, 400, 'invalid_request');
    await refused('PUT', '/api/v1/employees/me/availability', { body: { availability: 'away' } }, 401, 'unauthorized');
    const p = await guest(t, 'Pat');
    await refused('PUT', '/api/v1/employees/me/availability', { token: p.token, body: { availability: 'away' } }, 403, 'forbidden');
  });
});
