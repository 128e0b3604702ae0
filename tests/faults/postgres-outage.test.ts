/**
 * docs/requirements.md#operations: the database goes away from one instance and comes back. Instance A reaches Postgres through
 * a TCP proxy the test controls; instance B connects directly and keeps writing into a chat whose patient is
 * subscribed on A. While A's link is cut, A answers 503 `database_unavailable` quickly over HTTP, at the socket
 * handshake and with error frames on open sockets: never a hang, never a 500, and open sockets stay open. Once the
 * link is back, A recovers without a restart, its LISTEN connection hears B again, and the subscriber gets every
 * message it missed exactly once, in seq order. Three ways to lose the link: refused (Postgres restarting), blackholed
 * (nothing answers, then the partition heals), and blackholed with the connections open at the time never heard
 * from again (a firewall that forgot them), which only a fresh connection and the bus's own probe get past.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { sendHandshake } from '../fuzz/socket-handshakes';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { expectError } from '../helpers/expect';
import { startTestServer, type TestServer } from '../helpers/server';
import { socketTicket, TestSocket } from '../helpers/socket';
import { TcpProxy } from '../helpers/tcp-proxy';
import { until } from '../helpers/until';

/** docs/requirements.md#operations promises an answer within about 2 s while the database is away; the rest is slack for a loaded machine. */
const FAIL_FAST_MS = 3000;
/** How long an outage lasts: long enough for reconnect backoff to grow, short enough for a quick test. */
const OUTAGE_MS = 3000;
/** From the link coming back to A answering 200 again, and to missed messages arriving. */
const RECOVER_MS = 5000;

let database: TestDatabase;
let proxy: TcpProxy;
let a: TestServer;
let b: TestServer;
let employee: { token: string; user: { id: string } };

beforeAll(async () => {
  if (!onPostgres) return;
  database = await createTestDatabase();
  const target = new URL(database.url!);
  proxy = await TcpProxy.start({ hostname: target.hostname, port: Number(target.port || 5432) });
  a = await startTestServer({}, { url: proxy.url(database.url!), drop: async () => {} });
  b = await startTestServer({}, database);
  employee = await b.login('nurse.joy@demo.clinic');
  expect((await b.call('PUT', '/api/v1/employees/me/availability', { token: employee.token, body: { availability: 'available' } })).status).toBe(200);
}, 30_000);

afterAll(async () => {
  proxy?.restore();
  await a?.close();
  await b?.close();
  await proxy?.close();
  await database?.drop();
}, 30_000);

interface Answer {
  what: string;
  /** How the answer is judged: an HTTP error envelope (also a refused handshake's), the readiness body, a socket error frame. */
  kind: 'http' | 'readyz' | 'frame' | 'handshake';
  ms: number;
  status: number;
  body: any;
  retryAfter?: string | null;
}

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text; // not JSON: reported as it came
  }
};

/** One HTTP request to A, timed. A request that hangs is cut off well after the bound, so the test reports it. */
async function timed(what: string, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(a.url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  }).catch((error) => ({ status: 0, headers: new Headers(), text: async () => JSON.stringify({ hung: String(error) }) }));
  const kind = path === '/readyz' ? 'readyz' : 'http';
  const answer = parsed(await res.text());
  return { what, kind, ms: Math.round(performance.now() - started), status: res.status, body: answer, retryAfter: res.headers.get('retry-after') };
}

