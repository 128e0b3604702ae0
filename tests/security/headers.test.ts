/**
 * Security headers on everything the demo serves (what `npm start` runs), over real HTTP: the clinic page, its
 * stylesheet, the staff console, the widget script, the OpenAPI document, JSON answers (2xx and 4xx), 404s and refused
 * socket upgrades. docs/requirements.md#input (a strict CSP on served pages), #privacy (HSTS in production); CORS is in cors.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { expectNoWildcardWithCredentials, json, startTestDemo, upgradeRequest, type Answer, type TestDemo } from '../helpers/demo';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

let dev: TestDemo;
let prod: TestDemo;
let adminToken: string;
let patientToken: string;
let sessionId: string;

beforeAll(async () => {
  [dev, prod] = await Promise.all([startTestDemo(), startTestDemo({ production: true })]);
  const call = async (path: string, init: RequestInit) => (await fetch(dev.demo.url + path, init)).json();
  adminToken = (await call('/api/v1/auth/login', json('POST', undefined, { email: 'admin@demo.clinic', password: DEMO_PASSWORD }))).token;
  patientToken = (await call('/api/v1/auth/guest', json('POST', undefined, { siteKey: 'demo', displayName: 'Header Test' }))).token;
  sessionId = (await call('/api/v1/sessions', json('POST', patientToken, { reason: 'a question' }))).id;
}, 120_000);

afterAll(async () => {
  await dev?.close();
  await prod?.close();
});

/** `directive → sources`, lower-cased, from a Content-Security-Policy header. */
function parseCsp(header: string | null): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name)
      directives.set(
        name.toLowerCase(),
        sources.map((s) => s.toLowerCase()),
      );
  }
  return directives;
}

/** The strict policy every HTML page needs (docs/requirements.md#input): what fails it is listed, so a failure says which rule. */
function cspProblems(header: string | null): string[] {
  if (!header) return ['no Content-Security-Policy'];
  const csp = parseCsp(header);
  const problems: string[] = [];
  const scripts = csp.get('script-src') ?? csp.get('default-src');
  if (!csp.has('default-src')) problems.push('no default-src');
  if (!scripts) problems.push('no script-src or default-src');
  for (const bad of ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", 'data:', 'blob:', 'http:', 'https:']) {
    if (scripts?.includes(bad)) problems.push(`scripts allow ${bad}`);
  }
  for (const [name, sources] of csp) if (sources.some((s) => s === '*' || s.startsWith('*') || s.includes('://*'))) problems.push(`${name} allows a wildcard`);
  if (csp.get('object-src')?.join(' ') !== "'none'") problems.push("object-src is not 'none'");
  if (!["'none'", "'self'"].includes(csp.get('base-uri')?.join(' ') ?? '')) problems.push('base-uri is missing or loose');
  if (!["'none'", "'self'"].includes(csp.get('frame-ancestors')?.join(' ') ?? '')) problems.push('frame-ancestors is missing or loose');
  return problems;
}

/** What every answer carries, whatever it is. */
function expectBaseline(a: Answer, { production = false } = {}) {
  const h = a.headers;
  expect({ [a.label]: h.get('x-content-type-options') }).toEqual({ [a.label]: 'nosniff' });
  expect({ [a.label]: h.get('referrer-policy') }).toEqual({ [a.label]: 'no-referrer' });
  // No software or version is advertised.
  for (const leak of ['x-powered-by', 'server', 'x-runtime', 'x-aspnet-version', 'x-bun-version', 'x-elysia-version']) {
    expect({ [a.label]: h.get(leak) }).toEqual({ [a.label]: null });
  }
  if (production) expect({ [a.label]: h.get('strict-transport-security') }).toEqual({ [a.label]: 'max-age=31536000; includeSubDomains' });
  else expect({ [a.label]: h.get('strict-transport-security') }).toEqual({ [a.label]: null });
}

