import { Elysia } from 'elysia';
import type { Role } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { AppError } from '../../lib/errors';
import { bearer, clientIp } from '../../lib/http';
import type { Actor } from './actor';
import { spend } from './limits';
import { authenticate } from './service';

/**
 * What staff who must set up two-step sign-in (their clinic requires it) can reach until they have: who they are,
 * the set-up itself, and signing out. Everything else answers 403 mfa_setup_required, and their socket is refused.
 */
export const MFA_SETUP_PATHS: ReadonlySet<string> = new Set([
  '/api/v1/auth/me',
  '/api/v1/auth/logout',
  '/api/v1/employees/me/mfa/start',
  '/api/v1/employees/me/mfa/confirm',
]);

/**
 * The `auth` route option: `{ auth: true }` for any signed-in user, `{ auth: ['admin'] }` for some roles.
 * It resolves `actor` (or answers 401/403; 403 mfa_setup_required, 429 past the per-user limit) and `ip` for the
 * audit log. It also says so in the route's `detail`: the bearer scheme with the roles it takes, from which the
 * API document derives each guarded route's security and the errors above (modules/openapi/document.ts).
 */
export const authPlugin = (ctx: AppContext) =>
  new Elysia({ name: 'auth' }).macro({
    auth: (roles: true | readonly Role[]) => ({
      detail: { security: [{ bearer: roles === true ? [] : [...roles] }] },
      async resolve({ request, server }) {
        const actor: Actor | null = await authenticate(ctx.db, bearer(request));
        if (!actor) throw new AppError('unauthorized');
        if (roles !== true && !roles.includes(actor.role)) throw new AppError('forbidden');
        if (actor.mfaPending && !MFA_SETUP_PATHS.has(new URL(request.url).pathname)) throw new AppError('mfa_setup_required');
        spend(ctx.limits.user, actor.id);
        return { actor, ip: clientIp(request, server, ctx.config.trustProxy) };
      },
    }),
  });
