/**
 * The two links in an email. Both are signed with the clinic's secret (HMAC-SHA256), so the same email carries the
 * same links on every attempt of its delivery (a retry after a crash sends what the first attempt may already have
 * sent), and only their SHA-256 hash is stored.
 *
 * - Resume: `<notification id>.<signature>`, redeemed once within 24 hours for a patient token for that chat
 *   (./service.ts#redeemResumeLink); the row in `resume_links` is what makes it single-use and expiring.
 * - Unsubscribe: `<clinic id>.<address hash>.<signature>`: stops every email of that clinic to that address.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long an email's link opens the conversation. */
export const RESUME_LINK_TTL_MS = 24 * 60 * 60 * 1000;

const sign = (secret: string, purpose: string, value: string) => createHmac('sha256', secret).update(`${purpose}:${value}`).digest('base64url');

const sameSignature = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The SHA-256 of an address as it is compared (trimmed, lower case): what a suppression keeps instead of the address. */
export const emailHash = (email: string) => new Bun.CryptoHasher('sha256').update(email.trim().toLowerCase()).digest('hex');

export const resumeToken = (secret: string, notificationId: string) => `${notificationId}.${sign(secret, 'resume', notificationId)}`;

/** The notification a resume token names, when its signature is the clinic's; null otherwise. */
export function readResumeToken(token: string, secret: string): string | null {
  const [id, signature, ...rest] = token.split('.');
  if (!id || !signature || rest.length) return null;
  return sameSignature(signature, sign(secret, 'resume', id)) ? id : null;
}

/** The clinic's id is in the clear: the server needs it to find the secret the rest is checked with. */
export const unsubscribeToken = (secret: string, clinicId: string, hash: string) => `${clinicId}.${hash}.${sign(secret, 'unsubscribe', `${clinicId}.${hash}`)}`;

export function unsubscribeClinicOf(token: string): string | null {
  const [clinicId, hash, signature, ...rest] = token.split('.');
  return clinicId && hash && signature && !rest.length && /^[0-9a-f-]{36}$/i.test(clinicId) ? clinicId : null;
}

/** The address hash an unsubscribe token names, when signed with the clinic's secret; null otherwise. */
export function readUnsubscribeToken(token: string, secret: string): string | null {
  const [clinicId, hash, signature] = token.split('.');
  if (!clinicId || !hash || !signature || !/^[0-9a-f]{64}$/.test(hash)) return null;
  return sameSignature(signature, sign(secret, 'unsubscribe', `${clinicId}.${hash}`)) ? hash : null;
}
