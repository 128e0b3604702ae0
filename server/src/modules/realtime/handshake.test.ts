import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { connect } from 'node:net';
import { sql } from 'drizzle-orm';
import { useTestApp, guest, login, type TestApp } from '../../../../tests/helpers/app';
import { createTestDatabase, onPostgres } from '../../../../tests/helpers/database';
import { query } from '../../../../tests/helpers/digest';
import { startTestServer, type TestServer } from '../../../../tests/helpers/server';
import { expectError } from '../../../../tests/helpers/expect';
import { hashToken } from '../../lib/tokens';
import { SOCKET_PATH } from '.';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const t = useTestApp();

const upgrade = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' };

/** A refused handshake carries the one envelope, its requestId the same as the x-request-id header. */
async function refused(query: string, headers: Record<string, string>, status: number, code: string) {
  const res = await t.call('GET', `${SOCKET_PATH}${query}`, { headers });
  expectError(res, status, code);
  expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
}

/** A socket ticket for this token, asked for as a client does. */
async function ticketOf(call: TestApp['call'] | TestServer['call'], token: string): Promise<string> {
  const res = await call('POST', '/api/v1/socket/ticket', { token });
  if (res.status !== 200) throw new Error(`ticket: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.ticket;
}
const ticket = (token: string) => ticketOf(t.call, token);

describe('a handshake refused before the upgrade', () => {
  test('no ticket: 401 invalid_token', () => refused('', upgrade, 401, 'invalid_token'));

  test('a method other than GET: 405 with Allow: GET, as any route answers', async () => {
    for (const method of ['PUT', 'POST', 'DELETE']) {
      const res = await t.call(method, SOCKET_PATH, { headers: upgrade });
      expectError(res, 405, 'method_not_allowed');
      expect(res.headers.get('allow')).toBe('GET');
    }
  });

  test('a bearer token in the URL (where proxies log it) is refused, even a valid one: 401 invalid_token', async () => {
    const patient = await guest(t);
    await refused(`?token=${encodeURIComponent(patient.token)}`, upgrade, 401, 'invalid_token');
    const res = await t.call('GET', `${SOCKET_PATH}?token=${encodeURIComponent(patient.token)}`, { headers: upgrade });
    expect(res.body.error.message).toContain('ticket');
  });

  test('an unknown or malformed ticket: 401 invalid_token', async () => {
    await refused(`?ticket=${'x'.repeat(43)}`, upgrade, 401, 'invalid_token');
    await refused(`?ticket=${'x'.repeat(5000)}`, upgrade, 401, 'invalid_token');
    await refused('?ticket=', upgrade, 401, 'invalid_token');
  });

  test('an expired ticket: 401 invalid_token', async () => {
    const patient = await guest(t);
    const old = await ticket(patient.token);
    await t.ctx.db.execute(sql`update socket_tickets set expires_at = now() - interval '1 second' where ticket_hash = ${hashToken(old)}`);
    await refused(`?ticket=${old}`, upgrade, 401, 'invalid_token');
  });

  test('a ticket whose token was revoked since (logout): 401 invalid_token', async () => {
    const patient = await guest(t);
    const fresh = await ticket(patient.token);
    expect((await t.call('POST', '/api/v1/auth/logout', { token: patient.token })).status).toBe(204);
    await refused(`?ticket=${fresh}`, upgrade, 401, 'invalid_token');
  });

  test('a patient from an origin the clinic does not allow: 403 origin_not_allowed', async () => {
    const patient = await guest(t);
    await refused(`?ticket=${await ticket(patient.token)}`, { ...upgrade, origin: 'https://evil.test' }, 403, 'origin_not_allowed');
  });

  test('staff who must first set up two-step sign-in (their clinic requires it): 403 mfa_setup_required, for the ticket and the upgrade', async () => {
    const joy = await login(t, 'nurse.joy@demo.clinic');
    const before = await ticket(joy.token);
    await t.ctx.db.execute(sql`update clinics set require_staff_mfa = true where site_key = 'demo'`);
    try {
      expectError(await t.call('POST', '/api/v1/socket/ticket', { token: joy.token }), 403, 'mfa_setup_required');
      await refused(`?ticket=${before}`, upgrade, 403, 'mfa_setup_required');
    } finally {
      await t.ctx.db.execute(sql`update clinics set require_staff_mfa = false where site_key = 'demo'`);
    }
  });

  test('no Sec-WebSocket-Key: 400 invalid_request', async () => {
    const patient = await guest(t);
    const { 'sec-websocket-key': _, ...noKey } = upgrade;
    await refused(`?ticket=${await ticket(patient.token)}`, noKey, 400, 'invalid_request');
  });
});

describe('POST /api/v1/socket/ticket', () => {
  test('401 without a valid token', async () => {
    expectError(await t.call('POST', '/api/v1/socket/ticket'), 401, 'unauthorized');
    expectError(await t.call('POST', '/api/v1/socket/ticket', { token: 'x'.repeat(43) }), 401, 'unauthorized');
  });

  test('a random ticket valid 30 s, stored only as its SHA-256 hash and bound to the token that asked', async () => {
    const patient = await guest(t);
    const before = Date.now();
    const res = await t.call('POST', '/api/v1/socket/ticket', { token: patient.token });
    expect(res.status).toBe(200);
    expect(res.body.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.ticket).not.toBe(await ticket(patient.token));
    const expires = Date.parse(res.body.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 29_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 31_000);
    const rows = await query<{ ticket_hash: string; token_hash: string }>(t.ctx.db, sql`select ticket_hash, token_hash from socket_tickets`);
    expect(rows).toContainEqual({ ticket_hash: hashToken(res.body.ticket), token_hash: hashToken(patient.token) });
    expect(JSON.stringify(rows)).not.toContain(res.body.ticket);
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
        if (!head.startsWith('HTTP/1.1 101')) return (resolve(head), socket.destroy());
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

  const lines = (ticket: string, spelling = 'websocket') => [
    `GET ${SOCKET_PATH}?ticket=${ticket} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Upgrade: ${spelling}`,
    'Connection: Upgrade',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  ];

  test('"Upgrade: WebSocket" in any case opens the socket (RFC 6455: the value is case-insensitive)', async () => {
    const s = await startTestServer();
    try {
      const patient = await s.guest('Case');
      for (const spelling of ['websocket', 'WebSocket', 'WEBSOCKET']) {
        const answer = await handshake(s.port, lines(await ticketOf(s.call, patient.token), spelling));
        const [status, first] = answer.split('\n');
        expect(status).toBe('HTTP/1.1 101 Switching Protocols');
        expect(JSON.parse(first!).type).toBe('hello');
      }
    } finally {
      await s.close();
    }
  });

  test('a ticket opens one socket: used again, it is refused with 401 before any 101', async () => {
    const s = await startTestServer();
    try {
      const patient = await s.guest('Once');
      const once = await ticketOf(s.call, patient.token);
      expect((await handshake(s.port, lines(once))).split('\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
      expect((await handshake(s.port, lines(once))).split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    } finally {
      await s.close();
    }
  });

  test.skipIf(!onPostgres)('the same ticket in concurrent upgrades opens exactly one socket (Postgres)', async () => {
    const s = await startTestServer();
    try {
      const patient = await s.guest('Race');
      const once = await ticketOf(s.call, patient.token);
      const answers = await Promise.all(Array.from({ length: 8 }, () => handshake(s.port, lines(once))));
      const statuses = answers.map((a) => a.split(/\r?\n/)[0]).sort();
      expect(statuses).toEqual(['HTTP/1.1 101 Switching Protocols', ...Array(7).fill('HTTP/1.1 401 Unauthorized')].sort());
    } finally {
      await s.close();
    }
  });

  test.skipIf(!onPostgres)('a ticket from instance A opens a socket on instance B, once (two instances on one Postgres)', async () => {
    const database = await createTestDatabase();
    const a = await startTestServer({}, database);
    const b = await startTestServer({}, database);
    try {
      const patient = await a.guest('Roaming');
      const fromA = await ticketOf(a.call, patient.token);
      const [status, first] = (await handshake(b.port, lines(fromA))).split('\n');
      expect(status).toBe('HTTP/1.1 101 Switching Protocols');
      expect(JSON.parse(first!)).toMatchObject({ type: 'hello', user: { id: patient.user.id } });
      // Spent on B: A refuses it too.
      expect((await handshake(a.port, lines(fromA))).split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  });
});