/** JSON answers of the API carry PHI (names, messages, tokens): no cache may keep them, and they never render as a page. */
function expectApiAnswer(a: Answer) {
  expectBaseline(a);
  expect({ [a.label]: a.headers.get('cache-control') }).toEqual({ [a.label]: 'no-store' });
  const csp = parseCsp(a.headers.get('content-security-policy'));
  expect({ [a.label]: [csp.get('default-src'), csp.get('frame-ancestors')] }).toEqual({ [a.label]: [["'none'"], ["'none'"]] });
}

describe('served pages', () => {
  test.each(['/', '/console/', '/console/index.html'])('%s: HTML with a strict Content-Security-Policy', async (path) => {
    const a = await dev.get(path);
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect({ [path]: cspProblems(a.headers.get('content-security-policy')) }).toEqual({ [path]: [] });
    expect(a.headers.get('x-frame-options')).toBe('DENY');
    expectBaseline(a);
  });

  test('the clinic page points the widget at this server, which its policy lets it reach', async () => {
    const a = await dev.get('/');
    expect(a.body).toContain(`<medchat-widget server="${dev.demo.origin}" site="demo">`);
    const csp = parseCsp(a.headers.get('content-security-policy'));
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    // The page is served from its own origin; 'self' also covers ws: to it (CSP 3).
    expect(new URL(dev.demo.url).port).toBe(new URL(dev.demo.origin).port);
  });

  test.each([
    ['/styles.css', 'text/css; charset=utf-8'],
    ['/console/main.js', 'text/javascript; charset=utf-8'],
    ['/console/styles.css', 'text/css; charset=utf-8'],
  ])('%s: served with its type and nosniff', async (path, type) => {
    const a = await dev.get(path);
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe(type);
    expectBaseline(a);
  });

  test('/console redirects to /console/ without leaking anything', async () => {
    const a = await dev.get('/console');
    expect(a.status).toBe(302);
    expect(a.headers.get('location')).toBe('/console/');
    expectBaseline(a);
  });

  test.each(['/widget/medchat-widget.js', '/widget/medchat-widget.iife.js'])('%s: public code for any site, cacheable, no credentials', async (path) => {
    const a = await dev.get(path, { headers: { origin: 'https://any-clinic-site.example' } });
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(a.headers.get('cache-control')).toBe('public, max-age=3600');
    // Any site may load the script (it is public); nothing here carries a credential.
    expect(a.headers.get('access-control-allow-origin')).toBe('*');
    expect(a.headers.get('access-control-allow-credentials')).toBeNull();
    expect(a.body.length).toBeGreaterThan(1000);
    expectBaseline(a);
  });

  test('/openapi: the OpenAPI document, with no third-party script on the origin that holds staff tokens', async () => {
    const page = await dev.get('/openapi');
    expectBaseline(page);
    const doc = page.status === 200 ? page : await dev.get(page.headers.get('location')!);
    expect(doc.status).toBe(200);
    expect(doc.headers.get('content-type')).toStartWith('application/json');
    expect(JSON.parse(doc.body).info.title).toBe('MedChat API');
    expectBaseline(doc);
    // No page on this origin loads script from elsewhere: it could read the console's stored token.
    for (const a of dev.answers.filter((s) => s.headers.get('content-type')?.startsWith('text/html'))) {
      const scripts = parseCsp(a.headers.get('content-security-policy')).get('script-src') ?? [];
      expect({ [a.label]: scripts }).toEqual({ [a.label]: ["'self'"] });
    }
  });
});

