/**
 * Patient identity tokens signed by the clinic's own backend: a compact JWT, HS256 only, with
 * `sub` (the clinic's patient id), `name`, `aud` (the clinic's site key) and `exp` (at most 10 minutes ahead).
 * Verified with Web Crypto, whose HMAC verify is constant-time.
 */
import { isCleanText, scrubText } from './text';

const MAX_LIFETIME_SECONDS = 10 * 60;
const encoder = new TextEncoder();

export interface IdentityClaims {
  externalId: string;
  name: string;
}

function decodeJson(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

async function hmacKey(secret: string, usage: 'sign' | 'verify') {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

/** Returns the claims, or null for anything forged, malformed, expired, too long-lived or for another clinic. */
export async function verifyIdentityToken(token: string, secret: string, audience: string, nowSeconds = Date.now() / 1000): Promise<IdentityClaims | null> {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header64, payload64, signature64] = parts as [string, string, string];
  try {
    const header = decodeJson(header64) as { alg?: unknown };
    if (header?.alg !== 'HS256') return null;
    const valid = await crypto.subtle.verify(
      'HMAC',
      await hmacKey(secret, 'verify'),
      Buffer.from(signature64, 'base64url'),
      encoder.encode(`${header64}.${payload64}`),
    );
    if (!valid) return null;
    const claims = decodeJson(payload64) as { sub?: unknown; name?: unknown; aud?: unknown; exp?: unknown };
    const audOk = claims.aud === audience || (Array.isArray(claims.aud) && claims.aud.includes(audience));
    if (!audOk || typeof claims.exp !== 'number' || typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 200) return null;
    // Signed does not mean clean: NUL or a lone surrogate would make Postgres fail the insert with a 500 (I2).
    if (!isCleanText(claims.sub)) return null;
    if (claims.exp <= nowSeconds || claims.exp > nowSeconds + MAX_LIFETIME_SECONDS + 60) return null;
    const cleanName = typeof claims.name === 'string' ? scrubText(claims.name) : '';
    const name = cleanName ? cleanName.slice(0, 120) : 'Patient';
    return { externalId: claims.sub, name };
  } catch {
    return null;
  }
}

/** Signs an identity token as a clinic backend would. Used by tests, the demo and the docs' example. */
export async function signIdentityToken(claims: { sub: string; name?: string; aud: string; exp: number }, secret: string): Promise<string> {
  const header64 = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload64 = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), encoder.encode(`${header64}.${payload64}`));
  return `${header64}.${payload64}.${Buffer.from(signature).toString('base64url')}`;
}
