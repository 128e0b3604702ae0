/**
 * Security headers and CORS on everything the demo serves (what `npm start` runs), over real HTTP: the clinic page,
 * its stylesheet, the staff console, the widget script, the OpenAPI document, JSON answers (2xx and 4xx), 404s,
 * refused socket upgrades and preflights. RELIABILITY I6 (a strict CSP on served pages), Z8 (CORS per allowlist,
 * never `*` with credentials), P4 (HSTS in production).
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { connect } from 'node:net';
import { loadConfig } from '../../server/src/config';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { startDemo, type DemoServer } from '../../server/src/demo';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

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

interface Seen {
  label: string;
  production?: boolean;
  status: number;
  headers: Headers;
}

/** Every answer any test saw, for the rules that hold on all of them. */
const seen: Seen[] = [];

async function startOne(production: boolean): Promise<{ demo: DemoServer; database: TestDatabase }> {
  const database = await createTestDatabase();
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...(production ? { NODE_ENV: 'production' } : {}) });
  config.databaseUrl = database.url;
  config.dataDir = undefined;
  return { demo: await startDemo(config), database };
}

let dev: { demo: DemoServer; database: TestDatabase };
let prod: { demo: DemoServer; database: TestDatabase };
let adminToken: string;
let patientToken: string;
let sessionId: string;

async function get(server: DemoServer, path: string, init: RequestInit = {}): Promise<Seen & { body: string }> {
  const res = await fetch(server.url + path, { redirect: 'manual', ...init });
  const body = await res.text();
  const answer = { label: `${init.method ?? 'GET'} ${path}`, production: server.ctx.config.production, status: res.status, headers: res.headers, body };
  seen.push(answer);
  return answer;
}

const json = (method: string, token?: string, body?: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
  body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
});

/** An HTTP/1.1 request written by hand, for what fetch will not send (a WebSocket upgrade). Headers only. */
function rawRequest(server: DemoServer, lines: string[]): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let text = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.destroy();
      const [statusLine, ...headerLines] = text.slice(0, end).split('\r\n');
      const headers = new Headers();
      for (const line of headerLines) headers.append(line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim());
      const answer = { label: lines[0]!, production: server.ctx.config.production, status: Number(statusLine!.split(' ')[1]), headers };
      seen.push(answer);
      resolve(answer);
    });
    socket.write([...lines, `Host: 127.0.0.1:${server.port}`, 'Connection: close', '', ''].join('\r\n'));
  });
}

beforeAll(async () => {
  [dev, prod] = await Promise.all([startOne(false), startOne(true)]);
  const s = dev.demo;
  adminToken = (await (await fetch(`${s.url}/api/v1/auth/login`, json('POST', undefined, { email: 'admin@demo.clinic', password: DEMO_PASSWORD }))).json()).token;
  // The clinic's own site, allowed before any request carries an Origin (the allowlist is cached for a few seconds).
  const settings = await (await fetch(`${s.url}/api/v1/clinic/settings`, json('GET', adminToken))).json();
  const patched = await fetch(`${s.url}/api/v1/clinic/settings`, json('PATCH', adminToken, { allowedOrigins: [...settings.allowedOrigins, CLINIC_ORIGIN] }));
  expect(patched.status).toBe(200);
  patientToken = (await (await fetch(`${s.url}/api/v1/auth/guest`, json('POST', undefined, { siteKey: 'demo', displayName: 'Header Test' }))).json()).token;
  sessionId = (await (await fetch(`${s.url}/api/v1/sessions`, json('POST', patientToken, { reason: 'a question' }))).json()).id;
}, 120_000);

afterAll(async () => {
  for (const one of [dev, prod]) {
    await one?.demo.stop();
    await one?.database.drop();
  }
});

/** `directive → sources`, lower-cased, from a Content-Security-Policy header. */
function parseCsp(header: string | null): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources.map((s) => s.toLowerCase()));
  }
  return directives;
}

