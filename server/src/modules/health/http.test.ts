import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { useTestServer } from '../../../../tests/helpers/server';
import { databaseDigest } from '../../../../tests/helpers/digest';
import { expectError } from '../../../../tests/helpers/expect';
import { createTestApp } from '../../../../tests/helpers/app';
import { onPostgres } from '../../../../tests/helpers/database';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const s = useTestServer();

const raw = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(s.url + path, init);
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers };
};

describe('over a real port', () => {
  test('health, readiness and the OpenAPI document', async () => {
    expect(await raw('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await raw('/readyz')).toMatchObject({ status: 200, body: { status: 'ready', database: 'up', bus: 'listening' } });
    const doc = await raw('/openapi/json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/sessions/{id}/messages', '/api/v1/auth/login']));
  });

  test('an unknown route is 404 not_found in the envelope', async () => {
    const res = await raw('/api/v1/nothing-here');
    expectError(res, 404, 'not_found');
  });

  test('a body over 256 KB is refused with 413 and changes nothing', async () => {
    const p = await s.guest('Big');
    const started = await s.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'Big' } });
    const before = await databaseDigest(s.ctx.db);
    const res = await raw(`/api/v1/sessions/${started.body.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientMsgId: 'big', body: 'x'.repeat(300 * 1024) }),
    });
    expectError(res, 413, 'payload_too_large');
    expect(await databaseDigest(s.ctx.db)).toEqual(before);
  });

  test('a message body just under the port limit, or of 4,001 characters, is 422 message_too_long; 4,000 are stored', async () => {
    const p = await s.guest('Long');
    const started = await s.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'Long' } });
    const url = `/api/v1/sessions/${started.body.id}/messages`;
    const headers = { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' };
    expectError(
      await raw(url, { method: 'POST', headers, body: JSON.stringify({ clientMsgId: 'l1', body: 'x'.repeat(200 * 1024) }) }),
      422,
      'message_too_long',
    );
    expectError(await raw(url, { method: 'POST', headers, body: JSON.stringify({ clientMsgId: 'l2', body: 'x'.repeat(4001) }) }), 422, 'message_too_long');
    const ok = await raw(url, { method: 'POST', headers, body: JSON.stringify({ clientMsgId: 'l3', body: 'y'.repeat(4000) }) });
    expect(ok.status).toBe(201);
    expect(ok.body.body).toBe('y'.repeat(4000));
  });

  test('a deeply nested JSON body is refused with 400 at once, and changes nothing', async () => {
    const p = await s.guest('Deep');
    const started = await s.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'Deep' } });
    const url = `/api/v1/sessions/${started.body.id}/messages`;
    const headers = { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' };
    const before = await databaseDigest(s.ctx.db);
    // 3,000 deep blocked the event loop for seconds; 5,000 deep overflowed the stack (500).
    for (const depth of [33, 3000, 5000, 100_000]) {
      const body = `{"clientMsgId":"deep","body":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      expectError(await raw(url, { method: 'POST', headers, body }), 400, 'invalid_request');
    }
    expectError(
      await raw('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '['.repeat(50_000) }),
      400,
      'invalid_request',
    );
    expect(await databaseDigest(s.ctx.db)).toEqual(before);
    // Brackets inside strings are text, not nesting.
    const ok = await raw(url, { method: 'POST', headers, body: JSON.stringify({ clientMsgId: 'brackets', body: '[{"'.repeat(1000) }) });
    expect(ok.status).toBe(201);
  });

  test('a validation error names the field and the rule, never the value sent', async () => {
    for (const body of [
      { email: ['canary-4711'], password: 'x' },
      { email: { nested: 'canary-4711' }, password: 'x' },
      { email: 'ab', password: 4711 },
    ]) {
      const res = await raw('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expectError(res, 400, 'invalid_request');
      expect(res.body.error.details.length).toBeGreaterThan(0);
      for (const d of res.body.error.details)
        expect(d).toEqual({ path: expect.stringMatching(/^\/(email|password)$/), problem: expect.stringMatching(/^Expected /) });
      expect(JSON.stringify(res.body)).not.toContain('4711');
    }
  });

  test('every answer carries a request id and the security headers; errors carry the same id in the body', async () => {
    const res = await raw('/api/v1/auth/me');
    expectError(res, 401, 'unauthorized');
    expect(res.headers.get('x-request-id')).toBe(res.body.error.requestId);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe.skipIf(!onPostgres)('readiness names what is down', () => {
  test('a bus that stopped listening makes /readyz 503 with bus "not_listening" while the database is up', async () => {
    const t = await createTestApp();
    try {
      expect(await t.call('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', database: 'up', bus: 'listening' } });
      await t.ctx.bus.stop();
      expect(await t.call('GET', '/readyz')).toMatchObject({ status: 503, body: { status: 'unavailable', database: 'up', bus: 'not_listening' } });
    } finally {
      await t.close();
    }
  });
});
