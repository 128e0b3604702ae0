import { Elysia } from 'elysia';

/**
 * Whether a page on `origin` may read the answer to `request` (and send it, for a preflight). The app passes the
 * clinics' per-clinic policy (modules/clinics/cors.ts); this plugin knows nothing of clinics.
 */
export type CorsPolicy = (request: Request, origin: string) => Promise<boolean>;

/** `GET /api/v1/clinics/:siteKey` and its preflight: the clinic's public, PHI-free card. */
const PUBLIC_CLINIC_PATH = /^\/api\/v1\/clinics\/[^/]+$/;
const isPublicClinicLookup = (request: Request) =>
  (request.method === 'GET' || request.method === 'OPTIONS') && PUBLIC_CLINIC_PATH.test(new URL(request.url).pathname);

/**
 * The public clinic lookup is readable from any origin, without credentials: it holds nothing private, and a widget
 * on a site the clinic does not allow reads `originAllowed: false` there and tells the patient so, instead of failing
 * on CORS like a lost connection (tests/e2e/widget.origin.test.ts, tests/security/cors.test.ts).
 */
function allowAnyOrigin(headers: Record<string, string | number>): void {
  headers['access-control-allow-origin'] = '*';
  headers['access-control-allow-headers'] = 'authorization, content-type';
  headers['access-control-allow-methods'] = 'GET';
  headers['access-control-max-age'] = '600';
}

/**
 * For answers that are not pages (JSON, scripts, styles): nothing may run or be framed if one is opened as a
 * document. Pages set their own policy (demo-site.ts), which takes precedence over this default.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Security headers on every answer, and CORS as `corsAllows` decides (SECURITY.md). Registered before
 * every other hook, so early refusals (a refused socket upgrade, an oversized body) carry them too.
 * - `cache-control: no-store` by default: API answers carry PHI and tokens. Public files (the widget) override it.
 * - CORS echoes an allowed origin exactly, never `*`, and never allows credentials (the API uses bearer tokens).
 *   `Vary: Origin` is on every answer, allowed or not, since the answer depends on the Origin.
 * - HSTS in production only: browsers ignore it over plain http, and the demo runs on http://localhost.
 */
export const securityHeaders = ({ production, corsAllows }: { production: boolean; corsAllows: CorsPolicy }) =>
  new Elysia({ name: 'security-headers' }).onRequest(async ({ request, set }) => {
    set.headers['x-content-type-options'] = 'nosniff';
    set.headers['referrer-policy'] = 'no-referrer';
    set.headers['cross-origin-resource-policy'] = 'cross-origin';
    set.headers['content-security-policy'] = API_CSP;
    set.headers['x-frame-options'] = 'DENY';
    set.headers['cache-control'] = 'no-store';
    set.headers['vary'] = 'Origin';
    if (production) set.headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
    const origin = request.headers.get('origin');
    if (origin && (await corsAllows(request, origin).catch(() => false))) {
      set.headers['access-control-allow-origin'] = origin;
      set.headers['access-control-allow-headers'] = 'authorization, content-type';
      set.headers['access-control-allow-methods'] = 'GET, POST, PUT, PATCH, DELETE';
      set.headers['access-control-max-age'] = '600';
    }
    if (origin && isPublicClinicLookup(request)) allowAnyOrigin(set.headers);
    if (request.method === 'OPTIONS') {
      set.status = 204;
      return new Response(null, { status: 204, headers: set.headers as Record<string, string> });
    }
  });
