/**
 * Webhooks across `kill -9` of the sender (docs/webhooks.md#delivery). Real server processes on one database (a
 * Postgres database, or without TEST_DATABASE_URL the embedded one in a folder, which outlives its process) and a
 * receiver on loopback that verifies every Standard Webhooks signature:
 *
 * 1. The first server commits whole chats (session events and messages) while its dispatcher has not run yet, and
 *    is killed with SIGKILL: the events are committed, none delivered.
 * 2. The second server starts sending them to a slow receiver, commits more chats, and is killed with SIGKILL
 *    while requests are in flight: the receiver got them, the sender never recorded it.
 * 3. The third server sends the rest.
 *
 * Then the receiver has every committed event, each exactly once after removing repeats by `webhook-id` (and at
 * least one repeat happened), per session in the order of the outbox, and nothing the database does not hold.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { onStoppedDatabase, type RunSql } from '../helpers/stopped-database';
import { UNLIMITED } from '../helpers/limits';
import { until } from '../helpers/until';
import { WebhookReceiver } from '../helpers/webhook-receiver';

// Three server starts on a loaded 2-core machine; nothing here asserts on time.
setDefaultTimeout(240_000);

const root = new URL('../../', import.meta.url).pathname;
const receiver = new WebhookReceiver();
let database: TestDatabase;
let dataDir: string | undefined;
let env: Record<string, string | undefined>;
const procs: Subprocess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = database.url ? undefined : mkdtempSync(join(tmpdir(), 'medchat-webhooks-kill-'));
  env = {
    ...process.env,
    ...UNLIMITED,
    DATABASE_URL: database.url ?? '',
    MEDCHAT_DATA_DIR: dataDir ?? '',
    LOG_LEVEL: 'warn',
    WEBHOOKS_ALLOW_PRIVATE: '1',
  };
  const seed = Bun.spawn(['bun', 'run', 'server/src/cli.ts', 'seed-demo'], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
  expect(await seed.exited).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  receiver.stop();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function freePort(): number {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

/** A server process; `sweepMs` is also how often it sends webhooks (its first round comes only after that). */
async function startServer(sweepMs: number) {
  const port = freePort();
  const proc = Bun.spawn(['bun', 'run', 'server/src/index.ts'], {
    cwd: root,
    env: { ...env, PORT: String(port), SWEEP_INTERVAL_MS: String(sweepMs) },
    stdout: 'ignore',
    stderr: 'inherit',
  });
  procs.push(proc);
  const base = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok === true, `${base} to be ready`, 90_000);
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const login = async (email: string) => (await call('POST', '/api/v1/auth/login', undefined, { email, password: DEMO_PASSWORD })).token as string;
  /** A whole chat with Joy: started, assigned, three messages, ended; every answer after its commit. */
  const chat = async (joy: string, n: number) => {
    const patient = (await call('POST', '/api/v1/auth/guest', undefined, { siteKey: 'demo', displayName: `Patient ${n}` })).token as string;
    const id = (await call('POST', '/api/v1/sessions', patient, { reason: 'a question' })).id as string;
    const say = (token: string, body: string) => call('POST', `/api/v1/sessions/${id}/messages`, token, { clientMsgId: crypto.randomUUID(), body });
    await say(patient, `hello ${n}`);
    await say(joy, `hi ${n}`);
    await say(patient, `thanks ${n}`);
    await call('POST', `/api/v1/sessions/${id}/end`, patient);
    return id;
  };
  return { proc, call, login, chat };
}

async function kill(proc: Subprocess) {
  proc.kill('SIGKILL');
  expect(await proc.exited).not.toBe(0);
}

/** Runs SQL on the database while no server holds it (the embedded one is one process's at a time). */
const onDatabase = <T>(work: (run: RunSql) => Promise<T>) => onStoppedDatabase(database, dataDir, work);

test('every committed event arrives, once after de-duplication and in order per session, across two SIGKILLs of the sender', async () => {
  const events = ['session.started', 'session.assigned', 'session.transferred', 'session.requeued', 'session.ended', 'message.created'];
  const sessions: string[] = [];

  // 1. Killed after commit, before any delivery: its dispatcher's first round would come after a minute.
  const first = await startServer(60_000);
  const admin = await first.login('admin@demo.clinic');
  const endpoint = await first.call('POST', '/api/v1/webhooks', admin, { url: receiver.url, events });
  receiver.secrets = [endpoint.secret];
  let joy = await first.login('nurse.joy@demo.clinic');
  await first.call('PUT', '/api/v1/employees/me/availability', joy, { availability: 'available' });
  for (let n = 0; n < 4; n++) sessions.push(await first.chat(joy, n));
  expect(receiver.requests).toEqual([]);
  await kill(first.proc);

  // 2. Killed while requests are in flight to a slow receiver, with more chats committed meanwhile.
  receiver.delayMs = 1_500;
  const second = await startServer(200);
  joy = await second.login('nurse.joy@demo.clinic');
  await second.call('PUT', '/api/v1/employees/me/availability', joy, { availability: 'available' });
  for (let n = 4; n < 6; n++) sessions.push(await second.chat(joy, n));
  await until(() => receiver.inFlight > 0, 'a request in flight');
  await kill(second.proc);
  const before = receiver.requests.length;
  expect(before).toBeGreaterThan(0);

  // The dead server's claims are leased for a minute; let that time pass.
  await onDatabase((run) => run(`update webhook_deliveries set locked_until = now() - interval '1 second' where locked_until > now()`));

  // 3. A fresh server sends the rest to a receiver that answers at once.
  receiver.delayMs = 0;
  const third = await startServer(200);
  const admin3 = await third.login('admin@demo.clinic');
  await until(
    async () => {
      const { deliveries } = await third.call('GET', `/api/v1/webhooks/${endpoint.id}/deliveries`, admin3);
      return deliveries.length > 0 && deliveries.every((d: { status: string }) => d.status === 'delivered');
    },
    'every delivery delivered',
    120_000,
  );
  await until(() => receiver.inFlight === 0, 'the receiver to answer everything');
  await kill(third.proc);

  const stored = await onDatabase(
    (run) =>
      run(`select id::text as id, session_id::text as session_id, type from webhook_events order by seq`) as Promise<
        Array<{ id: string; session_id: string; type: string }>
      >,
  );
  // Every chat's events were committed, whole, before their server died.
  const perChat = ['session.started', 'session.assigned', 'message.created', 'message.created', 'message.created', 'session.ended'];
  for (const id of sessions) expect(stored.filter((e) => e.session_id === id).map((e) => e.type)).toEqual(perChat);
  expect(stored.length).toBe(sessions.length * perChat.length);

  expect(receiver.requests.every((r) => r.verified.length === 1)).toBe(true);
  // At least once: the in-flight requests of the second server were sent again.
  expect(receiver.requests.length).toBeGreaterThan(stored.length);
  // Exactly once after de-duplication, nothing the database does not hold, in order per session.
  expect(new Set(receiver.requests.map((r) => r.id))).toEqual(new Set(stored.map((e) => e.id)));
  for (const id of sessions) expect(receiver.unique(id).map((r) => r.id)).toEqual(stored.filter((e) => e.session_id === id).map((e) => e.id));
});
