import { afterAll, beforeAll, describe, expect, setDefaultTimeout, setSystemTime, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { guest, login, useTestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { expectError, refusalChecker } from '../../../../tests/helpers/expect';
import { timeStep, totpCode } from '../../lib/totp';
import { LOGIN_ATTEMPTS } from './attempts';

setDefaultTimeout(60_000);

const t = useTestApp();
let admin: { token: string; user: { id: string } };
beforeAll(async () => {
  // The clock stands still (in this process: the app runs here), so a code never rolls over between the moment a
  // test reads it and the moment the server checks it; "the next code" is the one a step ahead.
  setSystemTime(new Date());
  admin = await login(t, 'admin@demo.clinic');
});
afterAll(() => {
  setSystemTime();
});

const refused = refusalChecker(() => t);
const PASSWORD = 'right-password-1';
const signIn = (email: string, body: Record<string, string> = {}) => t.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD, ...body } });
/** The code an authenticator app shows `offset` steps from now. */
const codeFor = (secret: string, offset = 0) => totpCode(secret, timeStep(Date.now()) + offset);

/** A new employee of the demo clinic, signed in. */
async function newEmployee(name: string) {
  const email = `${name}@demo.clinic`;
  const created = await t.call('POST', '/api/v1/employees', { token: admin.token, body: { email, displayName: name, password: PASSWORD } });
  expect(created.status).toBe(201);
  const res = await signIn(email);
  expect(res.status).toBe(200);
  return { email, id: res.body.user.id as string, token: res.body.token as string };
}

/** Turns two-step sign-in on for this employee; returns the secret their app holds. */
async function enrol(who: { token: string }) {
  const started = await t.call('POST', '/api/v1/employees/me/mfa/start', { token: who.token, body: { password: PASSWORD } });
  expect(started.status).toBe(200);
  // The code of the step before: the current one stays unused, for the test to sign in with.
  const confirmed = await t.call('POST', '/api/v1/employees/me/mfa/confirm', { token: who.token, body: { code: await codeFor(started.body.secret, -1) } });
  expect(confirmed.status).toBe(200);
  return started.body.secret as string;
}

const auditOf = async (userId: string) =>
  (
    await query<{ action: string; actor_id: string }>(
      t.ctx.db,
      sql`select action, actor_id from audit_log where subject_id = ${userId} or actor_id = ${userId} order by at`,
    )
  ).map((r) => r.action);

