import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { createTestApp, guest, type TestApp } from '../../../../tests/helpers/app';
import { expectError } from '../../../../tests/helpers/expect';
import { SOCKET_PATH } from '.';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
}, 60_000);
afterAll(() => t?.close());

const upgrade = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' };

/** A refused handshake carries the one envelope, its requestId the same as the x-request-id header. */
async function refused(query: string, headers: Record<string, string>, status: number, code: string) {
  const res = await t.call('GET', `${SOCKET_PATH}${query}`, { headers });
  expectError(res, status, code);
  expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
}

describe('a handshake refused before the upgrade', () => {
  test('no token: 401 invalid_token', () => refused('', upgrade, 401, 'invalid_token'));

  test('a patient from an origin the clinic does not allow: 403 origin_not_allowed', async () => {
    const patient = await guest(t);
    await refused(`?token=${encodeURIComponent(patient.token)}`, { ...upgrade, origin: 'https://evil.test' }, 403, 'origin_not_allowed');
  });

  test('no Sec-WebSocket-Key: 400 invalid_request', async () => {
    const patient = await guest(t);
    const { 'sec-websocket-key': _, ...noKey } = upgrade;
    await refused(`?token=${encodeURIComponent(patient.token)}`, noKey, 400, 'invalid_request');
  });
});
