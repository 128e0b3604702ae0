/**
 * Opaque bearer tokens: 256 random bits, stored only as a SHA-256 hash. A token is never compared as a string: it
 * is looked up by its hash, which a caller cannot steer byte by byte, so response times say nothing about stored
 * tokens (docs/requirements.md#auth). Identity tokens are checked by Web Crypto's constant-time HMAC verify.
 */
export function newToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}

export function hashToken(token: string): string {
  return new Bun.CryptoHasher('sha256').update(token).digest('hex');
}
