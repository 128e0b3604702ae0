import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { AuthResult, Me } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Database, Queryable } from '../../db/client';
import { prepared } from '../../db/prepared';
import { authTokens, clinics, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { verifyIdentityToken } from '../../lib/identity-token';
import { cleanText } from '../../lib/text';
import { hashToken, newToken } from '../../lib/tokens';
import { inTransaction } from '../../lib/transaction';
import { recordAudit } from '../audit/service';
import { clinicBySiteKey, findClinicBySiteKey } from '../clinics/service';
import { guardAttempts, recordFailedLogin, refuse } from './attempts';
import type { Actor } from './actor';
import { acceptCode } from './mfa';

type UserRow = typeof users.$inferSelect;

/** The clinic settings a user's own view depends on. */
export interface ClinicTerms {
  defaultCapacity: number;
  requireStaffMfa: boolean;
  notificationFirstNames: boolean;
}
const clinicTerms = {
  defaultCapacity: clinics.defaultCapacity,
  requireStaffMfa: clinics.requireStaffMfa,
  notificationFirstNames: clinics.notificationFirstNames,
};

export function toMe(u: UserRow, clinic?: ClinicTerms): Me {
  const staff = u.role !== 'patient';
  return {
    id: u.id,
    clinicId: u.clinicId,
    role: u.role,
    displayName: u.displayName,
    // A patient's is the one their identity token named: the widget offers it for reply emails (docs/emails.md).
    email: staff ? u.email : u.identityEmail,
    externalId: u.externalId,
    availability: staff ? u.availability : null,
    capacity: staff ? (u.capacity ?? clinic?.defaultCapacity ?? 1) : null,
    mfaEnabled: staff && u.mfaEnabledAt !== null,
    mfaRequired: staff && (clinic?.requireStaffMfa ?? false),
    notificationFirstNames: staff && (clinic?.notificationFirstNames ?? false),
  };
}

export async function getMe(q: Queryable, userId: string): Promise<Me> {
  const [row] = await q.select({ user: users, clinic: clinicTerms }).from(users).innerJoin(clinics, eq(clinics.id, users.clinicId)).where(eq(users.id, userId));
  if (!row) throw new AppError('user_not_found');
  return toMe(row.user, row.clinic);
}

export async function issueToken(q: Queryable, user: UserRow, ttlSeconds: number, clinic?: ClinicTerms): Promise<AuthResult> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await q.insert(authTokens).values({ userId: user.id, tokenHash: hashToken(token), expiresAt });
  return { token, expiresAt: expiresAt.toISOString(), user: toMe(user, clinic) };
}

/** Resolves a bearer token to its actor, or null if unknown, expired, revoked or the user is deactivated. */
export async function authenticate(q: Queryable, token: string | undefined | null): Promise<Actor | null> {
  if (!token || token.length > 200) return null;
  return actorOfToken(q, hashToken(token));
}

/** The actor of a token known by its stored hash (a socket ticket names one), or null as for `authenticate`. */
export async function actorOfToken(q: Queryable, tokenHash: string): Promise<Actor | null> {
  const [row] = await actorByToken(q, { tokenHash });
  return row ? { ...row, tokenHash } : null;
}

// Every request runs this one.
const actorByToken = prepared((db) =>
  db
    .select({
      id: users.id,
      clinicId: users.clinicId,
      role: users.role,
      displayName: users.displayName,
      mfaPending: sql<boolean>`${users.role} <> 'patient' and ${clinics.requireStaffMfa} and ${users.mfaEnabledAt} is null`,
    })
    .from(authTokens)
    .innerJoin(users, eq(users.id, authTokens.userId))
    .innerJoin(clinics, eq(clinics.id, users.clinicId))
    .where(
      and(eq(authTokens.tokenHash, sql.placeholder('tokenHash')), isNull(authTokens.revokedAt), gt(authTokens.expiresAt, sql`now()`), eq(users.active, true)),
    )
    .prepare('actor_by_token'),
);

// A fixed hash to verify against when the email is unknown, so both paths take the same time.
const DUMMY_HASH = await Bun.password.hash('medchat-timing-equaliser', { algorithm: 'argon2id' });

/** The accounts with this email, in any clinic (the login picks the active staff one). */
export function accountsByEmailQuery(q: Queryable, email: string) {
  return q
    .select({ user: users, clinic: clinicTerms, siteKey: clinics.siteKey })
    .from(users)
    .innerJoin(clinics, eq(clinics.id, users.clinicId))
    .where(eq(users.email, email));
}

/**
 * Staff log in with email and password, and with a code from their authenticator app when two-step sign-in is on
 * (./mfa.ts): without one, `mfa_required` (no token); a wrong or used code is a failed login like a wrong password.
 * An email may have staff accounts at several clinics (one per clinic): the login then names the clinic by its
 * site key (`siteKey`), and without it gets `clinic_required` (./auth.test.ts, "one email at two clinics").
 */
