/**
 * Teams, topic routing, transfer and handover notes, over HTTP and real sockets: an admin's teams and members, the
 * intake's topics, a chat routed to its team's members only (and the clinic's fallback when none is on shift), per
 * team queue places, a transfer's refusals and what each side sees of a transfer, and the notes left on leaving
 * and going offline pushed to whoever takes over.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../../tests/helpers/digest';
import { expectError } from '../../../../tests/helpers/expect';
import { useTestServer } from '../../../../tests/helpers/server';
import { TestSocket } from '../../../../tests/helpers/socket';
import { until } from '../../../../tests/helpers/until';

// A fresh database and server per file: allow for a loaded CI machine.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
const s = useTestServer();
let admin: Who;
let joy: Who;
let sam: Who;
let lee: Who;
let nursing: string;
let pharmacy: string;
let nurseTopic: string;
let pharmacyTopic: string;
const sockets: TestSocket[] = [];

const setAvailability = async (who: Who, availability: string, notes?: unknown) =>
  expect((await s.call('PUT', '/api/v1/employees/me/availability', { token: who.token, body: { availability, notes } })).status).toBe(200);
const start = async (name: string, topic?: string) => {
  const p = await s.guest(name);
  const res = await s.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: name, intake: topic ? { redFlags: [], topic } : undefined } });
  expect(res.status).toBe(201);
  return { patient: p, session: res.body as { id: string; status: string; teamId: string | null; topic: string | null; employee: { id: string } | null } };
};
const open = async (who: Who) => {
  const ws = await TestSocket.open(s.wsUrl, who.token);
  sockets.push(ws);
  return ws;
};
const settings = (body: unknown) => s.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body });
/** Ends every open chat and takes all staff offline: each test starts from an empty clinic. */
async function reset() {
  for (const who of [joy, sam, lee]) await setAvailability(who, 'offline');
  await s.ctx.db.execute(sql`update chat_sessions set status = 'ended', employee_id = null, ended_at = now() where status <> 'ended'`);
}

beforeAll(async () => {
  [admin, joy, sam, lee] = (await Promise.all(['admin', 'nurse.joy', 'nurse.sam', 'dr.lee'].map((n) => s.login(`${n}@demo.clinic`)))) as [Who, Who, Who, Who];
  expect((await settings({ defaultCapacity: 1, firstReplySeconds: null })).status).toBe(200);
});