/** A raw WebSocket handshake with A, timed: the upgrade is decided before any 101. */
async function handshake(ticket: string): Promise<Answer> {
  const started = performance.now();
  const url = new URL(a.wsUrl);
  const answer = await sendHandshake(
    Number(url.port),
    `GET ${url.pathname}?ticket=${ticket} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const ms = Math.round(performance.now() - started);
  if (typeof answer === 'string') return { what: 'socket handshake', kind: 'handshake', ms, status: 0, body: answer };
  return {
    what: 'socket handshake',
    kind: 'handshake',
    ms,
    status: answer.status,
    body: parsed(answer.body),
    retryAfter: answer.headers['retry-after'] ?? null,
  };
}

/** A frame on an open socket to A, timed up to its ack or error frame. */
async function timedFrame(ws: TestSocket, frame: Record<string, unknown>): Promise<Answer> {
  const started = performance.now();
  const body = await ws.request(frame, 15_000).catch((error) => ({ hung: String(error) }));
  return { what: `socket ${frame.type}`, kind: 'frame', ms: Math.round(performance.now() - started), status: 0, body };
}

/** What the protocol documents for a request that needs the database while it is away. */
function isUnavailable(x: Answer): boolean {
  switch (x.kind) {
    case 'http':
    case 'handshake':
      return x.status === 503 && x.body?.error?.code === 'database_unavailable' && Number(x.retryAfter) > 0;
    case 'readyz':
      return x.status === 503 && x.body?.status === 'unavailable';
    case 'frame':
      return x.body?.type === 'error' && x.body.code === 'database_unavailable';
  }
}

/** A patient on A chatting with the employee on B, subscribed on a socket to A. */
async function freshChat(reason: string) {
  const patient = await a.guest(reason);
  const started = await a.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason } });
  expect(started.body.employee?.id).toBe(employee.user.id);
  const sessionId = started.body.id as string;
  const ws = await TestSocket.open(a.wsUrl, patient.token);
  expect((await ws.request({ type: 'subscribe', sessionId, lastSeq: 0 })).type).toBe('ack');
  let sent = 0;
  const fromB = async () => {
    const n = ++sent;
    const res = await b.call('POST', `/api/v1/sessions/${sessionId}/messages`, { token: employee.token, body: { clientMsgId: `b-${n}`, body: `from B ${n}` } });
    expect(res.status).toBe(201);
    return res.body as { seq: number; body: string };
  };
  const stored = async () => {
    const res = await b.call('GET', `/api/v1/sessions/${sessionId}/messages?limit=200`, { token: employee.token });
    return (res.body.messages as { seq: number; body: string }[]).map((m) => ({ seq: m.seq, body: m.body }));
  };
  const end = async () => {
    ws.close();
    // Through B, which always has the database: the employee is free for the next chat even if a check failed.
    await b.call('POST', `/api/v1/sessions/${sessionId}/end`, { token: patient.token });
  };
  return { patient, sessionId, ws, fromB, stored, end };
}

/**
 * Cuts A's database link, and while it is down checks that A fails fast everywhere while B keeps writing; then
 * restores it and checks that A recovers and its subscriber catches up. Returns what was measured.
 */
async function outage(cut: () => void, restore: () => void, recoverMs = RECOVER_MS) {
  const chat = await freshChat('Outage');
  const { patient, sessionId, ws, fromB } = chat;
  // What A's bus hears of this chat: proof that its LISTEN connection works, apart from any catch-up.
  const heard = new Set<number>();
  const unsubscribe = a.ctx.bus.subscribe((e) => void (e.t === 'message.created' && e.sessionId === sessionId && heard.add(e.seq)));
  const seen = () => ws.messages(sessionId).map((m) => ({ seq: m.seq, body: m.body }));
  try {
    const first = await fromB();
    await ws.waitFor((e) => e.type === 'message.created' && e.message.seq === first.seq);

    // Asked of B, spent on A (tickets are in the shared database): refused with 503 while A cannot reach it.
    const ticket = await socketTicket(b.wsUrl, patient.token);
    cut();
    const cutAt = Date.now();
    const answers: Answer[] = [];
    for (let round = 0; round < 2 || Date.now() - cutAt < OUTAGE_MS; round++) {
      const [, ...fromA] = await Promise.all([
        fromB(),
        timedFrame(ws, { type: 'message.send', sessionId, clientMsgId: `p-down-${round}`, body: 'while the database is away' }),
        timed('GET /api/v1/auth/me', 'GET', '/api/v1/auth/me', patient.token),
        timed('POST a message', 'POST', `/api/v1/sessions/${sessionId}/messages`, patient.token, { clientMsgId: `p-http-${round}`, body: 'while away' }),
        timed('POST /api/v1/auth/login', 'POST', '/api/v1/auth/login', undefined, { email: 'nurse.sam@demo.clinic', password: DEMO_PASSWORD }),
        timed('GET /readyz', 'GET', '/readyz'),
        handshake(ticket),
      ]);
      answers.push(...(fromA as Answer[]));
    }
    // Each answer within the bound and the documented one; the wrong ones are listed whole.
    const wrong = answers.filter((x) => x.ms >= FAIL_FAST_MS || !isUnavailable(x));
    expect(wrong.map((x) => ({ what: x.what, ms: x.ms, status: x.status, retryAfter: x.retryAfter, body: x.body }))).toEqual([]);
    for (const x of answers.filter((x) => x.kind === 'http' || x.kind === 'handshake')) expectError(x, 503, 'database_unavailable');
    // The socket outlived the outage: nothing closed it.
    expect(ws.closeCode).toBeNull();

    restore();
    const restoredAt = Date.now();
    await until(async () => (await timed('GET /api/v1/auth/me', 'GET', '/api/v1/auth/me', patient.token)).status === 200, 'A to answer 200 again', recoverMs);
    const recoveredMs = Date.now() - restoredAt;
    expect((await timed('GET /readyz', 'GET', '/readyz')).status).toBe(200);

    // Every message B wrote while A was cut off reaches A's subscriber: once each, in seq order, no gaps.
    const missed = await chat.stored();
    await until(() => ws.messages(sessionId).at(-1)?.seq === missed.at(-1)!.seq, 'the subscriber on A to catch up', recoverMs);
    const caughtUpMs = Date.now() - restoredAt;
    expect(seen()).toEqual(missed);

    // LISTEN is back, not only a one-off catch-up: A's bus hears B's next message itself, within a second.
    const hears = async () => {
      const { seq } = await fromB();
      return until(() => heard.has(seq), 'the notification', 1000).catch(() => false);
    };
    await until(hears, "A's LISTEN to hear B again", recoverMs);
    const listeningMs = Date.now() - restoredAt;

    // The same socket writes again, and the subscriber's view is still the stored list exactly.
    expect(await ws.request({ type: 'message.send', sessionId, clientMsgId: 'p-back', body: 'back again' })).toMatchObject({ type: 'ack' });
    const stored = await chat.stored();
    await until(() => ws.messages(sessionId).at(-1)?.seq === stored.at(-1)!.seq, 'the subscriber to see its own message', recoverMs);
    expect(seen()).toEqual(stored);
    return { answers: answers.length, slowestMs: Math.max(...answers.map((x) => x.ms)), recoveredMs, caughtUpMs, listeningMs, missed: missed.length };
  } finally {
    unsubscribe();
    restore();
    await chat.end();
  }
}

describe.skipIf(!onPostgres)('Postgres outage of one instance (through a TCP proxy)', () => {
  test('refused: connections closed and refused, 503 fast, then recovery and catch-up', async () => {
    const measured = await outage(
      () => proxy.refuse(),
      () => proxy.restore(),
    );
    console.info(`refused: ${JSON.stringify(measured)}`);
  }, 30_000);

  test('blackholed: connections hang, still 503 fast, then recovery and catch-up', async () => {
    const measured = await outage(
      () => proxy.blackhole(),
      () => proxy.restore(),
    );
    console.info(`blackholed: ${JSON.stringify(measured)}`);
  }, 30_000);

  test('blackholed, and the connections open then never heard again: new ones replace them, LISTEN too', async () => {
    const measured = await outage(
      () => proxy.blackhole(),
      () => proxy.restore({ stalled: 'lost' }),
      10_000,
    );
    console.info(`blackholed, stalled connections lost: ${JSON.stringify(measured)}`);
  }, 30_000);
});
