import { expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { useTestApp, guest, login } from '../../../tests/helpers/app';
import { query } from '../../../tests/helpers/digest';

// A fresh database and server per file: allow for a loaded CI machine.
setDefaultTimeout(60_000);

const t = useTestApp();

test('messages cannot be updated and audit rows can be neither updated nor deleted', async () => {
  const pat = await guest(t);
  const { body: session } = await t.call('POST', '/api/v1/sessions', { token: pat.token, body: { reason: 'Check' } });
  await t.call('POST', `/api/v1/sessions/${session.id}/messages`, { token: pat.token, body: { clientMsgId: 'a', body: 'original' } });
  expect(
    await t.ctx.db.execute(sql`update messages set body = 'changed'`).then(
      () => 'changed',
      () => 'refused',
    ),
  ).toBe('refused');
  expect(
    await t.ctx.db.execute(sql`update audit_log set action = 'x'`).then(
      () => 'changed',
      () => 'refused',
    ),
  ).toBe('refused');
  expect(
    await t.ctx.db.execute(sql`delete from audit_log`).then(
      () => 'changed',
      () => 'refused',
    ),
  ).toBe('refused');
  const page = await t.call('GET', `/api/v1/sessions/${session.id}/messages`, { token: pat.token });
  expect(page.body.messages.at(-1).body).toBe('original');
});

const outcome = (q: ReturnType<typeof sql>) =>
  t.ctx.db.execute(q).then(
    () => 'changed',
    () => 'refused',
  );

test('assignments are append-only: a closed period never changes, an open one only closes once, rows go only with their ended session, once its retention period has run', async () => {
  const admin = await login(t, 'admin@demo.clinic');
  const joy = await login(t, 'nurse.joy@demo.clinic');
  // Room for the first test's waiting session and this one.
  await t.call('PATCH', `/api/v1/employees/${joy.user.id}`, { token: admin.token, body: { capacity: 2 } });
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  const pat = await guest(t);
  const { body: session } = await t.call('POST', '/api/v1/sessions', { token: pat.token, body: { reason: 'Trail' } });
  expect(session.employee.id).toBe(joy.user.id);
  // An open period: changing who held it, when it started or why is refused; so is deleting it.
  expect(await outcome(sql`update assignments set employee_id = ${admin.user.id} where session_id = ${session.id}`)).toBe('refused');
  expect(await outcome(sql`update assignments set started_at = now() - interval '1 hour' where session_id = ${session.id}`)).toBe('refused');
  expect(await outcome(sql`update assignments set start_reason = 'admin' where session_id = ${session.id}`)).toBe('refused');
  expect(await outcome(sql`delete from assignments where session_id = ${session.id}`)).toBe('refused');
  // Leaving closes it (the engine's one allowed update), with the handover note.
  expect((await t.call('POST', `/api/v1/sessions/${session.id}/leave`, { token: joy.token, body: { note: 'Handover' } })).status).toBe(200);
  const closed = sql`session_id = ${session.id} and ended_at is not null`;
  for (const change of [
    sql`update assignments set ended_at = null where ${closed}`,
    sql`update assignments set ended_at = now() where ${closed}`,
    sql`update assignments set end_reason = 'admin' where ${closed}`,
    sql`update assignments set leave_note = 'rewritten' where ${closed}`,
    sql`update assignments set employee_id = ${admin.user.id} where ${closed}`,
    sql`delete from assignments where ${closed}`,
  ])
    expect(await outcome(change)).toBe('refused');
  // An open session cannot be deleted (that would take its trail with it); an ended one can, by retention.
  expect(await outcome(sql`delete from chat_sessions where id = ${session.id}`)).toBe('refused');
  await t.call('POST', `/api/v1/sessions/${session.id}/end`, { token: pat.token });
  expect(await outcome(sql`delete from assignments where session_id = ${session.id}`)).toBe('refused');
  const [trail] = await query<{ n: number; note: string }>(
    t.ctx.db,
    sql`select count(*)::int as n, max(leave_note) as note from assignments where session_id = ${session.id}`,
  );
  expect(trail).toEqual({ n: 1, note: 'Handover' });
  // Ended, but inside the retention period (or with none set): kept.
  expect(await outcome(sql`delete from chat_sessions where id = ${session.id}`)).toBe('refused');
  expect((await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { retentionDays: 30 } })).status).toBe(200);
  expect(await outcome(sql`delete from chat_sessions where id = ${session.id}`)).toBe('refused');
  await t.ctx.db.execute(sql`update chat_sessions set ended_at = now() - interval '31 days' where id = ${session.id}`);
  expect(await outcome(sql`delete from chat_sessions where id = ${session.id}`)).toBe('changed');
  const [gone] = await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from assignments where session_id = ${session.id}`);
  expect(gone!.n).toBe(0);
});
