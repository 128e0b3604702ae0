/**
 * The brute-force guard shared by every instance (RELIABILITY Z7): failed logins, wrong passwords and wrong
 * two-step codes alike, are audit rows, counted per account.
 */
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client';
import { auditLog, type users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { recordAudit } from '../audit/service';

export const LOGIN_ATTEMPTS = { max: 10, windowMinutes: 15 };

/** An account's failed logins in the window. The action is written as a literal, so the partial index applies. */
export function recentFailedLoginsQuery(q: Queryable, userId: string) {
  return q
    .select({ n: sql<number>`count(*)::int` })
    .from(auditLog)
    .where(and(eq(auditLog.actorId, userId), sql`${auditLog.action} = 'auth.login_failed'`, gt(auditLog.at, sql`now() - make_interval(mins => ${LOGIN_ATTEMPTS.windowMinutes})`)));
}

async function recentFailedLogins(q: Queryable, userId: string): Promise<number> {
  const [row] = await recentFailedLoginsQuery(q, userId);
  return row?.n ?? 0;
}

/** Too many failed logins in the window: 429, before anything is checked. */
export async function guardAttempts(q: Queryable, userId: string) {
  if ((await recentFailedLogins(q, userId)) >= LOGIN_ATTEMPTS.max) throw new AppError('rate_limited', { retryAfterSeconds: LOGIN_ATTEMPTS.windowMinutes * 60 });
}

/** Records a failed login of this account and refuses the request. */
export async function refuse(q: Queryable, user: Pick<typeof users.$inferSelect, 'id' | 'clinicId'>, ip: string | null, code: 'invalid_credentials' | 'invalid_mfa_code'): Promise<never> {
  await recordAudit(q, { clinicId: user.clinicId, actorId: user.id, action: 'auth.login_failed', ip });
  throw new AppError(code);
}
