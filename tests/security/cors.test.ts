/**
 * docs/requirements.md#auth against the demo (what `npm start` runs), over real HTTP: CORS answers only origins some clinic
 * allows, by exact match, echoing that origin (never `*`) with `Vary: Origin`, on preflights and actual requests,
 * answered or refused; look-alike origins get nothing; credentials are never allowed. The one exception is the public
 * clinic lookup (`GET /api/v1/clinics/:siteKey`), readable from anywhere so the widget can say it is not allowed.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { expectNoWildcardWithCredentials, json, startTestDemo, type TestDemo } from '../helpers/demo';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const CLINIC_ORIGIN = 'https://riverside-clinic.example';
const EVIL_ORIGINS = [
  'https://evil.example',
  'https://riverside-clinic.example.evil.example',
  'https://evil-riverside-clinic.example',
  'http://riverside-clinic.example',
  'https://riverside-clinic.example:8443',
  'https://RIVERSIDE-CLINIC.example',
  'null',
];

let dev: TestDemo;
let patientToken: string;

beforeAll(async () => {
  dev = await startTestDemo();
  const url = dev.demo.url;
  const adminToken = (await (await fetch(`${url}/api/v1/auth/login`, json('POST', undefined, { email: 'admin@demo.clinic', password: DEMO_PASSWORD }))).json())
    .token;
  // The clinic's own site, allowed before any request carries an Origin.
  const settings = await (await fetch(`${url}/api/v1/clinic/settings`, json('GET', adminToken))).json();
  const patched = await fetch(`${url}/api/v1/clinic/settings`, json('PATCH', adminToken, { allowedOrigins: [...settings.allowedOrigins, CLINIC_ORIGIN] }));
  expect(patched.status).toBe(200);
  patientToken = (await (await fetch(`${url}/api/v1/auth/guest`, json('POST', undefined, { siteKey: 'demo', displayName: 'CORS Test' }))).json()).token;
}, 120_000);

afterAll(() => dev?.close());

describe('CORS', () => {
  const preflight = (path: string, origin: string, method = 'POST') =>
    dev.get(path, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
    });

  test.each(['/api/v1/auth/guest', `/api/v1/sessions/00000000-0000-4000-8000-000000000000/messages`, '/api/v1/auth/me'])(
    'a preflight to %s from the clinic’s origin is answered for exactly that origin',
    async (path) => {
      const a = await preflight(path, CLINIC_ORIGIN);
      expect(a.status).toBe(204);
      expect(a.headers.get('access-control-allow-origin')).toBe(CLINIC_ORIGIN);
      expect(a.headers.get('vary')).toContain('Origin');
      expect(a.headers.get('access-control-allow-methods')).toContain('POST');
      expect(a.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(a.headers.get('access-control-allow-headers')).toContain('content-type');
      // Bearer tokens, never cookies: credentials are not needed, so never allowed.
      expect(a.headers.get('access-control-allow-credentials')).toBeNull();
    },
  );

  test('actual requests from the clinic’s origin, answered or refused, echo that origin with Vary: Origin', async () => {
    const headers = { origin: CLINIC_ORIGIN };
    const answers = [
      await dev.get('/api/v1/auth/guest', json('POST', undefined, { siteKey: 'demo', displayName: 'CORS Probe' }, headers)),
      await dev.get('/api/v1/auth/me', { headers }),
      await dev.get('/api/v1/sessions/00000000-0000-4000-8000-000000000000', json('GET', patientToken, undefined, headers)),
      await dev.get('/api/v1/auth/guest', json('POST', undefined, '{"siteKey":', headers)),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 400]);
    for (const a of answers) {
      expect({ [a.label]: a.headers.get('access-control-allow-origin') }).toEqual({ [a.label]: CLINIC_ORIGIN });
      expect({ [a.label]: a.headers.get('vary') }).toEqual({ [a.label]: expect.stringContaining('Origin') });
      expect({ [a.label]: a.headers.get('cache-control') }).toEqual({ [a.label]: 'no-store' });
    }
  });

  test.each(EVIL_ORIGINS)('%s (not on any allowlist) gets no Access-Control-Allow-Origin, preflight or not', async (origin) => {
    const answers = [
      await preflight('/api/v1/auth/guest', origin),
      await preflight('/api/v1/auth/me', origin, 'GET'),
      await dev.get('/api/v1/auth/me', json('GET', patientToken, undefined, { origin })),
      await dev.get('/', { headers: { origin } }),
    ];
    for (const a of answers) {
      expect({ [a.label]: a.headers.get('access-control-allow-origin') }).toEqual({ [a.label]: null });
      expect({ [a.label]: a.headers.get('access-control-allow-methods') }).toEqual({ [a.label]: null });
      expect({ [a.label]: a.headers.get('access-control-allow-credentials') }).toEqual({ [a.label]: null });
      // The answer depends on the Origin, so a cache must not hand it to another origin.
      expect({ [a.label]: a.headers.get('vary') }).toEqual({ [a.label]: expect.stringContaining('Origin') });
    }
  });

  test('the page’s own origin is allowed for the API (the demo clinic lists it)', async () => {
    const a = await dev.get('/api/v1/auth/me', { headers: { origin: dev.demo.origin } });
    expect(a.headers.get('access-control-allow-origin')).toBe(dev.demo.origin);
  });

  test('the public clinic lookup answers any origin with `*`, no credentials, and says whether the origin is allowed', async () => {
    for (const [origin, allowed] of [[CLINIC_ORIGIN, true], ...EVIL_ORIGINS.map((o) => [o, false] as const)] as const) {
      const a = await dev.get('/api/v1/clinics/demo', { headers: { origin } });
      expect({
        origin,
        status: a.status,
        acao: a.headers.get('access-control-allow-origin'),
        credentials: a.headers.get('access-control-allow-credentials'),
      }).toEqual({ origin, status: 200, acao: '*', credentials: null });
      expect({ origin, allowed: JSON.parse(a.body).originAllowed }).toEqual({ origin, allowed });
    }
    const p = await preflight('/api/v1/clinics/demo', 'https://evil.example', 'GET');
    expect([p.status, p.headers.get('access-control-allow-origin')]).toEqual([204, '*']);
  });

  test('the public widget script may be loaded by any site, without credentials', async () => {
    const a = await dev.get('/widget/medchat-widget.js', { headers: { origin: 'https://any-clinic-site.example' } });
    expect(a.status).toBe(200);
    expect(a.headers.get('access-control-allow-origin')).toBe('*');
    expect(a.headers.get('access-control-allow-credentials')).toBeNull();
  });

  test('on every answer above: never `*` with credentials, and `*` only on the widget script and the public clinic lookup', () => {
    expect(dev.answers.length).toBeGreaterThan(40);
    expectNoWildcardWithCredentials(dev.answers);
  });
});
