/**
 * The OpenAPI document is the contract a clinic's developer codes against: every length it publishes for a text
 * field of a request body is the length the server enforces (a value of exactly that length is taken, one character
 * more is refused), and integer fields are published as integers. The limits come from one place
 * (`sdk/src/protocol/requests.ts`); this test reads only the document and the answers, so it fails whenever the two
 * drift apart again.
 */
import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { guest, login, useTestApp } from '../helpers/app';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const t = useTestApp();
let doc: any;
let admin: string;
let patient: string;
let sessionId: string;

beforeAll(async () => {
  doc = (await t.call('GET', '/openapi/json')).body;
  admin = (await login(t, 'admin@demo.clinic')).token;
  patient = (await guest(t, 'Limits')).token;
  sessionId = (await t.call('POST', '/api/v1/sessions', { token: patient, body: { reason: 'Limits' } })).body.id;
});

/** The request body's schema of one operation, as published (a named component's, where it refers to one). */
const bodySchema = (path: string, method: string) => {
  const schema = doc.paths[path]?.[method]?.requestBody?.content?.['application/json']?.schema;
  return schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema;
};

/** Text fields to try: where, as whom, and the rest of a valid body. A unique value per call keeps emails and client ids apart. */
const cases: Array<{ path: string; method: string; field: string; token: () => string | undefined; url?: () => string; body?: (value: string) => object }> = [
  { path: '/api/v1/auth/guest', method: 'post', field: 'displayName', token: () => undefined, body: (v) => ({ siteKey: 'demo', displayName: v }) },
  { path: '/api/v1/sessions', method: 'post', field: 'reason', token: () => patient },
  {
    path: '/api/v1/sessions/{id}/messages',
    method: 'post',
    field: 'body',
    token: () => patient,
    url: () => `/api/v1/sessions/${sessionId}/messages`,
    body: (v) => ({ clientMsgId: crypto.randomUUID(), body: v }),
  },
  {
    path: '/api/v1/sessions/{id}/messages',
    method: 'post',
    field: 'clientMsgId',
    token: () => patient,
    url: () => `/api/v1/sessions/${sessionId}/messages`,
    body: (v) => ({ clientMsgId: v, body: 'hello' }),
  },
  {
    path: '/api/v1/employees',
    method: 'post',
    field: 'displayName',
    token: () => admin,
    url: () => '/api/v1/employees',
    body: (v) => ({ email: `${crypto.randomUUID()}@demo.clinic`, displayName: v, password: 'a long enough password' }),
  },
  { path: '/api/v1/clinic/settings', method: 'patch', field: 'name', token: () => admin },
  { path: '/api/v1/sessions/{id}/notes', method: 'post', field: 'body', token: () => admin, url: () => `/api/v1/sessions/${sessionId}/notes` },
  {
    path: '/api/v1/quick-replies',
    method: 'post',
    field: 'body',
    token: () => admin,
    url: () => '/api/v1/quick-replies',
    body: (v) => ({ shortcut: crypto.randomUUID(), body: v }),
  },
  {
    path: '/api/v1/quick-replies',
    method: 'post',
    field: 'shortcut',
    token: () => admin,
    url: () => '/api/v1/quick-replies',
    body: (v) => ({ shortcut: v, body: 'We are open 8 to 18.' }),
  },
  { path: '/api/v1/clinic/settings', method: 'patch', field: 'emergencyText', token: () => admin },
];

describe('the published length of each text field is the enforced one', () => {
  for (const c of cases) {
    test(`${c.method.toUpperCase()} ${c.path} ${c.field}`, async () => {
      const max = bodySchema(c.path, c.method)?.properties?.[c.field]?.maxLength;
      expect(typeof max).toBe('number');
      // Letters that stay as they are under NFC and trimming, with a unique prefix so no two calls collide.
      const text = (length: number) => (crypto.randomUUID().replaceAll('-', '') + 'x'.repeat(length)).slice(0, length);
      const send = (value: string) =>
        t.call(c.method.toUpperCase(), c.url?.() ?? c.path, { token: c.token(), body: c.body ? c.body(value) : { [c.field]: value } });
      const atLimit = await send(text(max));
      expect(atLimit.status < 300 ? 'taken' : atLimit.body).toBe('taken');
      const over = await send(text(max + 1));
      expect([400, 422]).toContain(over.status);
    });
  }
});

test('integer fields of request bodies and queries are published as integers, never as strings', () => {
  const strings: string[] = [];
  const walk = (value: unknown, where: string) => {
    if (!value || typeof value !== 'object') return;
    const v = value as Record<string, unknown>;
    if (v.format === 'integer' && v.type !== 'integer') strings.push(where);
    for (const [key, child] of Object.entries(v)) walk(child, `${where}/${key}`);
  };
  for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { requestBody?: unknown; parameters?: unknown }>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      walk(operation.requestBody, `${method} ${path} body`);
      walk(operation.parameters, `${method} ${path} query`);
    }
  }
  expect(strings).toEqual([]);
});
