import { expect, setDefaultTimeout, test } from 'bun:test';
import { count, eq, sql } from 'drizzle-orm';
import { useTestApp, guest, login } from '../../../../tests/helpers/app';
import { auditLog, chatSessions, messages, priorityChanges } from '../../db/schema';
import { purgeExpiredSessions } from './service';

// A fresh database and server per file: allow for a loaded CI machine.
setDefaultTimeout(60_000);

const t = useTestApp();

test('ended sessions past the clinic retention period are deleted with their messages, leaving an audit row', async () => {
  const admin = await login(t, 'admin@demo.clinic');
  expect((await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { retentionDays: 30 } })).status).toBe(200);
  const pat = await guest(t);
  const { body: session } = await t.call('POST', '/api/v1/sessions', { token: pat.token, body: { reason: 'Old question' } });
  await t.call('POST', `/api/v1/sessions/${session.id}/messages`, { token: pat.token, body: { clientMsgId: 'a', body: 'canary-phi-text' } });
  await t.call('POST', `/api/v1/sessions/${session.id}/end`, { token: pat.token });

  // The clock: the session's end moved back in the database, which retention and its trigger both read.
  const endedDaysAgo = (days: number) =>
    t.ctx.db.execute(sql`update chat_sessions set ended_at = now() - make_interval(days => ${days}) where id = ${session.id}`);
  await endedDaysAgo(29);
  expect(await purgeExpiredSessions(t.ctx)).toBe(0);
  await endedDaysAgo(31);
  expect(await purgeExpiredSessions(t.ctx)).toBe(1);

  expect((await t.ctx.db.select({ n: count() }).from(chatSessions).where(eq(chatSessions.id, session.id)))[0]!.n).toBe(0);
  expect((await t.ctx.db.select({ n: count() }).from(messages).where(eq(messages.sessionId, session.id)))[0]!.n).toBe(0);
  const trail = await t.ctx.db.select().from(auditLog).where(eq(auditLog.sessionId, session.id));
  expect(trail.map((a) => a.action)).toContain('session.purged');
  expect(JSON.stringify(trail)).not.toContain('canary-phi-text');
});

test('retention deletes the red-flag answers and the priority trail with their session', async () => {
  const admin = await login(t, 'admin@demo.clinic');
  const nurse = await login(t, 'nurse.joy@demo.clinic');
  await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { retentionDays: 30 } });
  const intake = await t.call('PUT', '/api/v1/clinic/intake', { token: admin.token, body: { redFlags: [{ text: 'Chest pain?' }], emergencyInstructions: '' } });
  const pat = await guest(t);
  const { body: session } = await t.call('POST', '/api/v1/sessions', {
    token: pat.token,
    body: { reason: 'Pain', intake: { redFlags: [{ id: intake.body.redFlags[0].id, answer: true }] } },
  });
  expect(session.priority).toBe('urgent');
  await t.call('POST', `/api/v1/sessions/${session.id}/priority`, { token: nurse.token, body: { priority: 'routine', reason: 'canary-reason-text' } });
  await t.call('POST', `/api/v1/sessions/${session.id}/end`, { token: pat.token });
  await t.ctx.db.execute(sql`update chat_sessions set ended_at = now() - make_interval(days => 31) where id = ${session.id}`);
  expect(await purgeExpiredSessions(t.ctx)).toBe(1);
  expect((await t.ctx.db.select({ n: count() }).from(priorityChanges).where(eq(priorityChanges.sessionId, session.id)))[0]!.n).toBe(0);
  expect((await t.ctx.db.select({ n: count() }).from(chatSessions).where(eq(chatSessions.id, session.id)))[0]!.n).toBe(0);
  const trail = await t.ctx.db.select().from(auditLog).where(eq(auditLog.sessionId, session.id));
  expect(trail.map((a) => a.action)).toContain('session.priority_changed');
  expect(JSON.stringify(trail)).not.toContain('canary-reason-text');
});
