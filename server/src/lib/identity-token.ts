/**
 * Patient identity tokens signed by the clinic's own backend: a compact JWT, HS256 only, with `sub` (the clinic's
 * patient id), `name`, `aud` (the clinic's site key), `iat` (when it was signed) and `exp` (at most 10 minutes
 * after). The claims and a signing example for a clinic's backend are in docs/http-api.md ("Identified patients").
 * Verified with jose, pinned to HS256 (a token naming any other algorithm, `none` included, is refused before its
 * signature is looked at); jose compares HMAC signatures with Web Crypto's verify, which is constant-time.
 */
import { jwtVerify, SignJWT } from 'jose';
import { isCleanText, scrubText } from './text';

const MAX_LIFETIME_SECONDS = 10 * 60;
/** Clocks of the clinic's backend and this server a little apart: `iat` up to a minute ahead of this one. */
const CLOCK_TOLERANCE_SECONDS = 60;
const encoder = new TextEncoder();

export interface IdentityClaims {
  externalId: string;
  name: string;
  /** The `email` claim, when it looks like one: where the patient may be told of replies (modules/emails/). */
  email: string | null;
}

const EMAIL = /^[^\s@<>",;]{1,64}@[^\s@<>",;]{1,190}\.[^\s@<>",;]+$/;

/** Returns the claims, or null for anything forged, malformed, expired, too long-lived or for another clinic. */
export async function verifyIdentityToken(token: string, secret: string, audience: string, nowSeconds = Date.now() / 1000): Promise<IdentityClaims | null> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ['HS256'],
      audience,
      requiredClaims: ['sub', 'exp', 'iat'],
      maxTokenAge: MAX_LIFETIME_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(nowSeconds * 1000),
    });
    const { sub, exp, name, email } = payload;
    // The tolerance is for `iat` only: an expired token is refused at once, and one signed now may not live
    // longer than one signed 10 minutes ago.
    if (exp! <= nowSeconds || exp! > nowSeconds + MAX_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) return null;
    // Signed does not mean clean: NUL or a lone surrogate would make Postgres fail the insert with a 500.
    if (!sub || sub.length > 200 || !isCleanText(sub)) return null;
    const cleanName = typeof name === 'string' ? scrubText(name) : '';
    const address = typeof email === 'string' && email.length <= 254 && EMAIL.test(email) ? email : null;
    return { externalId: sub, name: cleanName ? cleanName.slice(0, 120) : 'Patient', email: address };
  } catch {
    return null;
  }
}

/**
 * Signs an identity token as a clinic backend would (`iat` is now unless given; null leaves it out). Used by tests
 * and the fuzz routes; docs/http-api.md has the same for a clinic's backend in Node and Python.
 */
export async function signIdentityToken(
  claims: { sub: string; name?: string; email?: string; aud: string; exp: number; iat?: number | null },
  secret: string,
): Promise<string> {
  const { iat = Math.floor(Date.now() / 1000), ...rest } = claims;
  return new SignJWT({ ...rest, ...(iat === null ? {} : { iat }) }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(encoder.encode(secret));
}