/** The strict policy every HTML page needs (I6): what fails it is listed, so a failure says which rule. */
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
function expectBaseline(a: Seen, { production = false } = {}) {
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
function expectApiAnswer(a: Seen) {
  expectBaseline(a);
  expect({ [a.label]: a.headers.get('cache-control') }).toEqual({ [a.label]: 'no-store' });
  const csp = parseCsp(a.headers.get('content-security-policy'));
  expect({ [a.label]: [csp.get('default-src'), csp.get('frame-ancestors')] }).toEqual({ [a.label]: [["'none'"], ["'none'"]] });
}

describe('served pages', () => {
  test.each(['/', '/console/', '/console/index.html'])('%s: HTML with a strict Content-Security-Policy', async (path) => {
    const a = await get(dev.demo, path);
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect({ [path]: cspProblems(a.headers.get('content-security-policy')) }).toEqual({ [path]: [] });
    expect(a.headers.get('x-frame-options')).toBe('DENY');
    expectBaseline(a);
  });

  test('the clinic page points the widget at this server, which its policy lets it reach', async () => {
    const a = await get(dev.demo, '/');
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
    const a = await get(dev.demo, path);
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe(type);
    expectBaseline(a);
  });

  test('/console redirects to /console/ without leaking anything', async () => {
    const a = await get(dev.demo, '/console');
    expect(a.status).toBe(302);
    expect(a.headers.get('location')).toBe('/console/');
    expectBaseline(a);
  });

  test.each(['/widget/medchat-widget.js', '/widget/medchat-widget.iife.js'])('%s: public code for any site, cacheable, no credentials', async (path) => {
    const a = await get(dev.demo, path, { headers: { origin: 'https://any-clinic-site.example' } });
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
    const page = await get(dev.demo, '/openapi');
    expectBaseline(page);
    const doc = page.status === 200 ? page : await get(dev.demo, page.headers.get('location')!);
    expect(doc.status).toBe(200);
    expect(doc.headers.get('content-type')).toStartWith('application/json');
    expect(JSON.parse(doc.body).info.title).toBe('MedChat API');
    expectBaseline(doc);
    // No page on this origin loads script from elsewhere: it could read the console's stored token.
    for (const a of seen.filter((s) => s.headers.get('content-type')?.startsWith('text/html'))) {
      const scripts = parseCsp(a.headers.get('content-security-policy')).get('script-src') ?? [];
      expect({ [a.label]: scripts }).toEqual({ [a.label]: ["'self'"] });
    }
  });
});

describe('JSON API answers', () => {
  test('2xx: public, signed-in and PHI-carrying answers are never cached', async () => {
    const answers = [
      await get(dev.demo, '/api/v1/clinics/demo'),
      await get(dev.demo, '/api/v1/auth/guest', json('POST', undefined, { siteKey: 'demo', displayName: 'Cache Probe' })),
      await get(dev.demo, '/api/v1/auth/me', json('GET', patientToken)),
      await get(dev.demo, `/api/v1/sessions/${sessionId}`, json('GET', patientToken)),
      await get(dev.demo, `/api/v1/sessions/${sessionId}/messages`, json('POST', patientToken, { clientMsgId: 'h1', body: 'hello' })),
      await get(dev.demo, `/api/v1/sessions/${sessionId}/messages?after=0`, json('GET', patientToken)),
      await get(dev.demo, `/api/v1/sessions/${sessionId}/read`, json('POST', patientToken, { seq: 1 })),
      await get(dev.demo, '/api/v1/clinic/settings', json('GET', adminToken)),
      await get(dev.demo, '/readyz'),
      await get(dev.demo, '/healthz'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 201, 200, 204, 200, 200, 200]);
    for (const a of answers) expectApiAnswer(a);
    for (const a of answers.filter((a) => a.status !== 204)) expect({ [a.label]: a.headers.get('content-type') }).toEqual({ [a.label]: expect.stringMatching(/^application\/json/) });
  });

  test('4xx and 404: the same headers on every refusal', async () => {
    const answers = [
      await get(dev.demo, '/api/v1/auth/me'),
      await get(dev.demo, '/api/v1/auth/me', json('GET', 'x'.repeat(43))),
      await get(dev.demo, '/api/v1/auth/login', json('POST', undefined, '{"email":')),
      await get(dev.demo, '/api/v1/auth/login', json('POST', undefined, { email: 'admin@demo.clinic', password: 'wrong-password' })),
      await get(dev.demo, '/api/v1/clinics/no-such-clinic'),
      await get(dev.demo, `/api/v1/sessions/${crypto.randomUUID()}`, json('GET', adminToken)),
      await get(dev.demo, '/api/v1/clinic/settings', json('GET', patientToken)),
      await get(dev.demo, '/api/v1/no-such-route'),
      await get(dev.demo, '/no-such-page'),
      await get(dev.demo, '/widget/no-such-file.js'),
      // A declared body over the API's limit is refused before it is read.
      await get(dev.demo, '/api/v1/auth/guest', json('POST', undefined, JSON.stringify({ siteKey: 'demo', displayName: 'x'.repeat(300 * 1024) }))),
      // A socket path without an upgrade.
      await get(dev.demo, '/api/v1/socket'),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 400, 401, 404, 404, 403, 404, 404, 404, 413, 400]);
    for (const a of answers) expectApiAnswer(a);
  });

  test('a refused socket upgrade (bad token) carries the same headers and never a 101', async () => {
    const a = await rawRequest(dev.demo, [
      `GET /api/v1/socket?token=${'x'.repeat(43)} HTTP/1.1`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ]);
    expect(a.status).toBe(401);
    expectApiAnswer(a);
  });
});

