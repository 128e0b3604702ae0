import { Elysia } from 'elysia';
import type { Role } from '@medchat/sdk/protocol';
import type { AppContext } from '../context';
import { authenticate, type Actor } from '../modules/auth/service';
import { AppError } from './errors';
import type { RateLimiter } from './rate-limit';

/** The caller's address, for the audit log. Behind a proxy, set TRUST_PROXY=1 to use X-Forwarded-For. */
export function clientIp(request: Request, server: { requestIP(r: Request): { address: string } | null } | null): string | null {
  if (process.env.TRUST_PROXY === '1') {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return server?.requestIP(request)?.address ?? null;
}

export function bearer(request: Request): string | null {
  const header = request.headers.get('authorization');
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
}

/**
 * What staff who must set up two-step sign-in (their clinic requires it) can reach until they have: who they are,
 * the set-up itself, and signing out. Everything else answers 403 mfa_setup_required, and their socket is refused.
 */
export const MFA_SETUP_PATHS: ReadonlySet<string> = new Set(['/api/v1/auth/me', '/api/v1/auth/logout', '/api/v1/employees/me/mfa/start', '/api/v1/employees/me/mfa/confirm']);

/**
 * Sign-ins from one client address (guest, identify, staff login): each creates a token and audit rows, a guest a
 * user too. Behind a proxy, set TRUST_PROXY so the address is the client's, not the proxy's.
 */
export const limitSignIns =
  (ctx: AppContext) =>
  ({ request, server }: { request: Request; server: Parameters<typeof clientIp>[1] }) =>
    spend(ctx.limits.signIn, clientIp(request, server) ?? 'unknown');

/** A request under a limit: 429 with Retry-After when the key has none left. */
function spend(limiter: RateLimiter, key: string) {
  const wait = limiter.take(key);
  if (wait) throw new AppError('rate_limited', { retryAfterSeconds: wait });
}

/**
 * The `auth` route option: `{ auth: true }` for any signed-in user, `{ auth: ['admin'] }` for some roles.
 * It resolves `actor` (or answers 401/403; 403 mfa_setup_required, 429 past the per-user limit) and `ip` for the
 * audit log.
 */
export const authPlugin = (ctx: AppContext) =>
  new Elysia({ name: 'auth' }).macro({
    auth: (roles: true | readonly Role[]) => ({
      async resolve({ request, server }) {
        const actor: Actor | null = await authenticate(ctx.db, bearer(request));
        if (!actor) throw new AppError('unauthorized');
        if (roles !== true && !roles.includes(actor.role)) throw new AppError('forbidden');
        if (actor.mfaPending && !MFA_SETUP_PATHS.has(new URL(request.url).pathname)) throw new AppError('mfa_setup_required');
        spend(ctx.limits.user, actor.id);
        return { actor, ip: clientIp(request, server) };
      },
    }),
  });
