import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql, type SQLWrapper } from 'drizzle-orm';
import { DEMO_PASSWORD, guest, login, useTestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { expectError, refusalChecker } from '../../../../tests/helpers/expect';
import { rowsOf } from '../../db/rows';
import { signIdentityToken } from '../../lib/identity-token';
import { createClinic } from '../clinics/service';
import { recentFailedLoginsQuery } from './attempts';
import { accountsByEmailQuery, authenticate, changePassword, logout } from './service';
import type { BusEvent } from '../../lib/bus-events';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const t = useTestApp();
let secret: string;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  const [row] = await query<{ identity_secret: string }>(t.ctx.db, sql`select identity_secret from clinics where site_key = 'demo'`);
  secret = row!.identity_secret;
});

const refused = refusalChecker(() => t);

const identify = (identityToken: string, siteKey = 'demo') => t.call('POST', '/api/v1/auth/identify', { body: { siteKey, identityToken } });

describe('staff login, me, logout', () => {
  test('login gives a token that works for /auth/me; logout makes it stop working', async () => {
    const res = await t.call('POST', '/api/v1/auth/login', { body: { email: ' Nurse.Joy@Demo.Clinic ', password: DEMO_PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ role: 'employee', email: 'nurse.joy@demo.clinic', displayName: 'Nurse Joy' });
    expect(res.body.token.length).toBeGreaterThanOrEqual(40);
    const me = await t.call('GET', '/api/v1/auth/me', { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(res.body.user.id);

    const other = await login(t, 'nurse.joy@demo.clinic');
    expect((await t.call('POST', '/api/v1/auth/logout', { token: res.body.token })).status).toBe(204);
    expectError(await t.call('GET', '/api/v1/auth/me', { token: res.body.token }), 401, 'unauthorized');
    expectError(await t.call('POST', '/api/v1/auth/logout', { token: res.body.token }), 401, 'unauthorized');
    // Only that token: the same person's other token still works.
    expect((await t.call('GET', '/api/v1/auth/me', { token: other.token })).status).toBe(200);
  });

  test('a wrong password is 401 invalid_credentials and audited; an unknown email changes nothing', async () => {
    const res = await t.call('POST', '/api/v1/auth/login', { body: { email: 'nurse.sam@demo.clinic', password: 'wrong-password' } });
    expectError(res, 401, 'invalid_credentials');
    const [row] = await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from audit_log where action = 'auth.login_failed'`);
    expect(row!.n).toBe(1);
    await refused('POST', '/api/v1/auth/login', { body: { email: 'nobody@demo.clinic', password: 'whatever' } }, 401, 'invalid_credentials');
  });

  test('patients cannot log in with a password', async () => {
    await refused('POST', '/api/v1/auth/login', { body: { email: 'demo-patient-1', password: DEMO_PASSWORD } }, 401, 'invalid_credentials');
  });

  test.each([
    ['malformed JSON', '{"email":'],
    ['no body fields', {}],
    ['an empty password', { email: 'a@b.c', password: '' }],
    ['a NUL in the email', { email: 'nurse.joy\u0000@demo.clinic', password: DEMO_PASSWORD }],
    ['a lone surrogate in the email', { email: 'nurse\ud800@demo.clinic', password: DEMO_PASSWORD }],
    ['an email of the wrong type', { email: ['x'], password: DEMO_PASSWORD }],
  ])('login: 400 invalid_request for %s', async (_n, body) => {
    await refused('POST', '/api/v1/auth/login', { body }, 400, 'invalid_request');
  });

  test('/auth/me and /auth/logout: 401 without a token, with a malformed header, or with an unknown token', async () => {
    await refused('GET', '/api/v1/auth/me', {}, 401, 'unauthorized');
    await refused('GET', '/api/v1/auth/me', { headers: { authorization: 'Basic abc' } }, 401, 'unauthorized');
    await refused('GET', '/api/v1/auth/me', { token: 'x'.repeat(43) }, 401, 'unauthorized');
    await refused('GET', '/api/v1/auth/me', { token: 'x'.repeat(5000) }, 401, 'unauthorized');
    await refused('POST', '/api/v1/auth/logout', {}, 401, 'unauthorized');
  });
});

describe('one email at two clinics', () => {
  // Nurse Kim works at the demo clinic and at another: one email, two accounts, two passwords.
  const email = 'nurse.kim@two.clinics';
  const passwords = { demo: 'kim-demo-password-1', north: 'kim-north-password-1' };
  const accounts: Record<string, string> = {};
  beforeAll(async () => {
    const admin = await login(t, 'admin@demo.clinic');
    const created = await t.call('POST', '/api/v1/employees', { token: admin.token, body: { email, displayName: 'Kim at Demo', password: passwords.demo } });
    accounts.demo = created.body.id;
    const north = await createClinic(t.ctx.db, {
      name: 'Northside Clinic',
      siteKey: 'north',
      adminEmail: email,
      adminName: 'Kim at North',
      adminPassword: passwords.north,
    });
    accounts.north = north.adminId;
  });
  const signIn = (body: Record<string, unknown>) => t.call('POST', '/api/v1/auth/login', { body: { email, ...body } });

  test('naming the clinic by its site key reaches each account', async () => {
    for (const siteKey of ['demo', 'north'] as const) {
      const res = await signIn({ password: passwords[siteKey], siteKey });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(accounts[siteKey]!);
    }
  });

  test('without a clinic, the right password gets 400 clinic_required and no token; the message names no clinic', async () => {
    for (const password of Object.values(passwords)) {
      const res = await signIn({ password });
      expectError(res, 400, 'clinic_required');
      expect(res.body.token).toBeUndefined();
      expect(JSON.stringify(res.body)).not.toMatch(/north|demo|riverside/i);
    }
  });

  test('a wrong password, or a clinic where the email has no account (or no such clinic), is 401 invalid_credentials as always', async () => {
    expectError(await signIn({ password: 'not-kims-password' }), 401, 'invalid_credentials');
    expectError(await signIn({ password: passwords.demo, siteKey: 'north' }), 401, 'invalid_credentials');
    expectError(await signIn({ password: passwords.demo, siteKey: 'nowhere' }), 401, 'invalid_credentials');
    expectError(
      await t.call('POST', '/api/v1/auth/login', { body: { email: 'nurse.joy@demo.clinic', password: DEMO_PASSWORD, siteKey: 'north' } }),
      401,
      'invalid_credentials',
    );
  });

  test('an email at one clinic needs no clinic, and may name it', async () => {
    expect((await t.call('POST', '/api/v1/auth/login', { body: { email: 'nurse.joy@demo.clinic', password: DEMO_PASSWORD } })).status).toBe(200);
    expect((await t.call('POST', '/api/v1/auth/login', { body: { email: 'nurse.joy@demo.clinic', password: DEMO_PASSWORD, siteKey: 'demo' } })).status).toBe(
      200,
    );
  });

  test.each([
    ['an empty site key', ''],
    ['a site key of the wrong type', 42],
    ['an overlong site key', 'k'.repeat(101)],
  ])('400 invalid_request for %s', async (_n, siteKey) => {
    await refused('POST', '/api/v1/auth/login', { body: { email, password: passwords.demo, siteKey } }, 400, 'invalid_request');
  });
});

describe('guests', () => {
  test('a guest gets a patient token bound to a new patient each time', async () => {
    const a = await guest(t, '  Alex  ');
    const b = await guest(t, 'Alex');
    expect(a.user.id).not.toBe(b.user.id);
    const me = await t.call('GET', '/api/v1/auth/me', { token: a.token });
    expect(me.body).toMatchObject({ role: 'patient', displayName: 'Alex', availability: null, capacity: null });
  });

  test('404 clinic_not_found for an unknown site key; 400 for bad names and keys', async () => {
    await refused('POST', '/api/v1/auth/guest', { body: { siteKey: 'nope', displayName: 'X' } }, 404, 'clinic_not_found');
    await refused('POST', '/api/v1/auth/guest', { body: { siteKey: 'de\u0000mo', displayName: 'X' } }, 404, 'clinic_not_found');
    await refused('POST', '/api/v1/auth/guest', { body: { siteKey: 'de\ud800mo', displayName: 'X' } }, 404, 'clinic_not_found');
    for (const body of [
      { siteKey: 'demo' },
      { siteKey: 'demo', displayName: '' },
      { siteKey: 'demo', displayName: 'a\u0000' },
      { siteKey: 'demo', displayName: '\udc00' },
      { siteKey: 'demo', displayName: 'n'.repeat(81) },
      '[1',
    ]) {
      await refused('POST', '/api/v1/auth/guest', { body }, 400, 'invalid_request');
    }
  });

  test('GET /clinics/:siteKey: 200 public fields only, 404 unknown', async () => {
    const res = await t.call('GET', '/api/v1/clinics/demo');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      'attachmentMaxBytes',
      'attachmentsPerMessage',
      'brandColor',
      'emailConsent',
      'emergencyText',
      'hours',
      'id',
      'intake',
      'name',
      'originAllowed',
    ]);
    expectError(await t.call('GET', '/api/v1/clinics/unknown'), 404, 'clinic_not_found');
    expectError(await t.call('GET', '/api/v1/clinics/de%00mo'), 404, 'clinic_not_found');
  });
});

describe('identified patients', () => {
  test('a valid identity token gives the same patient every time', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const res = await identify(await signIdentityToken({ sub: 'ext-42', name: 'Kim', aud: 'demo', exp: now() + 300 }, secret));
      expect(res.status).toBe(200);
      // No email claim: no address.
      expect(res.body.user).toMatchObject({ role: 'patient', externalId: 'ext-42', displayName: 'Kim', email: null });
      ids.push(res.body.user.id);
    }
    expect(new Set(ids).size).toBe(1);
    // Concurrent exchanges for one new patient also give one patient.
    const token = await signIdentityToken({ sub: 'ext-new', name: 'Lou', aud: 'demo', exp: now() + 300 }, secret);
    const results = await Promise.all(Array.from({ length: 6 }, () => identify(token)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(new Set(results.map((r) => r.body.user.id)).size).toBe(1);
  });

  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  test.each([
    ['a forged signature', async () => await signIdentityToken({ sub: 'ext-42', aud: 'demo', exp: now() + 300 }, 'not-the-secret')],
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await signIdentityToken({ sub: 'ext-42', aud: 'demo', exp: now() + 300 }, secret)).split('.');
        return `${h}.${b64({ sub: 'someone-else', aud: 'demo', exp: now() + 300 })}.${s}`;
      },
    ],
    ['an expired token', () => signIdentityToken({ sub: 'ext-42', aud: 'demo', exp: now() - 5 }, secret)],
    ['a lifetime over 10 minutes', () => signIdentityToken({ sub: 'ext-42', aud: 'demo', exp: now() + 3600 }, secret)],
    ['another audience', () => signIdentityToken({ sub: 'ext-42', aud: 'other-clinic', exp: now() + 300 }, secret)],
    ['no audience', () => signIdentityToken({ sub: 'ext-42', exp: now() + 300 } as never, secret)],
    ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'ext-42', aud: 'demo', exp: now() + 300 })}.`],
    [
      'alg HS512 header',
      async () => {
        const [, p, s] = (await signIdentityToken({ sub: 'ext-42', aud: 'demo', exp: now() + 300 }, secret)).split('.');
        return `${b64({ alg: 'HS512', typ: 'JWT' })}.${p}.${s}`;
      },
    ],
    ['no iat (issued-at)', () => signIdentityToken({ sub: 'ext-42', aud: 'demo', exp: now() + 300, iat: null }, secret)],
    [
      'an iat over 10 minutes ago (and its minute of clock tolerance), though exp is ahead',
      () => signIdentityToken({ sub: 'ext-42', aud: 'demo', exp: now() + 300, iat: now() - 12 * 60 }, secret),
    ],
    ['an iat in the future', () => signIdentityToken({ sub: 'ext-42', aud: 'demo', exp: now() + 300, iat: now() + 300 }, secret)],
    [
      'a valid token signed with HS512',
      async () => {
        const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-512' }, false, ['sign']);
        const input = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64({ sub: 'ext-42', aud: 'demo', exp: now() + 300, iat: now() })}`;
        return `${input}.${Buffer.from(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(input))).toString('base64url')}`;
      },
    ],
    ['an empty subject', () => signIdentityToken({ sub: '', aud: 'demo', exp: now() + 300 }, secret)],
    ['a NUL in the subject', () => signIdentityToken({ sub: 'ext\u000042', aud: 'demo', exp: now() + 300 }, secret)],
    ['garbage', async () => 'not.a.jwt'],
    ['two parts', async () => 'abc.def'],
  ])('401 invalid_identity_token for %s', async (_name, make) => {
    await refused('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken: await make() } }, 401, 'invalid_identity_token');
  });

  test('a signed name with control characters or a lone surrogate never reaches the database raw', async () => {
    const res = await identify(await signIdentityToken({ sub: 'ext-ctl', name: 'Ki\u0000m\u0007 \ud800', aud: 'demo', exp: now() + 300 }, secret));
    expect(res.status).toBe(200);
    expect(res.body.user.displayName).not.toMatch(/[\u0000-\u001f]/);
    expect(res.body.user.displayName.isWellFormed()).toBe(true);
  });

  test('a token for this clinic presented with another site key is refused', async () => {
    await refused(
      'POST',
      '/api/v1/auth/identify',
      { body: { siteKey: 'nope', identityToken: await signIdentityToken({ sub: 'x', aud: 'nope', exp: now() + 300 }, secret) } },
      401,
      'invalid_identity_token',
    );
  });

  test('400 for a missing or oversized token and malformed JSON', async () => {
    await refused('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo' } }, 400, 'invalid_request');
    await refused('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken: 'x'.repeat(4097) } }, 400, 'invalid_request');
    await refused('POST', '/api/v1/auth/identify', { body: '{"siteKey":"demo",' }, 400, 'invalid_request');
  });
});

describe('PUT /employees/me/password', () => {
  test('204; other tokens of the same person stop working, this one and the new password work', async () => {
    const a = await login(t, 'dr.lee@demo.clinic');
    const b = await login(t, 'dr.lee@demo.clinic');
    const res = await t.call('PUT', '/api/v1/employees/me/password', {
      token: a.token,
      body: { currentPassword: DEMO_PASSWORD, newPassword: 'a-new-password-1' },
    });
    expect(res.status).toBe(204);
    expect((await t.call('GET', '/api/v1/auth/me', { token: a.token })).status).toBe(200);
    expectError(await t.call('GET', '/api/v1/auth/me', { token: b.token }), 401, 'unauthorized');
    expectError(await t.call('POST', '/api/v1/auth/login', { body: { email: 'dr.lee@demo.clinic', password: DEMO_PASSWORD } }), 401, 'invalid_credentials');
    expect((await t.call('POST', '/api/v1/auth/login', { body: { email: 'dr.lee@demo.clinic', password: 'a-new-password-1' } })).status).toBe(200);
  });

  test('401 for a wrong current password or no token, 400 for a short new one, 403 for a patient', async () => {
    const sam = await login(t, 'nurse.sam@demo.clinic');
    await refused(
      'PUT',
      '/api/v1/employees/me/password',
      { token: sam.token, body: { currentPassword: 'wrong', newPassword: 'long-enough-123' } },
      401,
      'invalid_credentials',
    );
    await refused(
      'PUT',
      '/api/v1/employees/me/password',
      { token: sam.token, body: { currentPassword: DEMO_PASSWORD, newPassword: 'short' } },
      400,
      'invalid_request',
    );
    await refused('PUT', '/api/v1/employees/me/password', { body: { currentPassword: DEMO_PASSWORD, newPassword: 'long-enough-123' } }, 401, 'unauthorized');
    const p = await guest(t);
    await refused('PUT', '/api/v1/employees/me/password', { token: p.token, body: { currentPassword: 'x', newPassword: 'long-enough-123' } }, 403, 'forbidden');
  });
});

describe('token.revoked', () => {
  /** The events published while `work` runs, each with whether the revoked token still worked when it arrived. */
  async function published(token: string, work: () => Promise<unknown>) {
    const seen: { event: BusEvent; tokenWorked: Promise<boolean> }[] = [];
    const stop = t.ctx.bus.subscribe((event) => {
      if (event.t === 'token.revoked') seen.push({ event, tokenWorked: authenticate(t.ctx.db, token).then(Boolean) });
    });
    try {
      await work();
      await Bun.sleep(50);
    } finally {
      stop();
    }
    return Promise.all(seen.map(async (s) => ({ event: s.event, tokenWorked: await s.tokenWorked })));
  }

  test('logout publishes it from the service, after the revocation is committed', async () => {
    const p = await guest(t, 'Revoked');
    const actor = (await authenticate(t.ctx.db, p.token))!;
    const events = await published(p.token, () => logout(t.ctx, actor, null));
    expect(events).toEqual([{ event: { t: 'token.revoked', clinicId: actor.clinicId, userId: actor.id, tokenHash: actor.tokenHash }, tokenWorked: false }]);
  });

  test('a password change publishes it from the service for the other devices, after commit', async () => {
    const desk = await login(t, 'nurse.joy@demo.clinic');
    const phone = await login(t, 'nurse.joy@demo.clinic');
    const actor = (await authenticate(t.ctx.db, desk.token))!;
    const events = await published(phone.token, () =>
      changePassword(t.ctx, actor, { currentPassword: DEMO_PASSWORD, newPassword: 'joy-new-password-1' }, null),
    );
    expect(events).toEqual([
      { event: { t: 'token.revoked', clinicId: actor.clinicId, userId: actor.id, tokenHash: null, except: actor.tokenHash }, tokenWorked: false },
    ]);
    await changePassword(t.ctx, actor, { currentPassword: 'joy-new-password-1', newPassword: DEMO_PASSWORD }, null);
  });
});

describe('what every staff login reads is indexed', () => {
  /** The plan with sequential scans priced out: only a query no index can serve keeps one. */
  async function plan(query: SQLWrapper) {
    const rows = await t.ctx.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      return rowsOf<{ 'QUERY PLAN': string }>(await tx.execute(sql`explain ${query}`));
    });
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  test('the account by email, without reading every user (patients included)', async () => {
    const text = await plan(accountsByEmailQuery(t.ctx.db, 'nurse.joy@demo.clinic'));
    expect(text).toContain('users_email_idx');
    expect(text).not.toContain('Seq Scan on users');
  });

  test("the brute-force guard's count of failed logins, without reading the whole audit log", async () => {
    const text = await plan(recentFailedLoginsQuery(t.ctx.db, crypto.randomUUID(), '192.0.2.1'));
    expect(text).toContain('audit_log_failed_logins_idx');
    expect(text).not.toContain('Seq Scan');
  });
});
