/**
 * RELIABILITY I4 over HTTP: requests are limited per signed-in user, and sign-ins (guest, identify, staff login)
 * per client address. A flood gets 429 with Retry-After, changes nothing, and nobody else is slowed down.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createTestApp, DEMO_PASSWORD, guest, type TestApp } from '../helpers/app';
import { query } from '../helpers/digest';
import { expectError } from '../helpers/expect';

setDefaultTimeout(60_000);

const PER_SECOND = 2;
const SIGN_INS = 6;
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ HTTP_REQUESTS_PER_SECOND: String(PER_SECOND), SIGN_INS_PER_MINUTE: String(SIGN_INS) });
}, 60_000);
afterAll(() => t?.close());

const count = async (table: 'messages' | 'users') => (await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]!.n;

describe('per signed-in user', () => {
  test('a burst of four seconds’ worth, then 429 with Retry-After; refused sends store nothing; another patient is not slowed', async () => {
    process.env.TRUST_PROXY = '1';
    try {
      const flooder = await guest(t, 'Flooder');
      const other = await guest(t, 'Other');
      const session = (await t.call('POST', '/api/v1/sessions', { token: flooder.token, body: { reason: 'flood' } })).body;
      const before = await count('messages');
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => t.call('POST', `/api/v1/sessions/${session.id}/messages`, { token: flooder.token, body: { clientMsgId: `m${i}`, body: `message ${i}` } })),
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
    } finally {
      delete process.env.TRUST_PROXY;
    }
  });
});

describe('sign-ins per client address', () => {
  test('guests from one address: the burst, then 429 and no user created; another address is not affected', async () => {
    process.env.TRUST_PROXY = '1';
    try {
      const from = (address: string) => ({ 'x-forwarded-for': address });
      const start = (address: string) => t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: 'Guest' }, headers: from(address) });
      for (let i = 0; i < SIGN_INS; i++) expect((await start('203.0.113.7')).status).toBe(200);
      const users = await count('users');
      const refused = await start('203.0.113.7');
      expectError(refused, 429, 'rate_limited');
      expect(refused.headers.get('retry-after')).toBe(String(60 / SIGN_INS));
      expect(await count('users')).toBe(users);
      // Staff login from that address waits too; from another address it works.
      const login = (address: string) => t.call('POST', '/api/v1/auth/login', { body: { email: 'nurse.joy@demo.clinic', password: DEMO_PASSWORD }, headers: from(address) });
      expectError(await login('203.0.113.7'), 429, 'rate_limited');
      expect((await login('198.51.100.4')).status).toBe(200);
      expect((await start('198.51.100.4')).status).toBe(200);
    } finally {
      delete process.env.TRUST_PROXY;
    }
  });
});