describe('setting up two-step sign-in', () => {
  test('start needs the password and gives a secret and an otpauth address; the first right code turns it on', async () => {
    const amy = await newEmployee('amy');
    expect((await t.call('GET', '/api/v1/auth/me', { token: amy.token })).body.mfaEnabled).toBe(false);
    expectError(await t.call('POST', '/api/v1/employees/me/mfa/start', { token: amy.token, body: { password: 'wrong-password' } }), 401, 'invalid_credentials');

    const started = await t.call('POST', '/api/v1/employees/me/mfa/start', { token: amy.token, body: { password: PASSWORD } });
    expect(started.status).toBe(200);
    expect(started.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(started.body.uri);
    expect([uri.protocol, uri.host, uri.searchParams.get('secret'), decodeURIComponent(uri.pathname)]).toEqual([
      'otpauth:',
      'totp',
      started.body.secret,
      '/Riverside Family Clinic (MedChat):amy@demo.clinic',
    ]);
    // Not in force until confirmed: the password alone still signs in.
    expect((await signIn(amy.email)).status).toBe(200);

    expectError(
      await t.call('POST', '/api/v1/employees/me/mfa/confirm', { token: amy.token, body: { code: await codeFor(started.body.secret, 5) } }),
      400,
      'invalid_mfa_code',
    );
    const confirmed = await t.call('POST', '/api/v1/employees/me/mfa/confirm', { token: amy.token, body: { code: await codeFor(started.body.secret) } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ id: amy.id, mfaEnabled: true });
    expect(await auditOf(amy.id)).toContain('employee.mfa_enabled');
    // Starting again while it is on would let a stolen token swap the device: refused, nothing changed.
    await refused('POST', '/api/v1/employees/me/mfa/start', { token: amy.token, body: { password: PASSWORD } }, 409, 'conflict');
    await refused('POST', '/api/v1/employees/me/mfa/confirm', { token: amy.token, body: { code: '123456' } }, 409, 'conflict');
  });

  test('400 for a code that is not six digits or a missing password; 401 without a token; 403 for a patient', async () => {
    const ben = await newEmployee('ben');
    for (const code of ['12345', '1234567', 'abcdef', ' 123456', ''])
      await refused('POST', '/api/v1/employees/me/mfa/confirm', { token: ben.token, body: { code } }, 400, 'invalid_request');
    await refused('POST', '/api/v1/employees/me/mfa/start', { token: ben.token, body: {} }, 400, 'invalid_request');
    await refused('POST', '/api/v1/employees/me/mfa/start', { body: { password: PASSWORD } }, 401, 'unauthorized');
    const patient = await guest(t, 'Pat');
    await refused('POST', '/api/v1/employees/me/mfa/start', { token: patient.token, body: { password: PASSWORD } }, 403, 'forbidden');
    // Confirming before starting: nothing to confirm.
    await refused('POST', '/api/v1/employees/me/mfa/confirm', { token: ben.token, body: { code: '123456' } }, 409, 'conflict');
  });
});

describe('signing in with two-step sign-in on', () => {
  test('the password alone gets mfa_required and no token; a wrong code is a failed login; a right code signs in, once', async () => {
    const cal = await newEmployee('cal');
    const secret = await enrol(cal);
    const tokens = async () => (await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from auth_tokens where user_id = ${cal.id}`))[0]!.n;
    const before = await tokens();

    await refused('POST', '/api/v1/auth/login', { body: { email: cal.email, password: PASSWORD } }, 401, 'mfa_required');
    // A wrong password is still just a wrong password, code or not: nothing says whether the code was right.
    expectError(
      await t.call('POST', '/api/v1/auth/login', { body: { email: cal.email, password: 'wrong-password', code: await codeFor(secret) } }),
      401,
      'invalid_credentials',
    );
    expectError(await signIn(cal.email, { code: await codeFor(secret, 7) }), 400, 'invalid_mfa_code');
    expect(await tokens()).toBe(before);

    const code = await codeFor(secret);
    const ok = await signIn(cal.email, { code });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ id: cal.id, mfaEnabled: true });
    // The same code again, even right away: refused (someone who saw it over a shoulder cannot use it).
    expectError(await signIn(cal.email, { code }), 400, 'invalid_mfa_code');
    // The app's next code works.
    expect((await signIn(cal.email, { code: await codeFor(secret, 1) })).status).toBe(200);
    expect(await tokens()).toBe(before + 2);
    const actions = await auditOf(cal.id);
    expect(actions.filter((a) => a === 'auth.login_failed')).toHaveLength(3);
  });

  test(`two logins bringing the same code at once: exactly one gets in`, async () => {
    const dee = await newEmployee('dee');
    const secret = await enrol(dee);
    const code = await codeFor(secret);
    const results = await Promise.all([signIn(dee.email, { code }), signIn(dee.email, { code }), signIn(dee.email, { code })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
  });

  test(`guessing codes is stopped like guessing passwords: after ${LOGIN_ATTEMPTS.max} failures even the right code gets 429`, async () => {
    const eve = await newEmployee('eve');
    const secret = await enrol(eve);
    const right = await codeFor(secret);
    let wrong = 0;
    for (let guess = 0; wrong < LOGIN_ATTEMPTS.max; guess++) {
      const code = String(guess).padStart(6, '0');
      if (code === right || code === (await codeFor(secret, -1)) || code === (await codeFor(secret, 1))) continue;
      expectError(await signIn(eve.email, { code }), 400, 'invalid_mfa_code');
      wrong++;
    }
    const locked = await signIn(eve.email, { code: right });
    expectError(locked, 429, 'rate_limited');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(LOGIN_ATTEMPTS.firstDelaySeconds);
  });
});

describe('turning it off', () => {
  test('by the employee: the password and a current code; then the password alone signs in again', async () => {
    const fay = await newEmployee('fay');
    const secret = await enrol(fay);
    expectError(
      await t.call('POST', '/api/v1/employees/me/mfa/disable', { token: fay.token, body: { password: 'wrong-password', code: await codeFor(secret, 1) } }),
      401,
      'invalid_credentials',
    );
    expectError(
      await t.call('POST', '/api/v1/employees/me/mfa/disable', { token: fay.token, body: { password: PASSWORD, code: await codeFor(secret, 9) } }),
      400,
      'invalid_mfa_code',
    );
    const off = await t.call('POST', '/api/v1/employees/me/mfa/disable', { token: fay.token, body: { password: PASSWORD, code: await codeFor(secret, 1) } });
    expect(off.status).toBe(200);
    expect(off.body.mfaEnabled).toBe(false);
    expect((await signIn(fay.email)).status).toBe(200);
    expect(await auditOf(fay.id)).toContain('employee.mfa_disabled');
    await refused('POST', '/api/v1/employees/me/mfa/disable', { token: fay.token, body: { password: PASSWORD, code: '123456' } }, 409, 'conflict');
  });

  test('by an admin, for staff who lost their phone: the list shows who has it on; the reset is audited with the admin', async () => {
    const gus = await newEmployee('gus');
    await enrol(gus);
    const listed = async () => (await t.call('GET', '/api/v1/employees', { token: admin.token })).body.employees.find((e: { id: string }) => e.id === gus.id);
    expect((await listed()).mfaEnabled).toBe(true);
    // Only off: an admin cannot turn it on for someone (there is no device to hold the secret).
    await refused('PATCH', `/api/v1/employees/${gus.id}`, { token: admin.token, body: { mfaEnabled: true } }, 400, 'invalid_request');
    await refused('PATCH', `/api/v1/employees/${gus.id}`, { token: gus.token, body: { mfaEnabled: false } }, 403, 'forbidden');
    // An admin's own goes off like anyone's, with the password and a code: a stolen admin token alone cannot.
    await refused('PATCH', `/api/v1/employees/${admin.user.id}`, { token: admin.token, body: { mfaEnabled: false } }, 409, 'conflict');

    const reset = await t.call('PATCH', `/api/v1/employees/${gus.id}`, { token: admin.token, body: { mfaEnabled: false } });
    expect(reset.status).toBe(200);
    expect(reset.body.mfaEnabled).toBe(false);
    expect((await signIn(gus.email)).status).toBe(200);
    const [row] = await query<{ actor_id: string }>(
      t.ctx.db,
      sql`select actor_id from audit_log where action = 'employee.mfa_disabled' and subject_id = ${gus.id}`,
    );
    expect(row?.actor_id).toBe(admin.user.id);
  });
});

describe('a clinic that requires two-step sign-in of its staff', () => {
  const setPolicy = (on: boolean) => t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { requireStaffMfa: on } });

  test('an admin turns it on only with it on for themselves; then staff without it reach only the set-up, and get everything once it is on', async () => {
    const hal = await newEmployee('hal');
    // The admin first: the policy would otherwise lock them out of the settings they just changed.
    await refused('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { requireStaffMfa: true } }, 409, 'conflict');
    const adminAccount = await login(t, 'admin@demo.clinic');
    const started = await t.call('POST', '/api/v1/employees/me/mfa/start', { token: adminAccount.token, body: { password: 'medchat-demo' } });
    expect(
      (await t.call('POST', '/api/v1/employees/me/mfa/confirm', { token: adminAccount.token, body: { code: await codeFor(started.body.secret, -1) } })).status,
    ).toBe(200);
    const on = await setPolicy(true);
    expect(on.status).toBe(200);
    expect(on.body.requireStaffMfa).toBe(true);

    try {
      // Hal signs in with his password and learns what is asked of him; only the set-up and sign-out are open.
      const signedIn = await signIn(hal.email);
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.user).toMatchObject({ mfaRequired: true, mfaEnabled: false });
      const token = signedIn.body.token as string;
      expect((await t.call('GET', '/api/v1/auth/me', { token })).body.mfaRequired).toBe(true);
      await refused('GET', '/api/v1/queue', { token }, 403, 'mfa_setup_required');
      await refused('PUT', '/api/v1/employees/me/availability', { token, body: { availability: 'available' } }, 403, 'mfa_setup_required');
      await refused('GET', '/api/v1/sessions', { token }, 403, 'mfa_setup_required');
      // Patients are not staff: the policy does not touch them.
      const patient = await guest(t, 'Pat');
      expect((await t.call('GET', '/api/v1/sessions', { token: patient.token })).status).toBe(200);

      const secret = await enrol({ token });
      expect((await t.call('GET', '/api/v1/queue', { token })).status).toBe(200);
      // While the clinic requires it, it stays on: another device goes through an admin's reset.
      await refused('POST', '/api/v1/employees/me/mfa/disable', { token, body: { password: PASSWORD, code: await codeFor(secret, 1) } }, 409, 'conflict');
      await refused('POST', '/api/v1/auth/login', { body: { email: hal.email, password: PASSWORD } }, 401, 'mfa_required');
      expect((await signIn(hal.email, { code: await codeFor(secret) })).status).toBe(200);
    } finally {
      expect((await setPolicy(false)).status).toBe(200);
    }
  });
});