describe('teams and membership (admin)', () => {
  test('an admin creates, renames and staffs teams; names are unique per clinic; staff may list but not change them', async () => {
    const created = await s.call('POST', '/api/v1/teams', { token: admin.token, body: { name: 'Nurses' } });
    expect(created.status).toBe(201);
    nursing = created.body.id;
    expect((await s.call('PATCH', `/api/v1/teams/${nursing}`, { token: admin.token, body: { name: 'Nursing' } })).body.name).toBe('Nursing');
    pharmacy = (await s.call('POST', '/api/v1/teams', { token: admin.token, body: { name: 'Pharmacy' } })).body.id;
    expectError(await s.call('POST', '/api/v1/teams', { token: admin.token, body: { name: 'Pharmacy' } }), 409, 'conflict');
    expectError(await s.call('POST', '/api/v1/teams', { token: joy.token, body: { name: 'Billing' } }), 403, 'forbidden');
    expectError(await s.call('PUT', `/api/v1/teams/${crypto.randomUUID()}/members`, { token: admin.token, body: { employeeIds: [] } }), 404, 'team_not_found');
    const patient = await s.guest('Not staff');
    const notStaff = await s.call('PUT', `/api/v1/teams/${nursing}/members`, { token: admin.token, body: { employeeIds: [joy.user.id, patient.user.id] } });
    expectError(notStaff, 400, 'invalid_request');
    expect(notStaff.body.error.details).toEqual({ field: 'employeeIds.1', problem: 'unknown_employee' });

    const members = await s.call('PUT', `/api/v1/teams/${nursing}/members`, { token: admin.token, body: { employeeIds: [joy.user.id, sam.user.id] } });
    expect(members.body.memberIds.sort()).toEqual([joy.user.id, sam.user.id].sort());
    await s.call('PUT', `/api/v1/teams/${pharmacy}/members`, { token: admin.token, body: { employeeIds: [lee.user.id] } });

    const list = await s.call('GET', '/api/v1/teams', { token: joy.token });
    expect(list.status).toBe(200);
    expect(list.body.teams.map((t: { name: string }) => t.name)).toEqual(['Nursing', 'Pharmacy']);
    const leeSeen = list.body.colleagues.find((c: { id: string }) => c.id === lee.user.id);
    expect(leeSeen).toMatchObject({ displayName: 'Dr. Lee', teamIds: [pharmacy], canTake: false, availability: 'offline' });
    const [audited] = await query<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from audit_log where action like 'team.%'`);
    expect(audited!.n).toBe(5);
  });

  test('topics route to teams of the clinic; the public lookup offers them; a start names a known topic or none', async () => {
    const bad = await s.call('PUT', '/api/v1/clinic/intake', {
      token: admin.token,
      body: { redFlags: [], emergencyInstructions: '', topics: [{ label: 'Ghosts', teamId: crypto.randomUUID() }] },
    });
    expectError(bad, 404, 'team_not_found');
    const res = await s.call('PUT', '/api/v1/clinic/intake', {
      token: admin.token,
      body: {
        redFlags: [],
        emergencyInstructions: '',
        topics: [
          { label: 'A nurse', teamId: nursing },
          { label: 'Prescriptions', teamId: pharmacy },
        ],
      },
    });
    expect(res.status).toBe(200);
    [nurseTopic, pharmacyTopic] = res.body.topics.map((t: { id: string }) => t.id);
    // Omitted topics stay as they are.
    const kept = await s.call('PUT', '/api/v1/clinic/intake', { token: admin.token, body: { redFlags: [], emergencyInstructions: '' } });
    expect(kept.body.topics.map((t: { id: string }) => t.id)).toEqual([nurseTopic, pharmacyTopic]);
    const pub = await s.call('GET', '/api/v1/clinics/demo');
    expect(pub.body.intake.topics.map((t: { label: string }) => t.label)).toEqual(['A nurse', 'Prescriptions']);

    const p = await s.guest('Wrong topic');
    const wrong = await s.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'x', intake: { redFlags: [], topic: crypto.randomUUID() } } });
    expectError(wrong, 400, 'invalid_request');
    expect(wrong.body.error.details).toMatchObject({ field: 'intake.topic', problem: 'unknown_topic' });
    expectError(await s.call('DELETE', `/api/v1/teams/${pharmacy}`, { token: admin.token }), 409, 'team_in_use');
  });
});

describe('routing by topic', () => {
  test('a team chat goes only to its members; per-team queue places; fallback wait keeps it, anyone lets others take it', async () => {
    await reset();
    expect((await settings({ teamFallback: 'wait' })).body.teamFallback).toBe('wait');
    await setAvailability(lee, 'available');
    // Lee (pharmacy) is free, but a nursing chat waits for nursing: nobody of nursing is on shift and the clinic waits.
    const first = await start('Needs a nurse', nurseTopic);
    expect(first.session).toMatchObject({ status: 'waiting', teamId: nursing, topic: 'A nurse' });
    const second = await start('Needs a nurse too', nurseTopic);
    const queued = await s.call('GET', `/api/v1/sessions/${second.session.id}/queue`, { token: second.patient.token });
    expect(queued.body).toMatchObject({ position: 2, isStaffAvailable: false, estimatedWaitSeconds: null });
    // A pharmacy chat, younger than both, goes to Lee at once: queues are per team.
    const rx = await start('Refill', pharmacyTopic);
    expect(rx.session.status).toBe('active');
    expect(rx.session.employee?.id).toBe(lee.user.id);
    // Without a topic: anyone.
    const plain = await start('No topic');
    const staffQueue = await s.call('GET', '/api/v1/queue', { token: lee.token });
    expect(staffQueue.body.waiting.map((w: { sessionId: string; teamId: string | null; position: number }) => [w.sessionId, w.teamId, w.position])).toEqual([
      [first.session.id, nursing, 1],
      [second.session.id, nursing, 2],
      [plain.session.id, null, 1],
    ]);
    const plainQueue = await s.call('GET', `/api/v1/sessions/${plain.session.id}/queue`, { token: plain.patient.token });
    expect(plainQueue.body).toMatchObject({ position: 1, isStaffAvailable: true });

    // Joy (nursing) comes on: she takes the oldest nursing chat, not the one for anyone.
    await setAvailability(joy, 'available');
    const held = await query<{ id: string }>(s.ctx.db, sql`select id from chat_sessions where employee_id = ${joy.user.id} and status = 'active'`);
    expect(held.map((h) => h.id)).toEqual([first.session.id]);

    // Fallback anyone: Joy goes offline (her chat goes back to nursing's queue), nobody of nursing is on shift, so once Lee is free he takes it.
    await setAvailability(joy, 'offline');
    expect((await settings({ teamFallback: 'anyone' })).status).toBe(200);
    await s.call('POST', `/api/v1/sessions/${rx.session.id}/end`, { token: rx.patient.token });
    const leeHeld = await until(
      async () => (await query<{ id: string }>(s.ctx.db, sql`select id from chat_sessions where employee_id = ${lee.user.id} and status = 'active'`))[0],
      'Lee to take the oldest nursing chat',
    );
    expect(leeHeld!.id).toBe(first.session.id);
    // While a nursing member is on shift (away counts), nursing chats wait for nursing even under the anyone fallback.
    await setAvailability(sam, 'away');
    await s.call('POST', `/api/v1/sessions/${first.session.id}/end`, { token: first.patient.token });
    const leeNext = await until(
      async () => (await query<{ id: string }>(s.ctx.db, sql`select id from chat_sessions where employee_id = ${lee.user.id} and status = 'active'`))[0],
      'Lee to take the chat for anyone',
    );
    expect(leeNext!.id).toBe(plain.session.id);
    const [secondNow] = await query<{ status: string }>(s.ctx.db, sql`select status from chat_sessions where id = ${second.session.id}`);
    expect(secondNow!.status).toBe('waiting');
  });
});

describe('transfer', () => {
  test('refusals name why, change nothing, and only the holder may transfer', async () => {
    await reset();
    await setAvailability(joy, 'available');
    const { session } = await start('Transfer me', nurseTopic);
    expect(session.employee?.id).toBe(joy.user.id);
    const transfer = (who: Who, body: unknown) =>
      s.call('POST', `/api/v1/sessions/${session.id}/transfer`, { token: who.token, body: { note: '', ...(body as object) } });
    expectError(await transfer(joy, { toEmployeeId: joy.user.id }), 409, 'transfer_to_self');
    const offline = await transfer(joy, { toEmployeeId: sam.user.id, note: 'x' });
    expectError(offline, 409, 'colleague_unavailable');
    expect(offline.body.error.message).toBe('Nurse Sam is offline: they take no chats now.');
    await setAvailability(lee, 'available');
    expectError(await transfer(joy, { toEmployeeId: lee.user.id, toTeamId: nursing }), 409, 'not_team_member');
    // Lee is full: another chat for anyone takes his one slot.
    await start('Fills Lee');
    const full = await transfer(joy, { toEmployeeId: lee.user.id });
    expectError(full, 409, 'colleague_at_capacity');
    expect(full.body.error.message).toBe('Dr. Lee already has 1 of 1 chats.');
    expectError(await transfer(joy, {}), 400, 'invalid_request');
    expectError(await transfer(joy, { toTeamId: crypto.randomUUID() }), 404, 'team_not_found');
    expectError(await transfer(lee, { toEmployeeId: sam.user.id }), 404, 'session_not_found');
    const [trail] = await query<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from assignments where session_id = ${session.id}`);
    expect(trail!.n).toBe(1);
  });

  test('to a colleague: the trail says transferred, the receiver gets the note pushed, the patient a line naming them', async () => {
    await reset();
    await setAvailability(joy, 'available');
    const { session, patient } = await start('Dizzy', nurseTopic);
    const patWs = await open(patient);
    await patWs.request({ type: 'subscribe', sessionId: session.id, lastSeq: 0 });
    const joyWs = await open(joy);
    const samWs = await open(sam);
    await setAvailability(sam, 'available');
    const res = await s.call('POST', `/api/v1/sessions/${session.id}/transfer`, {
      token: joy.token,
      body: { toEmployeeId: sam.user.id, note: 'Dizzy since this morning; BP was fine.' },
    });
    expect(res.status).toBe(200);
    expect(res.body.employee).toEqual({ id: sam.user.id, displayName: 'Nurse Sam' });

    const pushed = await samWs.waitFor((e) => e.type === 'employee.assigned' && e.session.id === session.id);
    expect(pushed.type === 'employee.assigned' && pushed.assignment.startReason).toBe('transferred');
    expect(pushed.type === 'employee.assigned' && pushed.handover).toMatchObject({
      from: { id: joy.user.id, displayName: 'Nurse Joy' },
      note: 'Dizzy since this morning; BP was fine.',
      reason: 'transferred',
    });
    const gone = await joyWs.waitFor((e) => e.type === 'employee.unassigned' && e.session.id === session.id);
    expect(gone.type === 'employee.unassigned' && gone.reason).toBe('transferred');
    const line = await patWs.waitFor((e) => e.type === 'message.created' && e.message.kind === 'system' && e.message.system?.employeeName === 'Nurse Sam');
    expect(line.type === 'message.created' && line.message.system?.event).toBe('session.assigned');
    // Nothing of the note reaches the patient.
    expect(JSON.stringify(patWs.events)).not.toContain('Dizzy since');

    const trail = await s.call('GET', `/api/v1/sessions/${session.id}/assignments`, { token: sam.token });
    expect(trail.body.assignments.map((a: { endReason: string | null; startReason: string }) => [a.startReason, a.endReason])).toEqual([
      ['session_started', 'transferred'],
      ['transferred', null],
    ]);
    expect(trail.body.assignments[0]).toMatchObject({
      employee: { id: joy.user.id },
      leaveNote: 'Dizzy since this morning; BP was fine.',
      transferredTo: { employee: { id: sam.user.id, displayName: 'Nurse Sam' }, teamId: null },
    });
  });

  test('to a team: a free member takes it with the note; with none free it waits for the team, and the next member gets the note', async () => {
    await reset();
    await setAvailability(joy, 'available');
    const { session } = await start('Pills', nurseTopic);
    const leeWs = await open(lee);
    await setAvailability(lee, 'available');
    const res = await s.call('POST', `/api/v1/sessions/${session.id}/transfer`, {
      token: joy.token,
      body: { toTeamId: pharmacy, note: 'Wants a refill of her inhaler.' },
    });
    expect(res.body).toMatchObject({ teamId: pharmacy, employee: { id: lee.user.id } });
    const pushed = await leeWs.waitFor((e) => e.type === 'employee.assigned' && e.session.id === session.id);
    expect(pushed.type === 'employee.assigned' && pushed.handover?.note).toBe('Wants a refill of her inhaler.');

    // Back to nursing while no nurse is free (fallback wait): it waits for nursing; Sam coming on gets it with Lee's note.
    await settings({ teamFallback: 'wait' });
    await setAvailability(joy, 'offline');
    const back = await s.call('POST', `/api/v1/sessions/${session.id}/transfer`, {
      token: lee.token,
      body: { toTeamId: nursing, note: 'Refill done; she asks about side effects.' },
    });
    expect(back.body).toMatchObject({ status: 'waiting', teamId: nursing, employee: null });
    const [trail] = await query<{ to_team: string }>(
      s.ctx.db,
      sql`select transferred_to_team_id as to_team from assignments where session_id = ${session.id} and employee_id = ${lee.user.id}`,
    );
    expect(trail!.to_team).toBe(nursing);
    const samWs = await open(sam);
    await setAvailability(sam, 'available');
    const samPush = await samWs.waitFor((e) => e.type === 'employee.assigned' && e.session.id === session.id);
    expect(samPush.type === 'employee.assigned' && samPush.handover).toMatchObject({
      note: 'Refill done; she asks about side effects.',
      from: { id: lee.user.id },
    });
    await settings({ teamFallback: 'anyone' });
  });
});

