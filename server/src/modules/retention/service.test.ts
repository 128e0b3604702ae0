import { expect, setDefaultTimeout, test } from 'bun:test';
import { count, eq, sql } from 'drizzle-orm';
import { useTestApp, guest, login } from '../../../../tests/helpers/app';
import { auditLog, chatSessions, emailNotifications, messages, priorityChanges, resumeLinks, sessionContacts, users } from '../../db/schema';
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

test("retention deletes a chat's reply-email address, its due emails and links, and an identity address with the patient's last chat", async () => {
  const admin = await login(t, 'admin@demo.clinic');
  const nurse = await login(t, 'nurse.joy@demo.clinic');
  await t.call('PATCH', '/api/v1/clinic/settings', {
    token: admin.token,
    body: { retentionDays: 30, emailNotify: true, emailPageUrl: 'https://clinic.example/chat' },
  });
  await t.call('PUT', '/api/v1/employees/me/availability', { token: nurse.token, body: { availability: 'available' } });
  const pat = await guest(t);
  const { body: session } = await t.call('POST', '/api/v1/sessions', {
    token: pat.token,
    body: { reason: 'Mail me', notifyEmail: 'kept-until-purge@mail.example' },
  });
  await t.call('POST', `/api/v1/sessions/${session.id}/messages`, { token: nurse.token, body: { clientMsgId: 'r', body: 'a reply' } });
  await t.ctx.db.execute(sql`update users set identity_email = 'token-address@mail.example' where id = ${pat.user.id}`);
  const [notification] = await t.ctx.db.select().from(emailNotifications).where(eq(emailNotifications.sessionId, session.id)).limit(1);
  await t.ctx.db
    .insert(resumeLinks)
    .values({ tokenHash: 'canary-link-hash', notificationId: notification!.id, sessionId: session.id, expiresAt: new Date(Date.now() + 3_600_000) });
  const left = async () => ({
    contacts: (await t.ctx.db.select({ n: count() }).from(sessionContacts).where(eq(sessionContacts.sessionId, session.id)))[0]!.n,
    emails: (await t.ctx.db.select({ n: count() }).from(emailNotifications).where(eq(emailNotifications.sessionId, session.id)))[0]!.n,
    links: (await t.ctx.db.select({ n: count() }).from(resumeLinks).where(eq(resumeLinks.sessionId, session.id)))[0]!.n,
    identityEmail: (await t.ctx.db.select({ e: users.identityEmail }).from(users).where(eq(users.id, pat.user.id)))[0]!.e,
  });
  expect(await left()).toEqual({ contacts: 1, emails: 2, links: 1, identityEmail: 'token-address@mail.example' });
  await t.call('POST', `/api/v1/sessions/${session.id}/end`, { token: pat.token });
  await t.ctx.db.execute(sql`update chat_sessions set ended_at = now() - make_interval(days => 31) where id = ${session.id}`);
  expect(await purgeExpiredSessions(t.ctx)).toBe(1);
  expect(await left()).toEqual({ contacts: 0, emails: 0, links: 0, identityEmail: null });
});
