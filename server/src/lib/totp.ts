/**
 * Time-based one-time passwords (RFC 6238, as authenticator apps use them: HMAC-SHA-1, 6 digits, 30-second
 * steps), computed by the `otpauth` library; `totp.test.ts` holds it to the RFC's test vectors. The secret is 20
 * random bytes, stored and shown to the user in base32 (RFC 4648, no padding). Refusing a code already used
 * (replay) is the caller's part (modules/auth/mfa.ts).
 */
import { HOTP, Secret, TOTP } from 'otpauth';

const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` address an authenticator app reads (from a QR code or a link) to add the account. */
export function totpUri(secret: string, issuer: string, account: string): string {
  return new TOTP({ ...TOTP_PARAMS, issuer, label: account, secret: Secret.fromBase32(secret) }).toString();
}

export function timeStep(nowMs: number): number {
  return TOTP.counter({ period: TOTP_PARAMS.period, timestamp: nowMs });
}

/** The code for one time step. */
export function totpCode(secret: string, step: number): string {
  return HOTP.generate({ secret: Secret.fromBase32(secret), algorithm: TOTP_PARAMS.algorithm, digits: TOTP_PARAMS.digits, counter: step });
}

/**
 * The time step a code is valid for, or null. A code of the step before or after the current one is accepted
 * too, for clocks a little apart and codes typed as they roll over. The library compares codes in constant time.
 */
export function verifyTotp(secret: string, code: string, nowMs = Date.now()): number | null {
  if (!/^[0-9]{6}$/.test(code)) return null;
  const delta = TOTP.validate({ ...TOTP_PARAMS, token: code, secret: Secret.fromBase32(secret), timestamp: nowMs, window: 1 });
  return delta === null ? null : timeStep(nowMs) + delta;
}
