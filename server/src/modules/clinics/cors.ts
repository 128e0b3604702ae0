import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { authTokens, chatSessions, users } from '../../db/schema';
import { MAX_BODY_BYTES, readAtMost } from '../../lib/body';
import { bearer } from '../../lib/http';
import { hashToken } from '../../lib/tokens';
import type { ClinicOrigins } from './origins';

/** Routes no clinic's site calls: the staff sign-in names no clinic (an email only), so no origin may call it. */
const NO_CROSS_ORIGIN: ReadonlySet<string> = new Set(['/api/v1/auth/login']);
/** Routes whose body names the clinic by its site key. */
const SITE_KEY_IN_BODY: ReadonlySet<string> = new Set(['/api/v1/auth/guest', '/api/v1/auth/identify', '/api/v1/auth/resume']);
const SITE_KEY_IN_PATH = /^\/api\/v1\/clinics\/([^/]+)$/;
const SESSION_IN_PATH = /^\/api\/v1\/sessions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/|$)/i;
/** Token hashes whose clinic is known (a token never changes clinic); bounded, the oldest dropped first. */
const MAX_KNOWN_TOKENS = 10_000;

/**
 * Which cross-origin callers may read an answer: the origins of the clinic the request names, wherever it names one
 * (the site key in the path or the body, the bearer token's clinic, for a preflight the session in the path). A
 * request that names no clinic that exists (no or unknown token, an unknown site key, a body that cannot be read)
 * can only be refused, with no clinic's data: its error is readable by any origin some clinic allows, so the widget
 * can tell an expired sign-in from a network failure; so is a preflight, which carries neither body nor token
 * (the actual request then decides). The staff sign-in allows no origin. Documented in SECURITY.md; tested in
 * tests/security/cors-per-clinic.test.ts.
 */
export function corsPolicy(ctx: Pick<AppContext, 'db'>, origins: ClinicOrigins) {
  const tokenClinics = new Map<string, string>();

  async function clinicOfToken(token: string): Promise<string | null> {
    if (token.length > 200) return null;
    const tokenHash = hashToken(token);
    const known = tokenClinics.get(tokenHash);
    if (known) return known;
    const [row] = await ctx.db
      .select({ clinicId: users.clinicId })
      .from(authTokens)
      .innerJoin(users, eq(users.id, authTokens.userId))
      .where(eq(authTokens.tokenHash, tokenHash));
    if (!row) return null;
    if (tokenClinics.size >= MAX_KNOWN_TOKENS) tokenClinics.delete(tokenClinics.keys().next().value!);
    tokenClinics.set(tokenHash, row.clinicId);
    return row.clinicId;
  }

  async function clinicOfSession(sessionId: string): Promise<string | null> {
    const [row] = await ctx.db.select({ clinicId: chatSessions.clinicId }).from(chatSessions).where(eq(chatSessions.id, sessionId));
    return row?.clinicId ?? null;
  }

  async function siteKeyInBody(request: Request): Promise<string | null> {
    // Read before the body checks (lib/body.ts): at most the body limit, or nothing is known.
    try {
      const body: unknown = JSON.parse(new TextDecoder().decode(await readAtMost(request.clone().body!, MAX_BODY_BYTES)));
      const siteKey = (body as { siteKey?: unknown } | null)?.siteKey;
      return typeof siteKey === 'string' ? siteKey : null;
    } catch {
      return null;
    }
  }

  /** Whether the clinic the request names allows `origin`, or null when it names none that exists. */
  async function namedClinicAllows(request: Request, path: string, origin: string): Promise<boolean | null> {
    const siteKey = SITE_KEY_IN_PATH.exec(path)?.[1];
    if (siteKey !== undefined) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(siteKey);
      } catch {
        return null;
      }
      return origins.siteAllows(decoded, origin);
    }
    if (request.method === 'OPTIONS') {
      const sessionId = SESSION_IN_PATH.exec(path)?.[1];
      const clinicId = sessionId ? await clinicOfSession(sessionId) : null;
      return clinicId ? origins.clinicAllows(clinicId, origin) : null;
    }
    if (SITE_KEY_IN_BODY.has(path)) {
      const key = await siteKeyInBody(request);
      return key === null ? null : origins.siteAllows(key, origin);
    }
    const token = bearer(request);
    const clinicId = token ? await clinicOfToken(token) : null;
    return clinicId ? origins.clinicAllows(clinicId, origin) : null;
  }

  return async (request: Request, origin: string): Promise<boolean> => {
    const path = new URL(request.url).pathname;
    if (!path.startsWith('/api/v1/') || NO_CROSS_ORIGIN.has(path)) return false;
    return (await namedClinicAllows(request, path, origin)) ?? origins.anyClinicAllows(origin);
  };
}
