/**
 * Staff login is limited per account and address (with doubling waits) and per address across accounts, so guessing
 * is slow and nobody else can lock a nurse out; and secrets are never compared as presented. Bearer tokens
 * are looked up by their SHA-256 hash (the database never holds one, so a lookup's timing says nothing about a stored
 * token), identity tokens are checked with Web Crypto's HMAC verify, passwords with argon2id verify; and an unknown
 * email costs the same argon2 work as a wrong password, so timing does not tell which staff emails exist.
 */
import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { auditLog } from '../../server/src/db/schema';
import { LOGIN_ATTEMPTS } from '../../server/src/modules/auth/attempts';
import { DEMO_PASSWORD, login, useTestApp } from '../helpers/app';
import { query } from '../helpers/digest';
import { expectError, refusalChecker } from '../helpers/expect';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

/** Failed staff logins one address may make across all accounts per hour, in this file. */
const FAILED_PER_ADDRESS = 12;
const t = useTestApp({ TRUST_PROXY: '1', FAILED_LOGINS_PER_HOUR: String(FAILED_PER_ADDRESS) });
let adminToken: string;
beforeAll(async () => {
  adminToken = (await login(t, 'admin@demo.clinic')).token;
});

const refused = refusalChecker(() => t);
/** A login from a client address (one trusted proxy: the X-Forwarded-For entry is the client's). */
const attempt = (email: string, password: string, address = '192.0.2.1') =>
  t.call('POST', '/api/v1/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': address } });
const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

async function newEmployee(name: string) {
  const email = `${name}@demo.clinic`;
  const res = await t.call('POST', '/api/v1/employees', { token: adminToken, body: { email, displayName: name, password: 'right-password-1' } });
  expect(res.status).toBe(201);
  return email;
}

/** Failed logins of this account from this address, written `secondsAgo` in the past (as the login writes them). */
async function pastFailures(email: string, address: string, count: number, secondsAgo: number) {
  const [user] = await query<{ id: string; clinic_id: string }>(t.ctx.db, sql`select id, clinic_id from users where email = ${email}`);
  for (let i = 0; i < count; i++) {
    await t.ctx.db.insert(auditLog).values({
      clinicId: user!.clinic_id,
      actorId: user!.id,
      action: 'auth.login_failed',
      ip: address,
      at: sql`now() - make_interval(secs => ${secondsAgo})`,
    });
  }
}

const retryAfter = (res: { headers: Headers }) => Number(res.headers.get('retry-after'));

