/**
 * Where a webhook may be sent. A clinic admin names the URL, so without a check they could make the server call
 * its own network (the database, a cloud metadata service): every address a host name resolves to must be public,
 * unless the operator allows private ones (`WEBHOOKS_ALLOW_PRIVATE=1`, for tests and closed networks). The URL
 * must be https; plain http only where private addresses are allowed and never in production (NODE_ENV).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Loopback, private, link-local, CGNAT, multicast, reserved and unspecified ranges, IPv4 and IPv6 (mapped IPv4 too). */
export function isPrivateAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  const mapped = a.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) return isPrivateAddress(mapped[1]!);
  if (isIP(a) === 4) {
    const [x, y] = a.split('.').map(Number) as [number, number];
    return (
      x === 0 ||
      x === 10 ||
      x === 127 ||
      (x === 100 && y >= 64 && y < 128) ||
      (x === 169 && y === 254) ||
      (x === 172 && y >= 16 && y < 32) ||
      (x === 192 && y === 168) ||
      (x === 192 && y === 0) ||
      (x === 198 && (y === 18 || y === 19)) ||
      x >= 224
    );
  }
  if (isIP(a) === 6) return a === '::' || a === '::1' || /^(fc|fd|fe[89ab]|ff)/.test(a) || a.startsWith('64:ff9b:') || a.startsWith('2001:db8:');
  return true;
}

/** What the operator allows (targetPolicy reads it from the configuration). */
export interface TargetPolicy {
  allowPrivate: boolean;
  allowHttp: boolean;
}

export const targetPolicy = (config: { webhooksAllowPrivate: number; production: boolean }): TargetPolicy => ({
  allowPrivate: config.webhooksAllowPrivate === 1,
  allowHttp: config.webhooksAllowPrivate === 1 && !config.production,
});

/** An address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
/** Every address of a host name (the system resolver; tests pass their own). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));

/** Where a request goes: the URL, and the one address checked for it, which the connection must use. */
export type Target = { url: URL; address: ResolvedAddress } | { refused: string };

/**
 * Checks a URL and resolves its host once: http(s) only, no credentials, and (unless allowed) every address public.
 * The answer names the address to connect to, so the connection goes where the check looked: resolving again at
 * connect time would let a host name that answered a public address to the check answer a private one to the
 * connection (DNS rebinding).
 */
export async function resolveTarget(url: string, policy: TargetPolicy, resolve: Resolver = systemResolver): Promise<Target> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { refused: 'not a URL' };
  }
  if (parsed.protocol !== 'https:' && !(policy.allowHttp && parsed.protocol === 'http:')) return { refused: 'https only' };
  if (parsed.username || parsed.password) return { refused: 'no credentials in the URL' };
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: ResolvedAddress[];
  try {
    const family = isIP(host);
    addresses = family ? [{ address: host, family: family === 6 ? 6 : 4 }] : await resolve(host);
  } catch {
    return { refused: 'host not found' };
  }
  if (addresses.length === 0) return { refused: 'host not found' };
  if (!policy.allowPrivate && addresses.some((a) => isPrivateAddress(a.address))) return { refused: 'private address' };
  return { url: parsed, address: addresses[0]! };
}

/** Why a URL may not be sent to, or null when it may (resolveTarget, for the registration check). */
export async function refusedTarget(url: string, policy: TargetPolicy, resolve: Resolver = systemResolver): Promise<string | null> {
  const target = await resolveTarget(url, policy, resolve);
  return 'refused' in target ? target.refused : null;
}