describe('handover notes on leaving and going offline', () => {
  test('a note written on leave, or per chat on going offline, is pushed to whoever takes over', async () => {
    await reset();
    await setAvailability(joy, 'available');
    const { session } = await start('Cough', nurseTopic);
    const samWs = await open(sam);
    await setAvailability(sam, 'available');
    await s.call('POST', `/api/v1/sessions/${session.id}/leave`, { token: joy.token, body: { note: 'Cough for 3 weeks.' } });
    const first = await samWs.waitFor((e) => e.type === 'employee.assigned' && e.session.id === session.id);
    expect(first.type === 'employee.assigned' && first.handover).toMatchObject({ note: 'Cough for 3 weeks.', reason: 'left', from: { id: joy.user.id } });

    // Sam ends his shift with a note for this chat; Joy, back, takes it over after the cool-down… or at once: the cool-down is Sam's.
    const joyWs = await open(joy);
    await setAvailability(sam, 'offline', [{ sessionId: session.id, note: 'Asked for an x-ray referral.' }]);
    const second = await joyWs.waitFor((e) => e.type === 'employee.assigned' && e.session.id === session.id);
    expect(second.type === 'employee.assigned' && second.handover).toMatchObject({
      note: 'Asked for an x-ray referral.',
      reason: 'left',
      from: { id: sam.user.id },
    });
    // A chat taken with no note before it: no handover.
    const fresh = await start('New one');
    await setAvailability(lee, 'available');
    const leeWs = await open(lee);
    await s.call('POST', `/api/v1/sessions/${fresh.session.id}/end`, { token: fresh.patient.token });
    expect(leeWs.events.some((e) => e.type === 'employee.assigned' && e.handover !== null)).toBe(false);
    for (const ws of sockets) ws.close();
  });
});