describe('CORS (Z8)', () => {
  const preflight = (path: string, origin: string, method = 'POST') =>
    get(dev.demo, path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' } });

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
      expectBaseline(a);
    },
  );

  test('actual requests from the clinic’s origin, answered or refused, echo that origin with Vary: Origin', async () => {
    const headers = { origin: CLINIC_ORIGIN };
    const answers = [
      await get(dev.demo, '/api/v1/clinics/demo', { headers }),
      await get(dev.demo, '/api/v1/auth/guest', json('POST', undefined, { siteKey: 'demo', displayName: 'CORS Probe' }, headers)),
      await get(dev.demo, '/api/v1/auth/me', { headers }),
      await get(dev.demo, '/api/v1/clinics/no-such-clinic', { headers }),
      await get(dev.demo, '/api/v1/auth/guest', json('POST', undefined, '{"siteKey":', headers)),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 401, 404, 400]);
    for (const a of answers) {
      expect({ [a.label]: a.headers.get('access-control-allow-origin') }).toEqual({ [a.label]: CLINIC_ORIGIN });
      expect({ [a.label]: a.headers.get('vary') }).toEqual({ [a.label]: expect.stringContaining('Origin') });
      expectApiAnswer(a);
    }
  });

  test.each(EVIL_ORIGINS)('%s (not on any allowlist) gets no Access-Control-Allow-Origin, preflight or not', async (origin) => {
    const answers = [
      await preflight('/api/v1/auth/guest', origin),
      await preflight('/api/v1/auth/me', origin, 'GET'),
      await get(dev.demo, '/api/v1/clinics/demo', { headers: { origin } }),
      await get(dev.demo, '/api/v1/auth/me', json('GET', patientToken, undefined, { origin })),
      await get(dev.demo, '/', { headers: { origin } }),
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
    const a = await get(dev.demo, '/api/v1/clinics/demo', { headers: { origin: dev.demo.origin } });
    expect(a.headers.get('access-control-allow-origin')).toBe(dev.demo.origin);
  });
});

describe('HSTS (P4): claimed for production (NODE_ENV=production, behind a TLS proxy)', () => {
  test('every kind of answer carries it in production', async () => {
    const answers = [
      await get(prod.demo, '/'),
      await get(prod.demo, '/console/'),
      await get(prod.demo, '/styles.css'),
      await get(prod.demo, '/widget/medchat-widget.js'),
      await get(prod.demo, '/openapi'),
      await get(prod.demo, '/api/v1/clinics/demo'),
      await get(prod.demo, '/api/v1/auth/me'),
      await get(prod.demo, '/no-such-page'),
      await get(prod.demo, '/api/v1/auth/guest', { method: 'OPTIONS', headers: { origin: prod.demo.origin, 'access-control-request-method': 'POST' } }),
      await rawRequest(prod.demo, ['GET /api/v1/socket?token=nope HTTP/1.1', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']),
    ];
    for (const a of answers) expectBaseline(a, { production: true });
  });

  test('the development demo (plain http on localhost) sends none, on any answer', () => {
    const development = seen.filter((a) => !a.production);
    expect(development.length).toBeGreaterThan(50);
    for (const a of development) expect({ [a.label]: a.headers.get('strict-transport-security') }).toEqual({ [a.label]: null });
  });
});

describe('on every answer seen above', () => {
  test('never Access-Control-Allow-Origin: * with credentials; `*` only on the public widget script', () => {
    expect(seen.length).toBeGreaterThan(60);
    for (const a of seen) {
      const acao = a.headers.get('access-control-allow-origin');
      const credentials = a.headers.get('access-control-allow-credentials');
      expect({ [a.label]: acao === '*' && credentials === 'true' }).toEqual({ [a.label]: false });
      if (acao === '*') expect(a.label).toMatch(/^GET \/widget\/medchat-widget(\.iife)?\.js$/);
    }
  });

  test('nosniff and no-referrer everywhere', () => {
    for (const a of seen) {
      expect({ [a.label]: a.headers.get('x-content-type-options') }).toEqual({ [a.label]: 'nosniff' });
      expect({ [a.label]: a.headers.get('referrer-policy') }).toEqual({ [a.label]: 'no-referrer' });
    }
  });
});
