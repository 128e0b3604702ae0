/**
 * The email feature's other ends: the address saved with a session at its start, the admin's view of the outbox,
 * the patient's link redeemed for a token, and unsubscribing. What is sent and when: ./outbox.ts, ./dispatcher.ts.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { EmailNotification, ResumeResult } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Queryable, Tx } from '../../db/client';
import { clinics, emailNotifications, emailSuppressions, resumeLinks, sessionContacts, chatSessions, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { hashToken } from '../../lib/tokens';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/actor';
import { issueToken } from '../auth/service';
import { lockReadable } from '../sessions/access';
import { readResumeToken, readUnsubscribeToken, unsubscribeClinicOf } from './links';

/**
 * Saves where a new session's patient is told of replies: the address they typed under the clinic's consent text,
 * or else their identity token's `email` claim unless they said no (`notify: false`). Nothing when the clinic has
 * email off. Runs in the start's transaction.
 */
export async function saveContact(tx: Tx, session: { id: string; clinicId: string; patientId: string }, input: { notifyEmail?: string; notify?: boolean }) {
  const [clinic] = await tx
    .select({ on: clinics.emailNotify, page: clinics.emailPageUrl, consent: clinics.emailConsentText })
    .from(clinics)
    .where(eq(clinics.id, session.clinicId));
  if (!clinic?.on || !clinic.page || input.notify === false) return;
  let contact: { email: string; source: string; consentText: string | null } | null = null;
  if (input.notifyEmail) contact = { email: input.notifyEmail.trim(), source: 'form', consentText: clinic.consent };
  else {
    const [me] = await tx.select({ email: users.identityEmail }).from(users).where(eq(users.id, session.patientId));
    if (me?.email) contact = { email: me.email, source: 'identity', consentText: null };
  }
  if (contact)
    await tx
      .insert(sessionContacts)
      .values({ sessionId: session.id, clinicId: session.clinicId, ...contact })
      .onConflictDoNothing();
}

/**
 * The patient changes their mind during the chat: an address to be told of replies from now on (under the clinic's
 * consent text, as at the start), or null to stop, whichever address it was. Refused while the clinic has email off.
 */
export async function setContact(ctx: AppContext, actor: Actor, sessionId: string, email: string | null, ip: string | null): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const session = await lockReadable(tx, actor, sessionId);
    if (actor.role !== 'patient') throw new AppError('forbidden');
    if (session.status === 'ended') throw new AppError('session_ended');
    if (email === null) {
      await tx.update(sessionContacts).set({ enabled: false }).where(eq(sessionContacts.sessionId, sessionId));
    } else {
      const [clinic] = await tx
        .select({ on: clinics.emailNotify, page: clinics.emailPageUrl, consent: clinics.emailConsentText })
        .from(clinics)
        .where(eq(clinics.id, session.clinicId));
      if (!clinic?.on || !clinic.page) throw new AppError('conflict', undefined, 'This clinic does not send reply emails.');
      const contact = { email: email.trim(), source: 'form', consentText: clinic.consent, enabled: true };
      await tx
        .insert(sessionContacts)
        .values({ sessionId, clinicId: session.clinicId, ...contact })
        .onConflictDoUpdate({ target: sessionContacts.sessionId, set: contact });
    }
    await recordAudit(tx, { clinicId: session.clinicId, actorId: actor.id, action: 'session.contact_changed', sessionId, ip });
  });
}

/** The clinic's latest due emails and what became of each (admins). No address: the session id says which chat. */
export async function listEmails(ctx: AppContext, actor: Actor, limit = 50): Promise<EmailNotification[]> {
  if (actor.role !== 'admin') throw new AppError('forbidden');
  const rows = await ctx.db
    .select()
    .from(emailNotifications)
    .where(eq(emailNotifications.clinicId, actor.clinicId))
    .orderBy(desc(emailNotifications.createdAt), desc(emailNotifications.id))
    .limit(limit);
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return rows.map((r) => ({
    id: r.id,
    sessionId: r.sessionId,
    kind: r.kind as EmailNotification['kind'],
    status: r.status as EmailNotification['status'],
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt.toISOString(),
    lastAttemptAt: iso(r.lastAttemptAt),
    lastError: r.lastError,
    sentAt: iso(r.sentAt),
    createdAt: r.createdAt.toISOString(),
  }));
}

/**
 * Spends an email's link: a patient token for the chat it was sent about, on any device. Once only, within 24 hours
 * of the email (by `ctx.clock`), and only on the clinic's own site key. A genuine link used or expired answers
 * `{ spent: 'link_used' | 'link_expired' }` (the widget explains and offers a new chat) and signs nobody in; anything
 * else is `link_invalid`.
 */
export async function redeemResumeLink(ctx: AppContext, input: { siteKey: string; token: string }, ip: string | null): Promise<ResumeResult> {
  return ctx.db.transaction(async (tx) => {
    const [link] = await tx
      .select({ link: resumeLinks, secret: clinics.identitySecret, siteKey: clinics.siteKey, clinicId: clinics.id, patientId: chatSessions.patientId })
      .from(resumeLinks)
      .innerJoin(chatSessions, eq(chatSessions.id, resumeLinks.sessionId))
      .innerJoin(clinics, eq(clinics.id, chatSessions.clinicId))
      .where(eq(resumeLinks.tokenHash, hashToken(input.token)))
      .for('update', { of: resumeLinks });
    if (!link || link.siteKey !== input.siteKey || readResumeToken(input.token, link.secret) !== link.link.notificationId) throw new AppError('link_invalid');
    if (link.link.usedAt) return { spent: 'link_used' };
    if (link.link.expiresAt.getTime() <= ctx.clock().getTime()) return { spent: 'link_expired' };
    await tx.update(resumeLinks).set({ usedAt: sql`now()` }).where(eq(resumeLinks.tokenHash, link.link.tokenHash));
    const [patient] = await tx.select().from(users).where(eq(users.id, link.patientId));
    if (!patient?.active) throw new AppError('link_invalid');
    await recordAudit(tx, { clinicId: link.clinicId, actorId: patient.id, action: 'auth.resume_link', sessionId: link.link.sessionId, ip });
    const auth = await issueToken(tx, patient, ctx.config.patientTokenTtl);
    return { ...auth, sessionId: link.link.sessionId };
  });
}

/** Stops every email of the token's clinic to its address. Idempotent; false for a token that is not the clinic's. */
export async function unsubscribe(q: Queryable, token: string): Promise<boolean> {
  const clinicId = unsubscribeClinicOf(token);
  if (!clinicId) return false;
  const [clinic] = await q.select({ secret: clinics.identitySecret }).from(clinics).where(eq(clinics.id, clinicId));
  const hash = clinic ? readUnsubscribeToken(token, clinic.secret) : null;
  if (!hash) return false;
  await q.insert(emailSuppressions).values({ clinicId, emailHash: hash, reason: 'unsubscribed' }).onConflictDoNothing();
  return true;
}

export const isSuppressed = async (q: Queryable, clinicId: string, hash: string) =>
  (
    await q
      .select({ one: sql`1` })
      .from(emailSuppressions)
      .where(and(eq(emailSuppressions.clinicId, clinicId), eq(emailSuppressions.emailHash, hash)))
  ).length > 0;
