import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { useTestApp, guest, login } from '../../../../tests/helpers/app';
import { databaseDigest } from '../../../../tests/helpers/digest';
import { expectError, refusalChecker } from '../../../../tests/helpers/expect';
import { signIdentityToken } from '../../lib/identity-token';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
const t = useTestApp();
let admin: Who;

beforeAll(async () => {
  admin = await login(t, 'admin@demo.clinic');
}, 60_000);

const refused = refusalChecker(() => t);

describe('clinic settings', () => {
  test('GET for the admin; the identity secret is never in the settings', async () => {
    const res = await t.call('GET', '/api/v1/clinic/settings', { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      siteKey: 'demo',
      allowedOrigins: ['http://clinic.test'],
      graceSeconds: 30,
      defaultCapacity: 1,
      firstReplySeconds: 120,
      awayTimeoutMinutes: 30,
    });
    expect(JSON.stringify(res.body)).not.toContain('ecret');
  });

  test('the public clinic says whether the asking page’s origin is allowed, and any origin may read it (CORS *)', async () => {
    const ask = (origin?: string) => t.call('GET', '/api/v1/clinics/demo', { headers: origin ? { origin } : {} });
    const [none, allowed, other, lookAlike] = await Promise.all([
      ask(),
      ask('http://clinic.test'),
      ask('https://evil.example'),
      ask('http://clinic.test.evil.example'),
    ]);
    expect([none, allowed, other, lookAlike].map((r) => r.body.originAllowed)).toEqual([true, true, false, false]);
    for (const r of [allowed, other, lookAlike]) {
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
      expect(r.headers.get('access-control-allow-credentials')).toBeNull();
      expect(r.headers.get('vary')).toContain('Origin');
    }
    const preflight = await t.call('OPTIONS', '/api/v1/clinics/demo', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    // Only that route: the rest of the API still answers allowed origins only.
    const me = await t.call('GET', '/api/v1/auth/me', { headers: { origin: 'https://evil.example' } });
    expect(me.headers.get('access-control-allow-origin')).toBeNull();
    expectError(await t.call('GET', '/api/v1/clinics/unknown', { headers: { origin: 'https://evil.example' } }), 404, 'clinic_not_found');
  });

  test('PATCH changes only the fields given, normalizes origins, and is audited', async () => {
    const res = await t.call('PATCH', '/api/v1/clinic/settings', {
      token: admin.token,
      body: {
        name: ' Riverside ',
        allowedOrigins: ['https://clinic.example/', 'http://localhost:8080'],
        graceSeconds: 5,
        brandColor: '#12abEF',
        retentionDays: 30,
        emergencyText: 'Call 911\nnow.',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Riverside',
      allowedOrigins: ['https://clinic.example', 'http://localhost:8080'],
      graceSeconds: 5,
      brandColor: '#12abEF',
      retentionDays: 30,
      emergencyText: 'Call 911\nnow.',
      defaultCapacity: 1,
    });
    const cleared = await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { retentionDays: null, brandColor: null } });
    expect(cleared.body).toMatchObject({ retentionDays: null, brandColor: null, name: 'Riverside' });
    const pub = await t.call('GET', '/api/v1/clinics/demo');
    expect(pub.body.name).toBe('Riverside');
  });

  test('the first-reply time and the away timeout change, and null turns each off', async () => {
    const set = await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { firstReplySeconds: 300, awayTimeoutMinutes: 45 } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ firstReplySeconds: 300, awayTimeoutMinutes: 45 });
    const off = await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { firstReplySeconds: null, awayTimeoutMinutes: null } });
    expect(off.body).toMatchObject({ firstReplySeconds: null, awayTimeoutMinutes: null });
    const read = await t.call('GET', '/api/v1/clinic/settings', { token: admin.token });
    expect(read.body).toMatchObject({ firstReplySeconds: null, awayTimeoutMinutes: null });
    const back = await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { firstReplySeconds: 120, awayTimeoutMinutes: 30 } });
    expect(back.body).toMatchObject({ firstReplySeconds: 120, awayTimeoutMinutes: 30 });
  });

  test('the clinic phone: none by default, one line set and trimmed, blank or null removes it', async () => {
    expect((await t.call('GET', '/api/v1/clinic/settings', { token: admin.token })).body.phone).toBeNull();
    const set = await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { phone: ' (555) 010-0100 ' } });
    expect(set.body.phone).toBe('(555) 010-0100');
    expectError(await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { phone: '555\n0100' } }), 400, 'invalid_request');
    expectError(await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { phone: '5'.repeat(41) } }), 400, 'invalid_request');
    expect((await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { phone: '  ' } })).body.phone).toBeNull();
    await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { phone: '555 0100' } });
    expect((await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { phone: null } })).body.phone).toBeNull();
  });

  test('webhook message text is off by default and turns on and off', async () => {
    expect((await t.call('GET', '/api/v1/clinic/settings', { token: admin.token })).body.webhookMessageText).toBe(false);
    const on = await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { webhookMessageText: true } });
    expect(on.body.webhookMessageText).toBe(true);
    const off = await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { webhookMessageText: false } });
    expect(off.body.webhookMessageText).toBe(false);
  });

  test.each([
    ['malformed JSON', '{"name":'],
    ['an origin with a path', { allowedOrigins: ['https://clinic.example/app'] }],
    ['a javascript: origin', { allowedOrigins: ['javascript:alert(1)'] }],
    ['a NUL in an origin', { allowedOrigins: ['https://a\u0000.example'] }],
    ['a bad colour', { brandColor: 'red' }],
    ['a NUL in the name', { name: 'Clinic\u0000' }],
    ['a lone surrogate in the emergency text', { emergencyText: 'call \udc00' }],
    ['negative grace', { graceSeconds: -1 }],
    ['capacity over 50', { defaultCapacity: 51 }],
    ['a first-reply time under 10 s', { firstReplySeconds: 5 }],
    ['a first-reply time of 0 (null turns it off)', { firstReplySeconds: 0 }],
    ['a first-reply time over an hour', { firstReplySeconds: 3601 }],
    ['a first-reply time as a string', { firstReplySeconds: '120' }],
    ['a fractional first-reply time', { firstReplySeconds: 90.5 }],
    ['an away timeout of 0 (null turns it off)', { awayTimeoutMinutes: 0 }],
    ['an away timeout over a day', { awayTimeoutMinutes: 1441 }],
    ['a bad away timeout beside a good first-reply time', { firstReplySeconds: 300, awayTimeoutMinutes: -1 }],
    ['webhook message text as a string', { webhookMessageText: 'true' }],
    ['webhook message text as null', { webhookMessageText: null }],
  ])('400 invalid_request for %s', async (_n, body) => {
    await refused('PATCH', '/api/v1/clinic/settings', { token: admin.token, body }, 400, 'invalid_request');
  });

  test.each([
    ['an empty patch', {}],
    ['unknown fields only', { siteKey: 'hijack', identitySecret: 'x' }],
    ['no body', undefined],
  ])('PATCH with %s changes nothing and answers the settings', async (_n, body) => {
    const current = await t.call('GET', '/api/v1/clinic/settings', { token: admin.token });
    const before = await databaseDigest(t.ctx.db);
    const res = await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(current.body);
    expect(await databaseDigest(t.ctx.db)).toEqual(before);
  });

  test.each([
    ['a JSON array', '[]'],
    ['a JSON number', '1'],
  ])('PATCH with %s (Elysia read it as {}) is refused with 400 and changes nothing', async (_n, body) => {
    await refused('PATCH', '/api/v1/clinic/settings', { token: admin.token, body }, 400, 'invalid_request');
  });

  test('a nullable setting out of range names the rule it broke, not only "union"', async () => {
    const cases: Array<[object, string, string]> = [
      [{ firstReplySeconds: 5 }, '/firstReplySeconds', 'Expected integer to be greater or equal to 10'],
      [{ awayTimeoutMinutes: 99_999 }, '/awayTimeoutMinutes', 'Expected integer to be less or equal to 1440'],
      [{ retentionDays: 1.5 }, '/retentionDays', 'Expected integer'],
      [{ brandColor: 'teal' }, '/brandColor', "Expected string to match '^#[0-9a-fA-F]{6}$'"],
    ];
    for (const [body, path, problem] of cases) {
      const res = await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body });
      expect({ status: res.status, code: res.body.error.code, details: res.body.error.details }).toEqual({
        status: 400,
        code: 'invalid_request',
        details: [{ path, problem }],
      });
    }
  });

  test('401 and 403 for everything but the admin', async () => {
    const joy = await login(t, 'nurse.joy@demo.clinic');
    const p = await guest(t);
    for (const [method, path] of [
      ['GET', '/api/v1/clinic/settings'],
      ['PATCH', '/api/v1/clinic/settings'],
      ['POST', '/api/v1/clinic/identity-secret'],
    ] as const) {
      const body = method === 'PATCH' ? { name: 'Hijacked' } : undefined;
      await refused(method, path, { body }, 401, 'unauthorized');
      await refused(method, path, { token: joy.token, body }, 403, 'forbidden');
      await refused(method, path, { token: p.token, body }, 403, 'forbidden');
    }
  });
});

describe('identity secret rotation', () => {
  test('after rotation, tokens signed with the old secret stop verifying and the new secret works', async () => {
    const first = await t.call('POST', '/api/v1/clinic/identity-secret', { token: admin.token });
    expect(first.status).toBe(200);
    const old = first.body.secret as string;
    const exp = Math.floor(Date.now() / 1000) + 300;
    const oldToken = await signIdentityToken({ sub: 'rot-1', name: 'Rot', aud: 'demo', exp }, old);
    const ok = await t.call('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken: oldToken } });
    expect(ok.status).toBe(200);

    const second = await t.call('POST', '/api/v1/clinic/identity-secret', { token: admin.token });
    expect(second.body.secret).not.toBe(old);
    expect(second.body.secret.length).toBeGreaterThanOrEqual(40);
    await refused('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken: oldToken } }, 401, 'invalid_identity_token');
    const fresh = await t.call('POST', '/api/v1/auth/identify', {
      body: { siteKey: 'demo', identityToken: await signIdentityToken({ sub: 'rot-1', name: 'Rot', aud: 'demo', exp }, second.body.secret) },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body.user.id).toBe(ok.body.user.id);
  });
});
