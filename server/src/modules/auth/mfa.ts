/**
 * Two-step sign-in for staff (docs/requirements.md#auth): after the password, a code from an authenticator app (TOTP,
 * ../../lib/totp.ts). Each member of staff turns it on for their account: start (with the password) gives a
 * secret for the app, confirm (with a first code) turns it on. Turning it off takes the password and a code; an
 * admin can turn it off for someone who lost their phone. Every wrong code is a failed login: the per-account
 * limit that stops password guessing stops code guessing too.
 */
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { MfaEnrolment } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Database, Queryable } from '../../db/client';
import { clinics, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { newTotpSecret, totpUri, verifyTotp } from '../../lib/totp';
import { recordAudit } from '../audit/service';
import { guardAttempts, refuse } from './attempts';
import type { Actor } from './actor';

type UserRow = typeof users.$inferSelect;

/**
 * Accepts a code of the account's authenticator once: the time step it belongs to is stored, and a code of that
 * step or an earlier one is refused from then on (RFC 6238 §5.2), even when two requests bring it at once.
 */
export async function acceptCode(q: Queryable, user: Pick<UserRow, 'id' | 'mfaSecret'>, code: string): Promise<boolean> {
  if (!user.mfaSecret) return false;
  const step = verifyTotp(user.mfaSecret, code);
  if (step === null) return false;
  const [taken] = await q
    .update(users)
    .set({ mfaLastStep: step })
    .where(and(eq(users.id, user.id), or(isNull(users.mfaLastStep), lt(users.mfaLastStep, step))))
    .returning({ id: users.id });
  return taken !== undefined;
}

/** The caller's account and what its clinic asks, after the login limit and (when given) the password check. */
async function staffAccount(db: Database, actor: Actor, password: string | null, ip: string | null) {
  if (actor.role === 'patient') throw new AppError('forbidden');
  const [row] = await db
    .select({ user: users, clinic: { name: clinics.name, requiresMfa: clinics.requireStaffMfa } })
    .from(users)
    .innerJoin(clinics, eq(clinics.id, users.clinicId))
    .where(eq(users.id, actor.id));
  if (!row) throw new AppError('user_not_found');
  const { user } = row;
  await guardAttempts(db, user.id, ip);
  if (password !== null && !(user.passwordHash && (await Bun.password.verify(password, user.passwordHash)))) await refuse(db, user, ip, 'invalid_credentials');
  return row;
}

/** Starts (or starts again) setting up two-step sign-in: a new secret, not in force until a code confirms it. */
export async function startMfa(ctx: AppContext, actor: Actor, input: { password: string }, ip: string | null): Promise<MfaEnrolment> {
  const { db } = ctx;
  const { user, clinic } = await staffAccount(db, actor, input.password, ip);
  if (user.mfaEnabledAt) throw new AppError('conflict', undefined, 'Two-step sign-in is already on. Turn it off first to use another device.');
  const secret = newTotpSecret();
  await db
    .update(users)
    .set({ mfaSecret: secret, mfaLastStep: null })
    .where(and(eq(users.id, user.id), isNull(users.mfaEnabledAt)));
  return { secret, uri: totpUri(secret, `${clinic.name} (MedChat)`, user.email ?? user.displayName) };
}

/** The first code from the app turns two-step sign-in on. */
export async function confirmMfa(ctx: AppContext, actor: Actor, input: { code: string }, ip: string | null): Promise<void> {
  const { db } = ctx;
  const { user } = await staffAccount(db, actor, null, ip);
  if (user.mfaEnabledAt) throw new AppError('conflict', undefined, 'Two-step sign-in is already on.');
  if (!user.mfaSecret) throw new AppError('conflict', undefined, 'Start setting up two-step sign-in first.');
  if (!(await acceptCode(db, user, input.code))) await refuse(db, user, ip, 'invalid_mfa_code');
  await db.transaction(async (tx) => {
    await tx.update(users).set({ mfaEnabledAt: new Date() }).where(eq(users.id, user.id));
    await recordAudit(tx, { clinicId: user.clinicId, actorId: user.id, action: 'employee.mfa_enabled', subjectId: user.id, ip });
  });
}

/** Turning it off takes the password and a current code. */
export async function disableMfa(ctx: AppContext, actor: Actor, input: { password: string; code: string }, ip: string | null): Promise<void> {
  const { db } = ctx;
  const { user, clinic } = await staffAccount(db, actor, input.password, ip);
  if (!user.mfaEnabledAt) throw new AppError('conflict', undefined, 'Two-step sign-in is not on.');
  if (clinic.requiresMfa) throw new AppError('conflict', undefined, 'Your clinic requires two-step sign-in. To use another device, ask an admin to reset it.');
  if (!(await acceptCode(db, user, input.code))) await refuse(db, user, ip, 'invalid_mfa_code');
  await clearMfa(db, { clinicId: user.clinicId, actorId: user.id, subjectId: user.id, ip });
}

/** Turns two-step sign-in off for an account (its owner, or an admin for staff who lost their device), audited. */
export async function clearMfa(q: Queryable, change: { clinicId: string; actorId: string; subjectId: string; ip: string | null }) {
  await q.update(users).set({ mfaSecret: null, mfaEnabledAt: null, mfaLastStep: null }).where(eq(users.id, change.subjectId));
  await recordAudit(q, { ...change, action: 'employee.mfa_disabled' });
}
