/**
 * An upload across `kill -9` of the server receiving it: a patient's phone sends half of a photo, the server dies.
 * Nothing of it is visible afterwards (no attachment row; nothing to send or to download), and the phone's retry
 * with the same client id, to the server that replaces it, stores the whole photo once. Real server processes on one
 * database (a Postgres database, or the embedded one in a folder, which outlives its process), files in the database.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import sharp from 'sharp';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { UNLIMITED } from '../helpers/limits';
import { until } from '../helpers/until';

// Two server starts on a loaded 2-core machine; nothing here asserts on time.
setDefaultTimeout(240_000);

const root = new URL('../../', import.meta.url).pathname;
let database: TestDatabase;
let dataDir: string | undefined;
let env: Record<string, string | undefined>;
const procs: Subprocess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = database.url ? undefined : mkdtempSync(join(tmpdir(), 'medchat-attachments-kill-'));
  env = { ...process.env, ...UNLIMITED, DATABASE_URL: database.url ?? '', MEDCHAT_DATA_DIR: dataDir ?? '', LOG_LEVEL: 'warn' };
  const seed = Bun.spawn(['bun', 'run', 'server/src/cli.ts', 'seed-demo'], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
  expect(await seed.exited).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function freePort(): number {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function startServer() {
  const port = freePort();
  const proc = Bun.spawn(['bun', 'run', 'server/src/index.ts'], { cwd: root, env: { ...env, PORT: String(port) }, stdout: 'ignore', stderr: 'inherit' });
  procs.push(proc);
  const base = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok === true, `${base} to be ready`, 90_000);
  return { proc, base };
}

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });

test('a photo half sent when the server is killed leaves nothing; the retry stores it whole, once', async () => {
  const photo = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
  expect(photo.byteLength).toBeGreaterThan(200_000);

  const first = await startServer();
  const call = (base: string, method: string, path: string, token?: string, body?: unknown) =>
    fetch(base + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(json);
  const patient = (await call(first.base, 'POST', '/api/v1/auth/guest', undefined, { siteKey: 'demo', displayName: 'Kill Patient' })).body.token as string;
  const session = (await call(first.base, 'POST', '/api/v1/sessions', patient, { reason: 'A wound' })).body.id as string;
  const uploadPath = `/api/v1/sessions/${session}/attachments?clientId=photo-1&name=wound.jpg`;

  // Half the photo, then the server dies while it waits for the rest.
  let sentHalf!: () => void;
  const halfway = new Promise<void>((resolve) => (sentHalf = resolve));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(photo.subarray(0, photo.byteLength / 2));
      sentHalf();
    },
  });
  const cut = fetch(first.base + uploadPath, {
    method: 'POST',
    headers: { authorization: `Bearer ${patient}`, 'content-length': String(photo.byteLength) },
    body,
    duplex: 'half',
  } as RequestInit).catch((error: unknown) => error);
  await halfway;
  await Bun.sleep(300);
  first.proc.kill('SIGKILL');
  expect(await first.proc.exited).not.toBe(0);
  expect(await cut).toBeInstanceOf(Error);

  const second = await startServer();
  // Nothing of the cut upload: a send naming anything fails, and a retry is a first upload (201, not 200).
  const retry = await json(await fetch(second.base + uploadPath, { method: 'POST', headers: { authorization: `Bearer ${patient}` }, body: photo as BodyInit }));
  expect(retry.status).toBe(201);
  expect(retry.body).toMatchObject({ kind: 'image', width: 1200, height: 900 });
  const again = await json(await fetch(second.base + uploadPath, { method: 'POST', headers: { authorization: `Bearer ${patient}` }, body: photo as BodyInit }));
  expect(again).toEqual({ status: 200, body: retry.body });
  const sent = await call(second.base, 'POST', `/api/v1/sessions/${session}/messages`, patient, { clientMsgId: 'm', body: '', attachmentIds: [retry.body.id] });
  expect(sent.status).toBe(201);
  const file = await fetch(`${second.base}/api/v1/attachments/${retry.body.id}`, { headers: { authorization: `Bearer ${patient}` } });
  const meta = await sharp(new Uint8Array(await file.arrayBuffer())).metadata();
  expect([meta.width, meta.height]).toEqual([1200, 900]);
  second.proc.kill('SIGKILL');
  await second.proc.exited;
});