export async function login(
  ctx: AppContext,
  input: { email: string; password: string; code?: string; siteKey?: string },
  ip: string | null,
): Promise<AuthResult> {
  const { db } = ctx;
  // NUL or a lone surrogate would reach Postgres, which refuses it with a 500 (docs/requirements.md#input).
  const email = cleanText(input.email, 'email').toLowerCase();
  const rows = await accountsByEmailQuery(db, email);
  const accounts = rows.filter((r) => r.user.role !== 'patient' && r.user.active && (input.siteKey === undefined || r.siteKey === input.siteKey));
  if (accounts.length > 1)
    await askForClinic(
      db,
      accounts.map((r) => r.user),
      input.password,
      ip,
    );
  const found = accounts[0];
  if (found) await guardAttempts(db, found.user.id, ip);
  const ok = await Bun.password.verify(input.password, found?.user.passwordHash ?? DUMMY_HASH);
  if (!found) throw new AppError('invalid_credentials');
  if (!ok) await refuse(db, found.user, ip, 'invalid_credentials');
  if (found.user.mfaEnabledAt) {
    if (input.code === undefined) throw new AppError('mfa_required');
    if (!(await acceptCode(db, found.user, input.code))) await refuse(db, found.user, ip, 'invalid_mfa_code');
  }
  const result = await issueToken(db, found.user, ctx.config.staffTokenTtl, found.clinic);
  await recordAudit(db, { clinicId: found.user.clinicId, actorId: found.user.id, action: 'auth.login', ip });
  return result;
}

/** Revokes the token in use; after commit, its open sockets close (the hub, on `token.revoked`). */
/**
 * Several clinics know this email and the login named none. Only a password that fits one of the accounts hears
 * so (`clinic_required`, naming no clinic); any other is a failed login of each, as for one account: an email
 * alone tells nothing.
 */
async function askForClinic(db: Database, accounts: UserRow[], password: string, ip: string | null): Promise<never> {
  for (const user of accounts) await guardAttempts(db, user.id, ip);
  const fits = await Promise.all(accounts.map((user) => Bun.password.verify(password, user.passwordHash ?? DUMMY_HASH)));
  if (fits.some(Boolean)) throw new AppError('clinic_required');
  for (const user of accounts) await recordFailedLogin(db, user, ip);
  throw new AppError('invalid_credentials');
}

export async function logout(ctx: AppContext, actor: Actor, ip: string | null) {
  await inTransaction(ctx, async (tx, emit) => {
    await tx.update(authTokens).set({ revokedAt: sql`now()` }).where(eq(authTokens.tokenHash, actor.tokenHash));
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'auth.logout', ip });
    emit({ t: 'token.revoked', clinicId: actor.clinicId, userId: actor.id, tokenHash: actor.tokenHash });
  });
}

export async function startGuest(ctx: AppContext, input: { siteKey: string; displayName: string }, ip: string | null): Promise<AuthResult> {
  const clinic = await findClinicBySiteKey(ctx.db, input.siteKey);
  return ctx.db.transaction(async (tx) => {
    const [user] = await tx.insert(users).values({ clinicId: clinic.id, role: 'patient', displayName: input.displayName }).returning();
    await recordAudit(tx, { clinicId: clinic.id, actorId: user!.id, action: 'auth.guest', ip });
    return issueToken(tx, user!, ctx.config.patientTokenTtl);
  });
}

/** Exchanges a clinic-signed identity token for a patient token: the same patient every time (docs/requirements.md#auth). */
export async function identify(ctx: AppContext, input: { siteKey: string; identityToken: string }, ip: string | null): Promise<AuthResult> {
  const clinic = await clinicBySiteKey(ctx.db, input.siteKey);
  const claims = clinic ? await verifyIdentityToken(input.identityToken, clinic.identitySecret, clinic.siteKey) : null;
  if (!clinic || !claims) throw new AppError('invalid_identity_token');
  return ctx.db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ clinicId: clinic.id, role: 'patient', displayName: claims.name, externalId: claims.externalId, identityEmail: claims.email })
      .onConflictDoUpdate({
        target: [users.clinicId, users.externalId],
        targetWhere: sql`${users.externalId} is not null`,
        set: { displayName: claims.name, identityEmail: claims.email },
      })
      .returning();
    if (user!.role !== 'patient' || !user!.active) throw new AppError('invalid_identity_token');
    await recordAudit(tx, { clinicId: clinic.id, actorId: user!.id, action: 'auth.identify', ip });
    return issueToken(tx, user!, ctx.config.patientTokenTtl);
  });
}

/** A new password; the account's other tokens are revoked and, after commit, their open sockets close. */
export async function changePassword(ctx: AppContext, actor: Actor, input: { currentPassword: string; newPassword: string }, ip: string | null) {
  const [user] = await ctx.db.select().from(users).where(eq(users.id, actor.id));
  if (!user?.passwordHash || !(await Bun.password.verify(input.currentPassword, user.passwordHash))) throw new AppError('invalid_credentials');
  const passwordHash = await Bun.password.hash(input.newPassword, { algorithm: 'argon2id' });
  await inTransaction(ctx, async (tx, emit) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, actor.id));
    // Other devices must log in again with the new password.
    await tx
      .update(authTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(authTokens.userId, actor.id), isNull(authTokens.revokedAt), sql`${authTokens.tokenHash} <> ${actor.tokenHash}`));
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'employee.password_changed', subjectId: actor.id, ip });
    emit({ t: 'token.revoked', clinicId: actor.clinicId, userId: actor.id, tokenHash: null, except: actor.tokenHash });
  });
}