describe('failed logins per account and address', () => {
  test(`after ${LOGIN_ATTEMPTS.max} failures from one address that address waits, even with the right password; nothing is written`, async () => {
    const email = await newEmployee('locked');
    for (let i = 0; i < LOGIN_ATTEMPTS.max; i++) expectError(await attempt(email, `guess-${i}`, '203.0.113.66'), 401, 'invalid_credentials');
    const wrong = await refused('POST', '/api/v1/auth/login', { body: { email, password: 'guess-again' }, ...from('203.0.113.66') }, 429, 'rate_limited');
    expect(wrong.body.error.details.retryAfterSeconds).toBe(retryAfter(wrong));
    expect(retryAfter(wrong)).toBeGreaterThan(0);
    expect(retryAfter(wrong)).toBeLessThanOrEqual(LOGIN_ATTEMPTS.firstDelaySeconds);
    // Checked before the password: a correct guess inside the delay tells the attacker nothing.
    await refused('POST', '/api/v1/auth/login', { body: { email, password: 'right-password-1' }, ...from('203.0.113.66') }, 429, 'rate_limited');
    await refused(
      'POST',
      '/api/v1/auth/login',
      { body: { email: ` ${email.toUpperCase()} `, password: 'right-password-1' }, ...from('203.0.113.66') },
      429,
      'rate_limited',
    );
  });

  test('an attacker hammering a nurse’s account from another address does not lock her out: she signs in from her own', async () => {
    const email = await newEmployee('nurse-kim');
    for (let i = 0; i < LOGIN_ATTEMPTS.max; i++) expectError(await attempt(email, `guess-${i}`, '203.0.113.77'), 401, 'invalid_credentials');
    await pastFailures(email, '203.0.113.77', 20, 1);
    expectError(await attempt(email, 'right-password-1', '203.0.113.77'), 429, 'rate_limited');
    expect((await attempt(email, 'right-password-1', '198.51.100.20')).status).toBe(200);
  });

  test('each further failure doubles the wait, up to a cap; waits are counted from the last failure', async () => {
    const email = await newEmployee('doubling');
    // One failure past the free ones, the last 10 s ago: twice the first delay, less those 10 s.
    await pastFailures(email, '203.0.113.88', LOGIN_ATTEMPTS.max + 1, 10);
    const doubled = await attempt(email, 'right-password-1', '203.0.113.88');
    expectError(doubled, 429, 'rate_limited');
    expect(retryAfter(doubled)).toBeGreaterThan(LOGIN_ATTEMPTS.firstDelaySeconds * 2 - 10 - 5);
    expect(retryAfter(doubled)).toBeLessThanOrEqual(LOGIN_ATTEMPTS.firstDelaySeconds * 2 - 10);
    // Many more: the cap.
    await pastFailures(email, '203.0.113.88', 30, 10);
    const capped = await attempt(email, 'right-password-1', '203.0.113.88');
    expect(retryAfter(capped)).toBeGreaterThan(LOGIN_ATTEMPTS.maxDelaySeconds - 10 - 5);
    expect(retryAfter(capped)).toBeLessThanOrEqual(LOGIN_ATTEMPTS.maxDelaySeconds - 10);
    // Once the wait is over, the right password works (failures older than the delay, inside the window).
    const patient = await newEmployee('waited');
    await pastFailures(patient, '203.0.113.89', LOGIN_ATTEMPTS.max, LOGIN_ATTEMPTS.firstDelaySeconds + 1);
    expect((await attempt(patient, 'right-password-1', '203.0.113.89')).status).toBe(200);
  });

  test('below the free failures nothing waits: the right password still logs in', async () => {
    const email = await newEmployee('almost');
    for (let i = 0; i < LOGIN_ATTEMPTS.max - 1; i++) expectError(await attempt(email, `guess-${i}`, '203.0.113.99'), 401, 'invalid_credentials');
    expect((await attempt(email, 'right-password-1', '203.0.113.99')).status).toBe(200);
  });
});

describe('password spraying: failed logins per address across accounts', () => {
  test(`after ${FAILED_PER_ADDRESS} failures from one address, across accounts and unknown emails, it is refused for any account; other addresses are not`, async () => {
    const emails = await Promise.all(Array.from({ length: 4 }, (_, i) => newEmployee(`sprayed-${i}`)));
    let failures = 0;
    // A few guesses per account, below the per-account delay, plus guessed emails that have no account.
    for (const password of ['Winter2026!', 'Password1', 'Clinic123']) {
      for (const email of [...emails, `guessed-${password}@demo.clinic`]) {
        if (failures === FAILED_PER_ADDRESS) break;
        expectError(await attempt(email, password, '203.0.113.120'), 401, 'invalid_credentials');
        failures++;
      }
    }
    expect(failures).toBe(FAILED_PER_ADDRESS);
    const fresh = await newEmployee('sprayed-fresh');
    const refusedSpray = await refused(
      'POST',
      '/api/v1/auth/login',
      { body: { email: fresh, password: 'right-password-1' }, ...from('203.0.113.120') },
      429,
      'rate_limited',
    );
    expect(retryAfter(refusedSpray)).toBeGreaterThan(0);
    for (const email of [fresh, emails[0]!]) expect((await attempt(email, 'right-password-1', '198.51.100.21')).status).toBe(200);
  });

  test('successful logins do not count: a busy office behind one address signs in all day', async () => {
    for (let i = 0; i < FAILED_PER_ADDRESS + 5; i++) expect((await attempt('nurse.joy@demo.clinic', DEMO_PASSWORD, '198.51.100.22')).status).toBe(200);
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
    const time = async (e: string, address = '192.0.2.9') => {
      const started = performance.now();
      expectError(await attempt(e, 'not-the-password', address), 401, 'invalid_credentials');
      return performance.now() - started;
    };
    // Interleaved, so a load spike hits both sides; one address per round, below the per-address limits.
    const known: number[] = [];
    const unknown: number[] = [];
    await time('warm-up@demo.clinic');
    for (let i = 0; i < 7; i++) {
      known.push(await time(email, `192.0.2.${10 + i}`));
      unknown.push(await time(`nobody-${i}@demo.clinic`, `192.0.2.${10 + i}`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Without the dummy hash an unknown email answers in about a millisecond, against tens for argon2id.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
  });
});
