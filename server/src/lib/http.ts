import { isIP } from 'node:net';

/** What Bun's server tells about a request's socket (null under `app.handle` in tests). */
export type SocketInfo = { requestIP(r: Request): { address: string } | null } | null;

/**
 * The caller's address, for the audit log and the per-address limits. `trustedHops` is TRUST_PROXY, the number of
 * proxies in front of the server: each appends the address it was connected from to X-Forwarded-For, so the client's
 * address is that many entries from the right. Entries further left were written by the client and are never read
 * (a caller could forge its audit address and dodge the limits). 0 (the default) reads the socket's address.
 * Tests: http.test.ts, tests/security/rate-limits.test.ts.
 */
export function clientIp(request: Request, server: SocketInfo, trustedHops: number): string | null {
  const socket = server?.requestIP(request)?.address ?? null;
  if (trustedHops === 0) return socket;
  // Several X-Forwarded-For headers arrive joined by ", ", in order.
  const forwarded = (request.headers.get('x-forwarded-for') ?? '').split(',').map((entry) => entry.trim());
  if (forwarded.length === 1 && forwarded[0] === '') return socket;
  // Fewer entries than proxies: the request did not pass through all of them, and the left-most is the best there is.
  const entry = forwarded[Math.max(0, forwarded.length - trustedHops)]!;
  return isIP(entry) ? entry : socket;
}

export function bearer(request: Request): string | null {
  const header = request.headers.get('authorization');
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
}

/**
 * Query values arrive as text: digits become numbers before validation, so that a route's query schema stays the
 * protocol's integers (published as such) instead of Elysia's string-or-integer. Use as a route's `transform`.
 */
export const numbersInQuery = ({ query }: { query: Record<string, unknown> }) => {
  for (const [key, value] of Object.entries(query)) if (typeof value === 'string' && /^[0-9]{1,10}$/.test(value)) query[key] = Number(value);
};
