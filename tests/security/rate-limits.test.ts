/**
 * HTTP limits (SECURITY.md, "Sign-in limits"): requests per signed-in user; per client address, patient sign-ins,
 * staff logins (a bucket of their own) and the public clinic lookup; and the client address itself behind TRUST_PROXY
 * hops. A flood gets 429 with Retry-After, changes nothing, and nobody else is slowed down. Failed logins:
 * login.test.ts.
 */
import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { DEMO_PASSWORD, guest, useTestApp } from '../helpers/app';
import { query } from '../helpers/digest';
import { expectError } from '../helpers/expect';
import { useTestServer } from '../helpers/server';

setDefaultTimeout(60_000);

const PER_SECOND = 2;
const SIGN_INS = 6;
const STAFF_LOGINS = 4;
const LOOKUPS = 5;
const t = useTestApp({
  HTTP_REQUESTS_PER_SECOND: String(PER_SECOND),
  SIGN_INS_PER_MINUTE: String(SIGN_INS),
  STAFF_LOGINS_PER_MINUTE: String(STAFF_LOGINS),
  CLINIC_LOOKUPS_PER_MINUTE: String(LOOKUPS),
  TRUST_PROXY: '1',
});

const from = (address: string) => ({ 'x-forwarded-for': address });
const count = async (table: 'messages' | 'users') => (await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]!.n;

describe('per signed-in user', () => {
  test('a burst of four seconds’ worth, then 429 with Retry-After; refused sends store nothing; another patient is not slowed', async () => {
    const flooder = await guest(t, 'Flooder');
    const other = await guest(t, 'Other');
    const session = (await t.call('POST', '/api/v1/sessions', { token: flooder.token, body: { reason: 'flood' } })).body;
    const before = await count('messages');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.call('POST', `/api/v1/sessions/${session.id}/messages`, { token: flooder.token, body: { clientMsgId: `m${i}`, body: `message ${i}` } }),
      ),
    );
    const stored = results.filter((r) => r.status === 201).length;
    const refused = results.filter((r) => r.status === 429);
    // The burst is four seconds' worth; the session start took one token.
    expect(stored).toBeGreaterThanOrEqual(PER_SECOND * 4 - 1);
    expect(stored).toBeLessThan(PER_SECOND * 4 + 2);
    expect(stored + refused.length).toBe(30);
    expectError(refused[0]!, 429, 'rate_limited');
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await count('messages')).toBe(before + stored);
    expect((await t.call('GET', '/api/v1/auth/me', { token: other.token })).status).toBe(200);
    // A second later, the flooder may write again.
    await Bun.sleep(1100);
    expect((await t.call('GET', '/api/v1/auth/me', { token: flooder.token })).status).toBe(200);
  });
});

describe('sign-ins per client address', () => {
  test('guests from one address: the burst, then 429 and no user created; another address is not affected', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const start = (address: string) => t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: 'Guest' }, headers: from(address) });
    for (let i = 0; i < SIGN_INS; i++) expect((await start('203.0.113.7')).status).toBe(200);
    const users = await count('users');
    const refused = await start('203.0.113.7');
    expectError(refused, 429, 'rate_limited');
    expect(refused.headers.get('retry-after')).toBe(String(60 / SIGN_INS));
    expect(await count('users')).toBe(users);
    // Another address is not affected.
    expect((await start('198.51.100.4')).status).toBe(200);
  });

  test('staff logins have their own bucket: a guest flood from the clinic’s address does not block them, and theirs is limited too', async () => {
    const start = () => t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: 'Guest' }, headers: from('203.0.113.8') });
    const login = (address: string) =>
      t.call('POST', '/api/v1/auth/login', { body: { email: 'nurse.joy@demo.clinic', password: DEMO_PASSWORD }, headers: from(address) });
    while ((await start()).status === 200);
    expectError(await start(), 429, 'rate_limited');
    for (let i = 0; i < STAFF_LOGINS; i++) expect((await login('203.0.113.8')).status).toBe(200);
    const refused = await login('203.0.113.8');
    expectError(refused, 429, 'rate_limited');
    // Each login's password check takes a while, and the bucket refills meanwhile.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60 / STAFF_LOGINS);
    expect((await login('198.51.100.5')).status).toBe(200);
  });
});

describe('the public clinic lookup per client address', () => {
  test('the burst, then 429 with Retry-After; another address still gets the clinic', async () => {
    const lookup = (address: string) => t.call('GET', '/api/v1/clinics/demo', { headers: from(address) });
    for (let i = 0; i < LOOKUPS; i++) expect((await lookup('203.0.113.9')).status).toBe(200);
    const refused = await lookup('203.0.113.9');
    expectError(refused, 429, 'rate_limited');
    expect(refused.headers.get('retry-after')).toBe(String(60 / LOOKUPS));
    // Unknown site keys count too: scanning for clinics is the same flood.
    expectError(await t.call('GET', '/api/v1/clinics/no-such-clinic', { headers: from('203.0.113.9') }), 429, 'rate_limited');
    expect((await lookup('198.51.100.6')).body.name).toBeString();
  });
});

describe('the client address behind TRUST_PROXY hops', () => {
  /**
   * A caller writes whatever it likes into X-Forwarded-For; each trusted proxy appends the address it was connected
   * from. With `hops` proxies the server reads the entry that many from the right (0: the socket's address), so a
   * forged left-hand part neither buys more sign-ins nor lands in the audit log. Over real sockets, so that 0 hops
   * reads a real socket address; one server, its TRUST_PROXY set per test (it is read from the config per request).
   */
  const server = useTestServer({ SIGN_INS_PER_MINUTE: '3' });

  for (const hops of [0, 1, 2]) {
    test(`${hops} hop${hops === 1 ? '' : 's'}: a new forged address on every request still hits the limit, and audit rows name the real client`, async () => {
      server.ctx.config.trustProxy = hops;
      const client = `198.51.100.${hops + 1}`;
      // What the proxies append: the client's address, then (with two) the outer proxy's.
      const appended = (address: string) => [address, '10.0.0.2'].slice(0, hops);
      const start = (forged: string, address = client) =>
        fetch(`${server.url}/api/v1/auth/guest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': [forged, ...appended(address)].join(', ') },
          body: JSON.stringify({ siteKey: 'demo', displayName: 'Guest' }),
        });
      for (let i = 1; i <= 3; i++) expect((await start(`203.0.113.${i}`)).status).toBe(200);
      const refused = await start('203.0.113.4');
      expect(refused.status).toBe(429);
      const audited = await query<{ ip: string | null; n: number }>(
        server.ctx.db,
        sql`select ip, count(*)::int as n from audit_log where action = 'auth.guest' group by ip order by ip`,
      );
      expect(audited.find((row) => row.ip === (hops === 0 ? '127.0.0.1' : client))?.n).toBe(3);
      expect(audited.filter((row) => row.ip?.startsWith('203.0.113.'))).toEqual([]);
      // Another client behind the same proxies has its own limit (at 0 hops every request here has the same socket address).
      if (hops > 0) expect((await start('203.0.113.1', '198.51.100.99')).status).toBe(200);
    });
  }
});
