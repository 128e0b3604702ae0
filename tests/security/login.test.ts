/**
 * RELIABILITY Z7: staff login is rate-limited per account, and secrets are never compared as presented. Bearer tokens
 * are looked up by their SHA-256 hash (the database never holds one, so a lookup's timing says nothing about a stored
 * token), identity tokens are checked with Web Crypto's HMAC verify, passwords with argon2id verify; and an unknown
 * email costs the same argon2 work as a wrong password, so timing does not tell which staff emails exist.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { LOGIN_ATTEMPTS } from '../../server/src/modules/auth/attempts';
import { createTestApp, DEMO_PASSWORD, login, type TestApp } from '../helpers/app';
import { query } from '../helpers/digest';
import { expectError, refusalChecker } from '../helpers/expect';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

let t: TestApp;
let adminToken: string;
beforeAll(async () => {
  t = await createTestApp();
  adminToken = (await login(t, 'admin@demo.clinic')).token;
}, 60_000);
afterAll(() => t?.close());

const refused = refusalChecker(() => t);
const attempt = (email: string, password: string) => t.call('POST', '/api/v1/auth/login', { body: { email, password } });

async function newEmployee(name: string) {
  const email = `${name}@demo.clinic`;
  const res = await t.call('POST', '/api/v1/employees', { token: adminToken, body: { email, displayName: name, password: 'right-password-1' } });
  expect(res.status).toBe(201);
  return email;
}

describe('login rate limit', () => {
  test(`after ${LOGIN_ATTEMPTS.max} failures the account is locked: even the right password gets 429, no token, nothing written`, async () => {
    const email = await newEmployee('locked');
    for (let i = 0; i < LOGIN_ATTEMPTS.max; i++) expectError(await attempt(email, `guess-${i}`), 401, 'invalid_credentials');
    const wrong = await refused('POST', '/api/v1/auth/login', { body: { email, password: 'guess-again' } }, 429, 'rate_limited');
    expect(wrong.body.error.details).toEqual({ retryAfterSeconds: LOGIN_ATTEMPTS.windowMinutes * 60 });
    expect(wrong.headers.get('retry-after')).toBe(String(LOGIN_ATTEMPTS.windowMinutes * 60));
    // Checked before the password: a correct guess inside the lock tells the attacker nothing.
    await refused('POST', '/api/v1/auth/login', { body: { email, password: 'right-password-1' } }, 429, 'rate_limited');
    await refused('POST', '/api/v1/auth/login', { body: { email: ` ${email.toUpperCase()} `, password: 'right-password-1' } }, 429, 'rate_limited');
  });

  test('the lock is per account: colleagues still log in, and unknown emails lock nobody', async () => {
    const email = await newEmployee('colleague');
    for (let i = 0; i < LOGIN_ATTEMPTS.max + 5; i++) expectError(await attempt('nobody@demo.clinic', `guess-${i}`), 401, 'invalid_credentials');
    expect((await attempt(email, 'right-password-1')).status).toBe(200);
    expect((await attempt('nurse.joy@demo.clinic', DEMO_PASSWORD)).status).toBe(200);
  });

  test('below the limit nothing is locked: the right password still logs in', async () => {
    const email = await newEmployee('almost');
    for (let i = 0; i < LOGIN_ATTEMPTS.max - 1; i++) expectError(await attempt(email, `guess-${i}`), 401, 'invalid_credentials');
    expect((await attempt(email, 'right-password-1')).status).toBe(200);
  });
});

describe('tokens and secrets are never compared as presented', () => {
  test('the database holds only SHA-256 hashes of bearer tokens, never a token', async () => {
    const { token } = await login(t, 'nurse.sam@demo.clinic');
    const hash = new Bun.CryptoHasher('sha256').update(token).digest('hex');
    const [row] = await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from auth_tokens where token_hash = ${hash}`);
    expect(row!.n).toBe(1);
    const tables = await query<{ name: string }>(t.ctx.db, sql`select table_name as name from information_schema.tables where table_schema = 'public'`);
    for (const { name } of tables) {
      const [hit] = await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from ${sql.identifier(name)} t where t::text like ${`%${token}%`}`);
      expect({ [name]: hit!.n }).toEqual({ [name]: 0 });
    }
  });

  test('a token one character off, or a prefix of one, is refused', async () => {
    const { token } = await login(t, 'nurse.sam@demo.clinic');
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    for (const bad of [token.slice(0, -1) + last, token.slice(0, -1), `${token}A`, token.toUpperCase()]) {
      if (bad === token) continue;
      expectError(await t.call('GET', '/api/v1/auth/me', { token: bad }), 401, 'unauthorized');
    }
    expect((await t.call('GET', '/api/v1/auth/me', { token })).status).toBe(200);
  });

  test('an unknown email costs the same password check as a wrong password (no account enumeration by timing)', async () => {
    const email = await newEmployee('timing');
    const time = async (e: string) => {
      const started = performance.now();
      expectError(await attempt(e, 'not-the-password'), 401, 'invalid_credentials');
      return performance.now() - started;
    };
    // Interleaved, so a load spike hits both sides; below the lock limit for the known account.
    const known: number[] = [];
    const unknown: number[] = [];
    await time('warm-up@demo.clinic');
    for (let i = 0; i < 7; i++) {
      known.push(await time(email));
      unknown.push(await time(`nobody-${i}@demo.clinic`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Without the dummy hash an unknown email answers in about a millisecond, against tens for argon2id.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
  });
});
