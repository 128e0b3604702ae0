/**
 * Reply emails across `kill -9` of the sender (docs/emails.md#the-outbox). Real server processes on one database
 * and a real SMTP server on loopback that answers slowly while the second sender is killed:
 *
 * 1. The first server stores chats whose staff replies make emails due, and is killed with SIGKILL before its
 *    dispatcher runs: the rows are committed, nothing sent.
 * 2. The second server starts sending them to a slow SMTP server and is killed while messages wait for their 250:
 *    the SMTP server never accepted those.
 * 3. The third server sends the rest.
 *
 * Then each due email was accepted by the SMTP server exactly once, under its own Message-ID, and the outbox says sent.
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
import { header, SmtpReceiver } from '../helpers/smtp-receiver';
import { until } from '../helpers/until';

setDefaultTimeout(240_000);

const root = new URL('../../', import.meta.url).pathname;
const smtp = new SmtpReceiver();
let database: TestDatabase;
let dataDir: string | undefined;
let env: Record<string, string | undefined>;
const procs: Subprocess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = database.url ? undefined : mkdtempSync(join(tmpdir(), 'medchat-emails-kill-'));
  env = {
    ...process.env,
    ...UNLIMITED,
    DATABASE_URL: database.url ?? '',
    MEDCHAT_DATA_DIR: dataDir ?? '',
    LOG_LEVEL: 'warn',
    SMTP_URL: await smtp.start(),
    SMTP_FROM: 'care@mail.clinic.example',
  };
  const seed = Bun.spawn(['bun', 'run', 'server/src/cli.ts', 'seed-demo'], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
  expect(await seed.exited).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await smtp.stop();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function freePort(): number {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

/** A server process; `sweepMs` is also how often it sends emails (its first round comes only after that). */
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
  return { proc, call, login };
}

async function kill(proc: Subprocess) {
  proc.kill('SIGKILL');
  expect(await proc.exited).not.toBe(0);
}

/** Runs SQL on the database while no server holds it (the embedded one is one process's at a time). */
const onDatabase = <T>(work: (run: RunSql) => Promise<T>) => onStoppedDatabase(database, dataDir, work);

test('each due email is accepted by the SMTP server exactly once across two SIGKILLs of the sender', async () => {
  const CHATS = 6;
  // 1. Chats with staff replies, committed; killed before the dispatcher's first round (a minute away).
  const first = await startServer(60_000);
  const admin = await first.login('admin@demo.clinic');
  await first.call('PATCH', '/api/v1/clinic/settings', admin, { emailNotify: true, emailPageUrl: 'https://clinic.example/chat' });
  const joy = await first.login('nurse.joy@demo.clinic');
  await first.call('PUT', '/api/v1/employees/me/availability', joy, { availability: 'available' });
  for (let n = 0; n < CHATS; n++) {
    const patient = (await first.call('POST', '/api/v1/auth/guest', undefined, { siteKey: 'demo', displayName: `Patient ${n}` })).token as string;
    const id = (await first.call('POST', '/api/v1/sessions', patient, { reason: 'a question', notifyEmail: `patient${n}@mail.example` })).id as string;
    await first.call('POST', `/api/v1/sessions/${id}/messages`, joy, { clientMsgId: crypto.randomUUID(), body: `reply ${n}` });
    await first.call('POST', `/api/v1/sessions/${id}/end`, patient);
  }
  await kill(first.proc);
  // The first delay has passed for every one of them; the reminders stay an hour away.
  const due = await onDatabase(async (run) => {
    await run(`update email_notifications set next_attempt_at = now() - interval '1 second' where kind = 'first'`);
    return (await run(`select id::text as id from email_notifications where kind = 'first'`)).map((r) => r.id as string);
  });
  expect(due).toHaveLength(CHATS);

  // 2. Killed while messages wait for the SMTP server's 250.
  smtp.delayMs = 2_000;
  const second = await startServer(200);
  await until(() => smtp.inFlight > 0, 'an email in flight');
  await kill(second.proc);
  await until(() => smtp.inFlight === 0, 'the SMTP server to notice');
  expect(smtp.interrupted).toBeGreaterThan(0);
  await onDatabase((run) => run(`update email_notifications set locked_until = now() - interval '1 second' where locked_until > now()`));

  // 3. A fresh server sends the rest to an SMTP server that answers at once.
  smtp.delayMs = 0;
  const third = await startServer(200);
  const admin3 = await third.login('admin@demo.clinic');
  await until(
    async () => {
      const { emails } = await third.call('GET', '/api/v1/emails', admin3);
      return emails.filter((e: { kind: string; status: string }) => e.kind === 'first' && e.status === 'sent').length === CHATS;
    },
    'every due email sent',
    120_000,
  );
  await kill(third.proc);

  const ids = smtp.received.map((r) => header(r.raw, 'Message-ID'));
  expect(ids.toSorted()).toEqual(due.map((id) => `<${id}@mail.clinic.example>`).toSorted());
  expect(new Set(smtp.received.map((r) => r.to[0])).size).toBe(CHATS);
  expect(smtp.errors).toEqual([]);
});
