/**
 * Short-lived links to an attachment's bytes, for an `<img src>` or a download, where no Authorization header can
 * be sent. A link names the attachment, the variant, the person it was made for and when it stops working, and
 * carries an HMAC-SHA256 of those under the clinic's own key (`clinics.link_signing_key`, never sent anywhere).
 * It is checked with Web Crypto's constant-time verify; the person's access is checked again when it is used, and
 * each use is audited under their name.
 */
import { ATTACHMENT_LIMITS, type AttachmentVariant } from '@medchat/sdk/protocol';

export interface LinkClaims {
  attachmentId: string;
  variant: AttachmentVariant;
  userId: string;
  /** Unix seconds. */
  expires: number;
}

const encoder = new TextEncoder();
const payload = (c: LinkClaims) => encoder.encode(`${c.attachmentId}.${c.variant}.${c.userId}.${c.expires}`);
const hmacKey = (secret: string, usage: 'sign' | 'verify') =>
  crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);

/** The link's path and query (relative to the server's URL) and when it expires. */
export async function signLink(secret: string, claims: Omit<LinkClaims, 'expires'>, now: Date): Promise<{ url: string; expiresAt: string }> {
  const expires = Math.floor(now.getTime() / 1000) + ATTACHMENT_LIMITS.linkSeconds;
  const full = { ...claims, expires };
  const signature = Buffer.from(await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), payload(full))).toString('base64url');
  const query = new URLSearchParams({ variant: claims.variant, user: claims.userId, expires: String(expires), signature });
  return { url: `/api/v1/attachments/${claims.attachmentId}/content?${query}`, expiresAt: new Date(expires * 1000).toISOString() };
}

/** True when `signature` was made by `signLink` with this secret for these claims, and they have not expired. */
export async function verifyLink(secret: string, claims: LinkClaims, signature: string, now: Date): Promise<boolean> {
  if (claims.expires * 1000 <= now.getTime()) return false;
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.byteLength !== 32) return false;
  return crypto.subtle.verify('HMAC', await hmacKey(secret, 'verify'), bytes, payload(claims));
}
