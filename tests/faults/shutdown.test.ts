/**
 * SIGTERM with sockets open and frames in flight: the server closes every socket with 1001 and lets the work of
 * frames and of closes finish before the database pool ends, so nothing runs on a closed database (it logged
 * `socket.close_failed CONNECTION_ENDED` warnings), and it exits 0. The demo process, on both databases.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { CLOSE_CODES } from '@medchat/sdk/protocol';
import { DEMO_PASSWORD, DEMO_STAFF } from '../../server/src/db/seed';
import { type LoggedServer, logLines, startLoggedServer } from '../helpers/logged-server';
import { startTestServer } from '../helpers/server';
import { TestSocket } from '../helpers/socket';
import { until } from '../helpers/until';

let server: LoggedServer;
beforeAll(async () => {
  server = await startLoggedServer();
}, 120_000);
afterAll(async () => {
  await server?.dispose();
});

async function post(path: string, body: unknown, token?: string) {
  const res = await fetch(`${server.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as any;
}

test('SIGTERM with open sockets and frames in flight: every socket closed with 1001, no warning or error logged, exit 0', async () => {
  const socketUrl = `${server.base.replace(/^http/, 'ws')}/api/v1/socket`;
  const sockets: TestSocket[] = [];
  // Staff who are available (their closes take them offline: database work) ...
  for (const member of DEMO_STAFF.filter((s) => s.role === 'employee')) {
    const { token } = await post('/api/v1/auth/login', { email: member.email, password: DEMO_PASSWORD });
    const socket = await TestSocket.open(socketUrl, token);
    expect(await socket.request({ type: 'availability.set', availability: 'available' })).toMatchObject({ type: 'ack' });
    sockets.push(socket);
  }
  // ... and patients in chats they follow.
  const chats: Array<{ socket: TestSocket; sessionId: string }> = [];
  for (let i = 0; i < 12; i++) {
    // Enough closes at once that, without waiting for them, some ran after the pool had ended.
    const { token } = await post('/api/v1/auth/guest', { siteKey: 'demo', displayName: `Patient ${i}` });
    const session = await post('/api/v1/sessions', { reason: 'a question' }, token);
    const socket = await TestSocket.open(socketUrl, token);
    expect(await socket.request({ type: 'subscribe', sessionId: session.id, lastSeq: 0 })).toMatchObject({ type: 'ack' });
    sockets.push(socket);
    chats.push({ socket, sessionId: session.id });
  }
  // Frames still being handled when the signal arrives.
  for (const { socket, sessionId } of chats) {
    for (let n = 0; n < 5; n++) socket.send({ type: 'message.send', sessionId, clientMsgId: crypto.randomUUID(), body: `message ${n}` });
  }

  expect(await server.stop()).toBe(0);
  await until(() => sockets.every((s) => s.closeCode !== null), 'every socket to see its close');
  expect(sockets.map((s) => s.closeCode)).toEqual(sockets.map(() => CLOSE_CODES.goingAway));

  const lines = logLines(server.output);
  expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['server.listening', 'server.draining', 'server.stopped']));
  const stopped = lines.find((l) => l.event === 'server.stopped')!;
  expect(stopped.sockets).toBe(sockets.length);
  expect(stopped.drainMs).toBeGreaterThanOrEqual(0);
  expect(lines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => `${l.event} ${JSON.stringify(l)}`)).toEqual([]);
  expect(server.output).not.toContain('CONNECTION_ENDED');
  // Nothing outside the logger either (an unhandled rejection, a runtime warning).
  expect(
    server.output
      .split('\n')
      .filter((l) => !l.startsWith('{'))
      .filter((l) => /error|unhandled|warn/i.test(l)),
  ).toEqual([]);
}, 120_000);

test('DRAIN_DELAY_SECONDS: from SIGTERM /readyz answers 503 draining while the instance still serves; then it drains', async () => {
  const token = 'drain-scrape-token-0123456789';
  const s = await startTestServer({ DRAIN_DELAY_SECONDS: '2', METRICS_TOKEN: token });
  try {
    const patient = await s.guest('Drain Patient');
    const socket = await TestSocket.open(s.wsUrl, patient.token);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);

    const drained = s.drain();
    const readiness = await fetch(`${s.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ status: 'draining', database: 'up', bus: 'listening' });
    const scrape = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text());
    expect(scrape).toMatch(/^medchat_draining 1$/m);
    // Still serving: a new sign-in and the open socket both work until the delay is over.
    expect((await s.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: 'Late Patient' } })).status).toBe(200);
    expect(await socket.request({ type: 'typing', sessionId: crypto.randomUUID(), isTyping: true })).toMatchObject({ type: 'error' });
    expect(socket.closeCode).toBeNull();

    await drained;
    await until(() => socket.closeCode !== null, 'the socket to be closed');
    expect(socket.closeCode).toBe(CLOSE_CODES.goingAway);
    expect(
      await fetch(`${s.url}/readyz`).then(
        () => 'answered',
        () => 'refused',
      ),
    ).toBe('refused');
  } finally {
    await s.database.drop();
  }
}, 60_000);
