import { afterEach, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { connect } from 'node:net';
import { query } from '../../../../tests/helpers/digest';
import { useTestServer } from '../../../../tests/helpers/server';
import { socketTicket, TestSocket } from '../../../../tests/helpers/socket';
import { until } from '../../../../tests/helpers/until';
import { sweep } from './presence';

// The sweeper is run by hand (sweep below), never on a timer. Generous: a loaded 2-core machine is slow, and nothing
// here asserts on time.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
const s = useTestServer({ SWEEP_INTERVAL_MS: String(3600 * 1000) });
let admin: Who;

beforeAll(async () => {
  admin = await s.login('admin@demo.clinic');
}, 60_000);

/** Stops a test's background sender even when the test fails, so that it never floods the server for the tests after it. */
let stopSender: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stopSender?.();
  stopSender = null;
});

async function freshChat(employeeEmail: string) {
  const employee = await s.login(employeeEmail);
  await s.call('PUT', '/api/v1/employees/me/availability', { token: employee.token, body: { availability: 'available' } });
  const patient = await s.guest('Resumer');
  const session = await s.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Resume' } });
  expect(session.body.employee?.id).toBe(employee.user.id);
  return { employee, patient, sessionId: session.body.id as string };
}

const dbMessages = (sessionId: string) =>
  query<{ seq: number; body: string }>(s.ctx.db, sql`select seq, body from messages where session_id = ${sessionId} order by seq`);

describe('resume after a cut', () => {
  test('a client cut mid-stream while the peer sends ≥50 msg/s gets every missed message once, in order, equal to the DB', async () => {
    const { employee, patient, sessionId } = await freshChat('nurse.joy@demo.clinic');
    let ws = await TestSocket.open(s.wsUrl, patient.token);
    expect((await ws.request({ type: 'subscribe', sessionId, lastSeq: 0 })).type).toBe('ack');

    // The employee sends over HTTP, one request every 10 ms (≈100/s), without waiting for answers.
    const sends: Array<Promise<{ status: number; body: any }>> = [];
    let sending = true;
    const sender = (async () => {
      for (let i = 0; sending; i++) {
        sends.push(
          s.call('POST', `/api/v1/sessions/${sessionId}/messages`, { token: employee.token, body: { clientMsgId: `burst-${i}`, body: `burst ${i}` } }),
        );
        await Bun.sleep(10);
      }
    })();
    stopSender = async () => {
      sending = false;
      await sender;
    };

    await until(() => ws.messages(sessionId).length >= 20, 'some live messages before the cut');
    ws.terminate();
    await until(() => ws.closeCode !== null, 'the cut');
    const before = ws.messages(sessionId);
    const lastHeld = before.at(-1)!.seq;
    // Let the peer go on for a while with nobody listening.
    const missedFrom = sends.length;
    await until(() => sends.length >= missedFrom + 30, 'messages sent while cut');

    ws = await TestSocket.open(s.wsUrl, patient.token);
    expect((await ws.request({ type: 'subscribe', sessionId, lastSeq: lastHeld })).type).toBe('ack');
    await until(() => sends.length >= missedFrom + 60, 'messages sent after the resume');
    await stopSender();
    const results = await Promise.all(sends);
    expect(results.every((r) => r.status === 201)).toBe(true);

    const stored = await dbMessages(sessionId);
    const lastSeq = stored.at(-1)!.seq;
    await until(() => ws.messages(sessionId).at(-1)?.seq === lastSeq, 'the resumed socket to catch up');
    await Bun.sleep(100); // anything duplicated after the last seq would show up here
    const after = ws.messages(sessionId);
    expect(after.map((m) => m.seq)).toEqual(stored.filter((m) => m.seq > lastHeld).map((m) => m.seq));
    const seen = [...before, ...after].map((m) => ({ seq: m.seq, body: m.body }));
    expect(seen).toEqual(stored);
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    ws.close();
    await s.call('POST', `/api/v1/sessions/${sessionId}/end`, { token: patient.token });
  });

  test('subscribe with lastSeq beyond the session gives history_unavailable; the socket stays usable', async () => {
    const p = await s.guest('Future');
    const session = await s.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'x' } });
    const ws = await TestSocket.open(s.wsUrl, p.token);
    const res = await ws.request({ type: 'subscribe', sessionId: session.body.id, lastSeq: session.body.lastSeq + 5 });
    expect(res.type === 'error' && res.code).toBe('history_unavailable');
    expect((await ws.request({ type: 'subscribe', sessionId: session.body.id, lastSeq: 0 })).type).toBe('ack');
    ws.close();
    await s.call('POST', `/api/v1/sessions/${session.body.id}/end`, { token: p.token });
  });

  test('logout closes the sockets of that token with 1008', async () => {
    const p = await s.guest('Leaver');
    const ws = await TestSocket.open(s.wsUrl, p.token);
    expect((await s.call('POST', '/api/v1/auth/logout', { token: p.token })).status).toBe(204);
    await until(() => ws.closeCode !== null, 'the revoked socket to close');
    expect(ws.closeCode).toBe(1008);
    await expect(TestSocket.open(s.wsUrl, p.token)).rejects.toThrow();
  });

  test('a password change closes the sockets of the account’s other devices, not the one that changed it', async () => {
    const email = 'nurse.pat@demo.clinic';
    expect(
      (await s.call('POST', '/api/v1/employees', { token: admin.token, body: { email, displayName: 'Nurse Pat', password: 'first-password-1' } })).status,
    ).toBe(201);
    const signIn = async () => (await s.call('POST', '/api/v1/auth/login', { body: { email, password: 'first-password-1' } })).body.token as string;
    const [desk, phone] = [await signIn(), await signIn()];
    const deskWs = await TestSocket.open(s.wsUrl, desk);
    const phoneWs = await TestSocket.open(s.wsUrl, phone);
    const changed = await s.call('PUT', '/api/v1/employees/me/password', {
      token: desk,
      body: { currentPassword: 'first-password-1', newPassword: 'second-password-2' },
    });
    expect(changed.status).toBe(204);
    await until(() => phoneWs.closeCode !== null, 'the other device’s socket to close');
    expect(phoneWs.closeCode).toBe(1008);
    // The desk, where the password was changed, stays connected and signed in.
    expect(deskWs.closeCode).toBeNull();
    expect((await s.call('GET', '/api/v1/auth/me', { token: desk })).status).toBe(200);
    expect((await s.call('GET', '/api/v1/auth/me', { token: phone })).status).toBe(401);
    deskWs.close();
  });
});

