/**
 * CORS per clinic: a page may read an answer only when its origin is on the list of the clinic the request names
 * (the site key in the path or body, the bearer token's clinic, a preflight's session). Clinic B's site gets no
 * Access-Control-Allow-Origin on clinic A's guest sign-in, A's patient's requests or A's sessions; A's site does.
 * The staff sign-in names no clinic and allows no origin.
 */
import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { createClinic } from '../../server/src/modules/clinics/service';
import { guest, useTestApp } from '../helpers/app';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const A_ORIGIN = 'http://clinic.test'; // the demo clinic's site (tests/helpers/app.ts)
const B_ORIGIN = 'https://other-clinic.example';

const t = useTestApp();
let patientA: { token: string };
let patientB: { token: string };
let sessionA: string;

beforeAll(async () => {
  await createClinic(t.ctx.db, {
    name: 'Other',
    siteKey: 'other',
    adminEmail: 'admin@other.example',
    adminPassword: 'a-long-password',
    allowedOrigins: [B_ORIGIN],
  });
  patientA = await guest(t);
  const started = await t.call('POST', '/api/v1/sessions', { token: patientA.token, body: { reason: 'Cough' } });
  sessionA = started.body.id;
  const b = await t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'other', displayName: 'Bea' } });
  patientB = b.body;
});

const acao = (res: { headers: Headers }) => res.headers.get('access-control-allow-origin');
const preflight = (path: string, origin: string, method = 'POST') =>
  t.app.handle(
    new Request(`http://localhost${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
    }),
  );

describe('each clinic’s origins read only that clinic’s answers', () => {
  test('guest sign-in: A’s site key from B’s origin gets no ACAO; from A’s origin it does', async () => {
    const fromB = await t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: 'Probe' }, headers: { origin: B_ORIGIN } });
    expect(fromB.status).toBe(200);
    expect(acao(fromB)).toBeNull();
    const fromA = await t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: 'Probe' }, headers: { origin: A_ORIGIN } });
    expect(acao(fromA)).toBe(A_ORIGIN);
    const bOnB = await t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'other', displayName: 'Probe' }, headers: { origin: B_ORIGIN } });
    expect(acao(bOnB)).toBe(B_ORIGIN);
    const bOnA = await t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'other', displayName: 'Probe' }, headers: { origin: A_ORIGIN } });
    expect(acao(bOnA)).toBeNull();
  });

  test('identity sign-in names its clinic in the body too', async () => {
    const fromB = await t.call('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken: 'x.y.z' }, headers: { origin: B_ORIGIN } });
    expect(fromB.status).toBe(401);
    expect(acao(fromB)).toBeNull();
    const fromA = await t.call('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken: 'x.y.z' }, headers: { origin: A_ORIGIN } });
    expect(acao(fromA)).toBe(A_ORIGIN);
  });

  test('requests with A’s patient token: none for B’s origin, A’s origin echoed', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/auth/me'],
      ['GET', `/api/v1/sessions/${sessionA}`],
      ['GET', `/api/v1/sessions/${sessionA}/messages`],
    ] as const) {
      const fromB = await t.call(method, path, { token: patientA.token, headers: { origin: B_ORIGIN } });
      expect({ path, status: fromB.status, acao: acao(fromB) }).toEqual({ path, status: 200, acao: null });
      const fromA = await t.call(method, path, { token: patientA.token, headers: { origin: A_ORIGIN } });
      expect({ path, acao: acao(fromA) }).toEqual({ path, acao: A_ORIGIN });
    }
    const bOwn = await t.call('GET', '/api/v1/auth/me', { token: patientB.token, headers: { origin: B_ORIGIN } });
    expect(acao(bOwn)).toBe(B_ORIGIN);
    const bOnA = await t.call('GET', '/api/v1/auth/me', { token: patientB.token, headers: { origin: A_ORIGIN } });
    expect(acao(bOnA)).toBeNull();
  });

  test('a preflight on A’s session from B’s origin gets no ACAO; from A’s origin it does', async () => {
    for (const path of [`/api/v1/sessions/${sessionA}/messages`, `/api/v1/sessions/${sessionA}/end`, `/api/v1/sessions/${sessionA}`]) {
      const fromB = await preflight(path, B_ORIGIN);
      expect({ path, status: fromB.status, acao: acao(fromB), methods: fromB.headers.get('access-control-allow-methods') }).toEqual({
        path,
        status: 204,
        acao: null,
        methods: null,
      });
      expect(fromB.headers.get('vary')).toContain('Origin');
      const fromA = await preflight(path, A_ORIGIN);
      expect({ path, acao: acao(fromA) }).toEqual({ path, acao: A_ORIGIN });
    }
  });

  test('the staff sign-in names no clinic: no origin may call it, preflight or not', async () => {
    for (const origin of [A_ORIGIN, B_ORIGIN]) {
      expect(acao(await preflight('/api/v1/auth/login', origin))).toBeNull();
      const res = await t.call('POST', '/api/v1/auth/login', { body: { email: 'admin@demo.clinic', password: 'wrong-password' }, headers: { origin } });
      expect(res.status).toBe(401);
      expect(acao(res)).toBeNull();
    }
  });

  test('a request that names no clinic that exists gets an error readable by clinics’ origins, never by others', async () => {
    const answers = [
      await t.call('GET', '/api/v1/auth/me', { token: 'no-such-token', headers: { origin: B_ORIGIN } }),
      await t.call('GET', '/api/v1/auth/me', { headers: { origin: B_ORIGIN } }),
      await t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'no-such-clinic', displayName: 'X' }, headers: { origin: B_ORIGIN } }),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 404]);
    for (const a of answers) expect(acao(a)).toBe(B_ORIGIN);
    const evil = await t.call('GET', '/api/v1/auth/me', { token: 'no-such-token', headers: { origin: 'https://evil.example' } });
    expect(acao(evil)).toBeNull();
  });
});
