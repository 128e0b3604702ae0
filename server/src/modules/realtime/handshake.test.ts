import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { connect } from 'node:net';
import { sql } from 'drizzle-orm';
import { createTestApp, guest, login, type TestApp } from '../../../../tests/helpers/app';
import { startTestServer } from '../../../../tests/helpers/server';
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

  test('staff who must first set up two-step sign-in (their clinic requires it): 403 mfa_setup_required', async () => {
    const joy = await login(t, 'nurse.joy@demo.clinic');
    await t.ctx.db.execute(sql`update clinics set require_staff_mfa = true where site_key = 'demo'`);
    try {
      await refused(`?token=${encodeURIComponent(joy.token)}`, upgrade, 403, 'mfa_setup_required');
    } finally {
      await t.ctx.db.execute(sql`update clinics set require_staff_mfa = false where site_key = 'demo'`);
    }
  });

  test('no Sec-WebSocket-Key: 400 invalid_request', async () => {
    const patient = await guest(t);
    const { 'sec-websocket-key': _, ...noKey } = upgrade;
    await refused(`?token=${encodeURIComponent(patient.token)}`, noKey, 400, 'invalid_request');
  });
});

describe('the upgrade itself', () => {
  /** Writes a handshake by hand (clients differ in how they spell headers) and reads until the first frame. */
  function handshake(port: number, lines: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      let received = Buffer.alloc(0);
      const socket = connect(port, '127.0.0.1', () => socket.write([...lines, '', ''].join('\r\n')));
      socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const text = received.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = text.slice(0, end);
        if (!head.startsWith('HTTP/1.1 101')) return resolve(head), socket.destroy();
        // The first frame: a text frame whose length fits in 7 or 16 bits.
        const frame = received.subarray(end + 4);
        if (frame.length < 2) return;
        const short = frame[1]! & 0x7f;
        const [offset, length] = short === 126 ? [4, frame.readUInt16BE(2)] : [2, short];
        if (frame.length < offset + length) return;
        resolve(`${head.split('\r\n')[0]}\n${frame.subarray(offset, offset + length).toString('utf8')}`);
        socket.destroy();
      });
      socket.on('error', reject);
    });
  }

  test('"Upgrade: WebSocket" in any case opens the socket (RFC 6455: the value is case-insensitive)', async () => {
    const s = await startTestServer();
    try {
      const patient = await s.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: 'Case' } });
      for (const spelling of ['websocket', 'WebSocket', 'WEBSOCKET']) {
        const answer = await handshake(s.port, [
          `GET ${SOCKET_PATH}?token=${encodeURIComponent(patient.body.token)} HTTP/1.1`,
          'Host: 127.0.0.1',
          `Upgrade: ${spelling}`,
          'Connection: Upgrade',
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        ]);
        const [status, first] = answer.split('\n');
        expect(status).toBe('HTTP/1.1 101 Switching Protocols');
        expect(JSON.parse(first!).type).toBe('hello');
      }
    } finally {
      await s.close();
    }
  });
});