describe('disconnect grace', () => {
  test('an employee back within the grace keeps the session; one who stays away loses it (reason disconnected)', async () => {
    const { graceSeconds } = (await s.call('GET', '/api/v1/clinic/settings', { token: admin.token })).body;
    expect((await s.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { graceSeconds: 1 } })).body.graceSeconds).toBe(1);
    const sam = await s.login('nurse.sam@demo.clinic');
    const samWs = await TestSocket.open(s.wsUrl, sam.token);
    const { employee: lee, patient, sessionId } = await freshChat('dr.lee@demo.clinic');
    const openAssignment = async () =>
      (await query<{ employee_id: string }>(s.ctx.db, sql`select employee_id from assignments where session_id = ${sessionId} and ended_at is null`))[0]
        ?.employee_id;

    const lostAt = async () =>
      (await query<{ lost: boolean }>(s.ctx.db, sql`select presence_lost_at is not null as lost from users where id = ${lee.user.id}`))[0]!.lost;
    const connections = async () =>
      (await query<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from connections where user_id = ${lee.user.id}`))[0]!.n;
    // The grace (1 s, by the database's clock) runs out at once: whatever moment a lost presence was stamped, it moves
    // a minute back, instead of the test sleeping past it.
    const graceOver = () => s.ctx.db.execute(sql`update users set presence_lost_at = presence_lost_at - interval '1 minute' where id = ${lee.user.id}`);
    let leeWs = await TestSocket.open(s.wsUrl, lee.token);
    leeWs.terminate();
    leeWs = await TestSocket.open(s.wsUrl, lee.token);
    await until(async () => (await connections()) === 1, "the dropped socket's connection row to go");
    // Past the grace, then a sweep: still Lee's.
    await graceOver();
    await sweep(s.ctx, s.hub);
    expect(await openAssignment()).toBe(lee.user.id);
    const [row] = await query<{ presence_lost_at: Date | null }>(s.ctx.db, sql`select presence_lost_at from users where id = ${lee.user.id}`);
    expect(row!.presence_lost_at).toBeNull();

    // Sam becomes available, Lee drops for good: once the grace is over, the sweeper hands the session over.
    await samWs.request({ type: 'availability.set', availability: 'available' });
    leeWs.terminate();
    await until(lostAt, "Lee's grace period to start");
    await graceOver();
    await sweep(s.ctx, s.hub);
    expect(await openAssignment()).toBe(sam.user.id);
    const history = (await s.call('GET', `/api/v1/sessions/${sessionId}/assignments`, { token: admin.token })).body.assignments;
    expect(history.map((a: any) => [a.employee.id, a.endReason])).toEqual([
      [lee.user.id, 'disconnected'],
      [sam.user.id, null],
    ]);
    const me = await s.call('GET', '/api/v1/auth/me', { token: lee.token });
    expect(me.body.availability).toBe('offline');
    await samWs.waitFor((e) => e.type === 'employee.assigned' && e.session.id === sessionId, 10_000);
    samWs.close();
    await s.call('POST', `/api/v1/sessions/${sessionId}/end`, { token: patient.token });
    // The tests after this one get the clinic as it was.
    await s.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { graceSeconds } });
  });
});

describe('limits on a socket', () => {
  test('a frame over 64 KB closes the socket with 1009; a frame over 16 KB gets payload_too_large and the socket lives', async () => {
    const p = await s.guest('Big');
    const ws = await TestSocket.open(s.wsUrl, p.token);
    ws.send(JSON.stringify({ type: 'typing.start', sessionId: crypto.randomUUID(), pad: 'x'.repeat(20 * 1024) }));
    const tooLarge = await ws.waitFor((e) => e.type === 'error');
    expect(tooLarge.type === 'error' && tooLarge.code).toBe('payload_too_large');
    ws.send('x'.repeat(65 * 1024));
    await until(() => ws.closeCode !== null, 'the oversized frame to close the socket');
    expect(ws.closeCode).toBe(1009);
  });

  test('a flood gets rate_limited error frames, then close 4008; another client is unaffected', async () => {
    const flooder = await s.guest('Flood');
    const calm = await s.guest('Calm');
    const fws = await TestSocket.open(s.wsUrl, flooder.token);
    const cws = await TestSocket.open(s.wsUrl, calm.token);
    // Past a fresh socket's first burst (2 s of frames plus one subscribe per chat a user can hold) and 10 violations.
    for (let i = 0; i < 200; i++) fws.send({ type: 'typing.stop', sessionId: crypto.randomUUID() });
    await until(() => fws.closeCode !== null, 'the flooder to be closed');
    expect(fws.closeCode).toBe(4008);
    expect(fws.events.filter((e) => e.type === 'error' && e.code === 'rate_limited').length).toBeGreaterThan(0);
    const r = await cws.request({ type: 'subscribe', sessionId: crypto.randomUUID(), lastSeq: 0 });
    expect(r.type === 'error' && r.code).toBe('session_not_found');
    expect(cws.events.some((e) => e.type === 'error' && e.code === 'rate_limited')).toBe(false);
    cws.close();
  });

  test('a client that stops reading is closed, not starved, and resumes without loss', async () => {
    const { patient, sessionId } = await freshChat('nurse.joy@demo.clinic');
    // History large enough to overrun the 1 MB send buffer plus the kernel's socket buffers.
    const body = 'z'.repeat(4000);
    const start = (await query<{ n: number }>(s.ctx.db, sql`select last_seq as n from chat_sessions where id = ${sessionId}`))[0]!.n;
    const total = 3000;
    await s.ctx.db.execute(sql`
      insert into messages (session_id, seq, sender_id, kind, body, client_msg_id)
      select ${sessionId}, ${start} + g, ${patient.user.id}, 'text', ${body}, 'bulk-' || g from generate_series(1, ${total}) g`);
    await s.ctx.db.execute(sql`update chat_sessions set last_seq = last_seq + ${total} where id = ${sessionId}`);

    const url = new URL(s.wsUrl);
    const raw = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    raw.write(
      `GET ${url.pathname}?ticket=${await socketTicket(s.wsUrl, patient.token)} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await new Promise<void>((resolve) => raw.once('data', () => resolve()));
    const liveRows = async () =>
      (await query<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from connections where user_id = ${patient.user.id}`))[0]!.n;
    await until(async () => (await liveRows()) === 1, 'the raw socket to be registered');
    raw.pause();
    // A masked client frame: subscribe from seq 0.
    const payload = Buffer.from(JSON.stringify({ type: 'subscribe', sessionId, lastSeq: 0 }));
    const mask = Buffer.from(crypto.getRandomValues(new Uint8Array(4)));
    const header =
      payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]);
    raw.write(Buffer.concat([header, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]));
    await until(async () => (await liveRows()) === 0, 'the server to close the slow consumer', 30_000);
    raw.destroy();

    const ws = await TestSocket.open(s.wsUrl, patient.token);
    await ws.request({ type: 'subscribe', sessionId, lastSeq: 0 });
    const stored = await dbMessages(sessionId);
    await until(() => ws.messages(sessionId).length === stored.length, 'the full replay', 30_000);
    expect(ws.messages(sessionId).map((m) => m.seq)).toEqual(stored.map((m) => m.seq));
    ws.close();
    await s.call('POST', `/api/v1/sessions/${sessionId}/end`, { token: patient.token });
  }, 60_000);
});
