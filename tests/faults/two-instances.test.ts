/**
 * docs/requirements.md#operations: two real server processes on one Postgres. A patient on instance A and an employee on
 * instance B chat through LISTEN/NOTIFY; then A is killed with SIGKILL while both sides send. The patient reconnects
 * to B, resubscribes from its last seq and resends what was not acked (same clientMsgId). Afterwards every acked
 * message is stored exactly once, seqs have no gaps, and each side saw the DB list exactly once, in order.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import type { Subprocess } from 'bun';
import postgres from 'postgres';
import { UNLIMITED } from '../helpers/limits';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { TestSocket } from '../helpers/socket';
import { until } from '../helpers/until';
import { DEMO_PASSWORD } from '../../server/src/db/seed';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const root = new URL('../../', import.meta.url).pathname;
let database: TestDatabase;
const procs: Subprocess[] = [];
const urls: string[] = [];

function freePort(): number {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function call(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  if (!onPostgres) return;
  database = await createTestDatabase();
  const env = { ...process.env, ...UNLIMITED, DATABASE_URL: database.url!, LOG_LEVEL: 'warn', SWEEP_INTERVAL_MS: '200' };
  const seed = Bun.spawn(['bun', 'run', 'server/src/cli.ts', 'seed-demo'], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
  expect(await seed.exited).toBe(0);
  for (let i = 0; i < 2; i++) {
    const port = freePort();
    procs.push(Bun.spawn(['bun', 'run', 'server/src/index.ts'], { cwd: root, env: { ...env, PORT: String(port) }, stdout: 'ignore', stderr: 'inherit' }));
    urls.push(`http://127.0.0.1:${port}`);
  }
  for (const url of urls) await until(async () => (await fetch(`${url}/readyz`)).ok, `${url} to be ready`, 30_000);
}, 60_000);

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && !p.killed) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await database?.drop();
});

const wsUrl = (base: string) => base.replace('http', 'ws') + '/api/v1/socket';

interface Side {
  name: string;
  token: string;
  ws: TestSocket;
  /** Sockets this side used, in order; their message lists together are what the side saw. */
  history: TestSocket[];
  acked: Map<string, number>;
}

/** The messages a side saw across its sockets, in arrival order. */
const seen = (side: Side, sessionId: string) => side.history.flatMap((ws) => ws.messages(sessionId));

describe.skipIf(!onPostgres)('two instances, one killed (Postgres)', () => {
  test('chat across instances, kill -9 one mid-stream: no acked message lost or doubled, no seq gaps', async () => {
    const [A, B] = urls as [string, string];
    const joy = (await call(B, 'POST', '/api/v1/auth/login', undefined, { email: 'nurse.joy@demo.clinic', password: DEMO_PASSWORD })).body;
    expect((await call(B, 'PUT', '/api/v1/employees/me/availability', joy.token, { availability: 'available' })).status).toBe(200);
    const pat = (await call(A, 'POST', '/api/v1/auth/guest', undefined, { siteKey: 'demo', displayName: 'Pat' })).body;
    const session = await call(A, 'POST', '/api/v1/sessions', pat.token, { reason: 'Two instances' });
    expect(session.body.employee.id).toBe(joy.user.id);
    const sessionId = session.body.id as string;

    const patient: Side = { name: 'p', token: pat.token, ws: await TestSocket.open(wsUrl(A), pat.token), history: [], acked: new Map() };
    const employee: Side = { name: 'e', token: joy.token, ws: await TestSocket.open(wsUrl(B), joy.token), history: [], acked: new Map() };
    for (const side of [patient, employee]) {
      side.history.push(side.ws);
      expect((await side.ws.request({ type: 'subscribe', sessionId, lastSeq: 0 })).type).toBe('ack');
    }

    // Normal chat: each side's message reaches the other instance through LISTEN/NOTIFY.
    const hello = await patient.ws.request({ type: 'message.send', sessionId, clientMsgId: 'p-hello', body: 'hello from A' });
    expect(hello.type).toBe('ack');
    await employee.ws.waitFor((e) => e.type === 'message.created' && e.message.body === 'hello from A');
    await employee.ws.request({ type: 'message.send', sessionId, clientMsgId: 'e-hello', body: 'hello from B' });
    await patient.ws.waitFor((e) => e.type === 'message.created' && e.message.body === 'hello from B');

    /** Sends until acked, reconnecting to B and resubscribing when the socket died: the SDK's outbox in small. */
    async function sendReliably(side: Side, clientMsgId: string) {
      for (let attempt = 0; attempt < 20; attempt++) {
        if (side.ws.closeCode === null) {
          try {
            const r = await side.ws.request({ type: 'message.send', sessionId, clientMsgId, body: clientMsgId }, 2000);
            if (r.type === 'ack' && r.message) return void side.acked.set(clientMsgId, r.message.seq);
            if (r.type === 'error' && r.code === 'rate_limited') {
              await Bun.sleep(200);
              continue;
            }
            throw new Error(`send refused: ${JSON.stringify(r)}`);
          } catch (error) {
            if ((error as Error).message.startsWith('send refused')) throw error;
          }
        }
        if (side.ws.closeCode !== null) {
          const held = seen(side, sessionId).at(-1)?.seq ?? 0;
          const ws = await TestSocket.open(wsUrl(B), side.token).catch(() => null);
          if (!ws) {
            await Bun.sleep(200);
            continue;
          }
          side.ws = ws;
          side.history.push(ws);
          const sub = await ws.request({ type: 'subscribe', sessionId, lastSeq: held });
          expect(sub.type).toBe('ack');
        }
      }
      throw new Error(`${clientMsgId} never acked`);
    }

    let running = true;
    const loop = (side: Side) =>
      (async () => {
        for (let i = 0; running; i++) {
          await sendReliably(side, `${side.name}-${i}`);
          await Bun.sleep(60);
        }
      })();
    const loops = [loop(patient), loop(employee)];
    await until(() => patient.acked.size >= 15 && employee.acked.size >= 15, 'traffic before the kill');
    procs[0]!.kill('SIGKILL');
    await procs[0]!.exited;
    await until(() => patient.history.length >= 2 && patient.acked.size >= 40 && employee.acked.size >= 40, 'traffic after the kill', 30_000);
    running = false;
    await Promise.all(loops);

    const sql = postgres(database.url!, { max: 1, onnotice: () => {} });
    try {
      const stored = await sql<
        { seq: number; body: string; client_msg_id: string | null }[]
      >`select seq, body, client_msg_id from messages where session_id = ${sessionId} order by seq`;
      const seqs = stored.map((m) => m.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      const byClientId = new Map<string, number[]>();
      for (const m of stored) if (m.client_msg_id) byClientId.set(m.client_msg_id, [...(byClientId.get(m.client_msg_id) ?? []), m.seq]);
      for (const side of [patient, employee]) {
        for (const [id, seq] of side.acked) expect(byClientId.get(id)).toEqual([seq]);
      }
      // Each side's view, across its sockets, is the DB list: once each, in order.
      const last = seqs.at(-1)!;
      for (const side of [patient, employee]) {
        await until(() => side.ws.messages(sessionId).at(-1)?.seq === last, `${side.name} to catch up`);
        expect(seen(side, sessionId).map((m) => ({ seq: m.seq, body: m.body }))).toEqual(stored.map((m) => ({ seq: m.seq, body: m.body })));
      }
      expect(patient.history.length).toBeGreaterThanOrEqual(2);
    } finally {
      await sql.end();
    }
    for (const side of [patient, employee]) side.ws.close();
  }, 60_000);
});
