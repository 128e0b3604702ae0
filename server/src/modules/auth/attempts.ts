/**
 * The brute-force guard shared by every instance: failed logins (wrong passwords and wrong two-step codes alike) are
 * audit rows, counted per account AND client address. After a few free failures each further attempt from that
 * address waits, twice as long after every failure, up to a cap. The account's owner at her own address is never
 * slowed by someone guessing from another, so nobody can lock a nurse out; guessing from one address stays slow, and
 * guessing from many addresses is bounded per address here and across accounts by ./limits.ts (SECURITY.md).
 * Tests: attempts.test.ts, tests/security/login.test.ts.
 */
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client';
import { auditLog, type users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { recordAudit } from '../audit/service';

export const LOGIN_ATTEMPTS = {
  /** Failures of one account from one address that cost nothing more than the failure. */
  max: 5,
  /** The wait after the free failures; each further failure doubles it. */
  firstDelaySeconds: 15,
  maxDelaySeconds: 15 * 60,
  /** Failures older than this are forgotten. */
  windowMinutes: 60,
};

/**
 * The seconds to wait before the next attempt after `failures` recent failures, the last `sinceLast` seconds ago:
 * 0 for the free ones, then 15 s, 30 s, 1 min … up to 15 min, counted from the last failure.
 */
export function loginDelay(failures: number, sinceLast: number): number {
  if (failures < LOGIN_ATTEMPTS.max) return 0;
  const delay = Math.min(LOGIN_ATTEMPTS.maxDelaySeconds, LOGIN_ATTEMPTS.firstDelaySeconds * 2 ** (failures - LOGIN_ATTEMPTS.max));
  return Math.max(0, Math.ceil(delay - sinceLast));
}

/**
 * This account's failed logins from this address in the window, and the seconds since the last one. The action is
 * written as a literal, so the partial index applies. A missing address is one address of its own.
 */
export function recentFailedLoginsQuery(q: Queryable, userId: string, ip: string | null) {
  return q
    .select({ n: sql<number>`count(*)::int`, sinceLast: sql<number | null>`extract(epoch from now() - max(${auditLog.at}))::float8` })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.actorId, userId),
        sql`${auditLog.action} = 'auth.login_failed'`,
        sql`${auditLog.ip} is not distinct from ${ip}`,
        gt(auditLog.at, sql`now() - make_interval(mins => ${LOGIN_ATTEMPTS.windowMinutes})`),
      ),
    );
}

/** Still waiting after failures of this account from this address: 429 with Retry-After, before anything is checked. */
export async function guardAttempts(q: Queryable, userId: string, ip: string | null) {
  const [row] = await recentFailedLoginsQuery(q, userId, ip);
  const wait = loginDelay(row?.n ?? 0, row?.sinceLast ?? 0);
  if (wait > 0) throw new AppError('rate_limited', { retryAfterSeconds: wait });
}

type Account = Pick<typeof users.$inferSelect, 'id' | 'clinicId'>;

/** A failed login of this account from this address: it counts toward the pair's delay. */
export async function recordFailedLogin(q: Queryable, user: Account, ip: string | null) {
  await recordAudit(q, { clinicId: user.clinicId, actorId: user.id, action: 'auth.login_failed', ip });
}

/** Records a failed login of this account from this address and refuses the request. */
export async function refuse(q: Queryable, user: Account, ip: string | null, code: 'invalid_credentials' | 'invalid_mfa_code'): Promise<never> {
  await recordFailedLogin(q, user, ip);
  throw new AppError(code);
}