describe('JSON API answers', () => {
  test('2xx: public, signed-in and PHI-carrying answers are never cached', async () => {
    const answers = [
      await dev.get('/api/v1/clinics/demo'),
      await dev.get('/api/v1/auth/guest', json('POST', undefined, { siteKey: 'demo', displayName: 'Cache Probe' })),
      await dev.get('/api/v1/auth/me', json('GET', patientToken)),
      await dev.get(`/api/v1/sessions/${sessionId}`, json('GET', patientToken)),
      await dev.get(`/api/v1/sessions/${sessionId}/messages`, json('POST', patientToken, { clientMsgId: 'h1', body: 'hello' })),
      await dev.get(`/api/v1/sessions/${sessionId}/messages?after=0`, json('GET', patientToken)),
      await dev.get(`/api/v1/sessions/${sessionId}/read`, json('POST', patientToken, { seq: 1 })),
      await dev.get('/api/v1/clinic/settings', json('GET', adminToken)),
      await dev.get('/readyz'),
      await dev.get('/healthz'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 201, 200, 204, 200, 200, 200]);
    for (const a of answers) expectApiAnswer(a);
    for (const a of answers.filter((a) => a.status !== 204))
      expect({ [a.label]: a.headers.get('content-type') }).toEqual({ [a.label]: expect.stringMatching(/^application\/json/) });
  });

  test('4xx and 404: the same headers on every refusal', async () => {
    const answers = [
      await dev.get('/api/v1/auth/me'),
      await dev.get('/api/v1/auth/me', json('GET', 'x'.repeat(43))),
      await dev.get('/api/v1/auth/login', json('POST', undefined, '{"email":')),
      await dev.get('/api/v1/auth/login', json('POST', undefined, { email: 'admin@demo.clinic', password: 'wrong-password' })),
      await dev.get('/api/v1/clinics/no-such-clinic'),
      await dev.get(`/api/v1/sessions/${crypto.randomUUID()}`, json('GET', adminToken)),
      await dev.get('/api/v1/clinic/settings', json('GET', patientToken)),
      await dev.get('/api/v1/no-such-route'),
      await dev.get('/no-such-page'),
      await dev.get('/widget/no-such-file.js'),
      // A declared body over the API's limit is refused before it is read.
      await dev.get('/api/v1/auth/guest', json('POST', undefined, JSON.stringify({ siteKey: 'demo', displayName: 'x'.repeat(300 * 1024) }))),
      // A socket path without an upgrade.
      await dev.get('/api/v1/socket'),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 400, 401, 404, 404, 403, 404, 404, 404, 413, 400]);
    for (const a of answers) expectApiAnswer(a);
  });

  test('a refused socket upgrade (bad token) carries the same headers and never a 101', async () => {
    const a = await dev.raw(upgradeRequest(`/api/v1/socket?token=${'x'.repeat(43)}`));
    expect(a.status).toBe(401);
    expectApiAnswer(a);
  });
});

describe('HSTS (docs/requirements.md#privacy): claimed for production (NODE_ENV=production, behind a TLS proxy)', () => {
  test('every kind of answer carries it in production', async () => {
    const answers = [
      await prod.get('/'),
      await prod.get('/console/'),
      await prod.get('/styles.css'),
      await prod.get('/widget/medchat-widget.js'),
      await prod.get('/openapi'),
      await prod.get('/api/v1/clinics/demo'),
      await prod.get('/api/v1/auth/me'),
      await prod.get('/no-such-page'),
      await prod.get('/api/v1/auth/guest', { method: 'OPTIONS', headers: { origin: prod.demo.origin, 'access-control-request-method': 'POST' } }),
      await prod.raw(upgradeRequest('/api/v1/socket?token=nope')),
    ];
    for (const a of answers) expectBaseline(a, { production: true });
  });

  test('the development demo (plain http on localhost) sends none, on any answer', () => {
    expect(dev.answers.length).toBeGreaterThan(25);
    for (const a of dev.answers) expect({ [a.label]: a.headers.get('strict-transport-security') }).toEqual({ [a.label]: null });
  });
});

describe('on every answer seen above', () => {
  test('nosniff and no-referrer everywhere; never Access-Control-Allow-Origin: * with credentials', () => {
    const all = [...dev.answers, ...prod.answers];
    for (const a of all) {
      expect({ [a.label]: a.headers.get('x-content-type-options') }).toEqual({ [a.label]: 'nosniff' });
      expect({ [a.label]: a.headers.get('referrer-policy') }).toEqual({ [a.label]: 'no-referrer' });
    }
    expectNoWildcardWithCredentials(all);
  });
});
