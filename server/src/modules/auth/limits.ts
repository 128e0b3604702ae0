/**
 * The HTTP limits of this instance, by key in memory (each instance limits what reaches it): requests per signed-in
 * user (the `auth` option, ./plugin.ts), patient sign-ins per client address, staff logins per address in a bucket
 * of their own (a guest flood from a clinic's address does not block its staff), failed staff logins per address
 * across accounts (password spraying), and the public clinic lookup per address. The per-account guard, shared by
 * every instance, is ./attempts.ts. Behind a proxy, set TRUST_PROXY so the address is the client's, not the proxy's.
 * Tests: tests/security/rate-limits.test.ts, tests/security/login.test.ts.
 */
import type { Config } from '../../config';
import { AppError } from '../../lib/errors';
import { clientIp, type SocketInfo } from '../../lib/http';
import { RateLimiter } from '../../lib/rate-limit';

export function createLimits(config: Config) {
  const perMinute = (n: number) => new RateLimiter(n / 60, n);
  return {
    user: new RateLimiter(config.httpRequestsPerSecond, config.httpRequestsPerSecond * 4),
    signIn: perMinute(config.signInsPerMinute),
    staffLogin: perMinute(config.staffLoginsPerMinute),
    failedLogins: new RateLimiter(config.failedLoginsPerHour / 3600, config.failedLoginsPerHour),
    clinicLookup: perMinute(config.clinicLookupsPerMinute),
  };
}
export type HttpLimits = ReturnType<typeof createLimits>;
/** What the limit hooks read of the app's context (not the whole context, which holds these limits). */
type LimitsContext = { config: Pick<Config, 'trustProxy'>; limits: HttpLimits };

type Hook = { request: Request; server: SocketInfo };
const addressOf = (ctx: LimitsContext, { request, server }: Hook) => clientIp(request, server, ctx.config.trustProxy) ?? 'unknown';

/** A request under a limit: 429 with Retry-After when the key has none left. */
export function spend(limiter: RateLimiter, key: string) {
  refuseFor(limiter.take(key));
}

function refuseFor(wait: number) {
  if (wait) throw new AppError('rate_limited', { retryAfterSeconds: wait });
}

/** Patient sign-ins (guest, identify): each creates a token and audit rows, a guest a user too. */
export const limitSignIns = (ctx: LimitsContext) => (hook: Hook) => spend(ctx.limits.signIn, addressOf(ctx, hook));

/** Staff logins from one address: their own bucket, and none at all while the address has used up its failures. */
export const limitStaffLogins = (ctx: LimitsContext) => (hook: Hook) => {
  const address = addressOf(ctx, hook);
  refuseFor(ctx.limits.failedLogins.wait(address));
  spend(ctx.limits.staffLogin, address);
};

/** Runs a staff login; a wrong password or code (a known account or not) spends one of the address's failures. */
export async function countFailedLogin<T>(ctx: LimitsContext, ip: string | null, login: () => Promise<T>): Promise<T> {
  try {
    return await login();
  } catch (error) {
    if (error instanceof AppError && (error.code === 'invalid_credentials' || error.code === 'invalid_mfa_code')) ctx.limits.failedLogins.take(ip ?? 'unknown');
    throw error;
  }
}

/** The public clinic lookup (what the widget shows before sign-in): cheap, but a scan for site keys is a flood. */
export const limitClinicLookups = (ctx: LimitsContext) => (hook: Hook) => spend(ctx.limits.clinicLookup, addressOf(ctx, hook));
