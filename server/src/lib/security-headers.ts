import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { allAllowedOrigins } from '../modules/clinics/service';

/** Origins any clinic allows, cached briefly: the API answers CORS only for these (never `*`). */
function allowedOriginCache(ctx: AppContext, ttlMs = 10_000) {
  let cached: { at: number; origins: Set<string> } | null = null;
  return async (origin: string) => {
    if (!cached || Date.now() - cached.at > ttlMs) {
      cached = { at: Date.now(), origins: await allAllowedOrigins(ctx.db) };
    }
    return cached.origins.has(origin);
  };
}

/**
 * For answers that are not pages (JSON, scripts, styles): nothing may run or be framed if one is opened as a
 * document. Pages set their own policy (demo-site.ts), which takes precedence over this default.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Security headers on every answer, and CORS against the clinics' allowlists (RELIABILITY Z8, P4). Registered before
 * every other hook, so early refusals (a refused socket upgrade, an oversized body) carry them too.
 * - `cache-control: no-store` by default: API answers carry PHI and tokens. Public files (the widget) override it.
 * - CORS echoes an allowed origin exactly, never `*`, and never allows credentials (the API uses bearer tokens).
 *   `Vary: Origin` is on every answer, allowed or not, since the answer depends on the Origin.
 * - HSTS in production only: browsers ignore it over plain http, and the demo runs on http://localhost.
 */
export const securityHeaders = (ctx: AppContext) => {
  const isAllowed = allowedOriginCache(ctx);
  return new Elysia({ name: 'security-headers' }).onRequest(async ({ request, set }) => {
    set.headers['x-content-type-options'] = 'nosniff';
    set.headers['referrer-policy'] = 'no-referrer';
    set.headers['cross-origin-resource-policy'] = 'cross-origin';
    set.headers['content-security-policy'] = API_CSP;
    set.headers['x-frame-options'] = 'DENY';
    set.headers['cache-control'] = 'no-store';
    set.headers['vary'] = 'Origin';
    if (ctx.config.production) set.headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
    const origin = request.headers.get('origin');
    if (origin && (await isAllowed(origin).catch(() => false))) {
      set.headers['access-control-allow-origin'] = origin;
      set.headers['access-control-allow-headers'] = 'authorization, content-type';
      set.headers['access-control-allow-methods'] = 'GET, POST, PUT, PATCH, DELETE';
      set.headers['access-control-max-age'] = '600';
    }
    if (request.method === 'OPTIONS') {
      set.status = 204;
      return new Response(null, { status: 204, headers: set.headers as Record<string, string> });
    }
  });
};
