/**
 * Uploads across `kill -9` of the server receiving them. A patient's phone sends half of a photo, the server dies:
 * nothing of it is visible afterwards (no attachment row; nothing to send or to download), and the phone's retry
 * with the same client id, to the server that replaces it, stores the whole photo once. Many photos being decoded
 * and stored when the server dies: no attachment points at a missing blob, every blob stored is either an
 * attachment's or known by its pending key, and the next server's clean-up deletes the latter. Real server processes
 * on one database (a Postgres database, or the embedded one in a folder, which outlives its process), files in the
 * database.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import postgres from 'postgres';
import sharp from 'sharp';
import { PENDING_MINUTES } from '../../server/src/modules/attachments/cleanup';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { onStoppedDatabase, type RunSql } from '../helpers/stopped-database';
import { UNLIMITED } from '../helpers/limits';
import { until } from '../helpers/until';

// Two server starts on a loaded 2-core machine; nothing here asserts on time.
setDefaultTimeout(240_000);

const root = new URL('../../', import.meta.url).pathname;
let database: TestDatabase;
let dataDir: string | undefined;
/** The servers' temporary folder (where uploads are spooled), apart from the machine's. */
let spoolTmp: string;
let env: Record<string, string | undefined>;
const procs: Subprocess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = database.url ? undefined : mkdtempSync(join(tmpdir(), 'medchat-attachments-kill-'));
  spoolTmp = mkdtempSync(join(tmpdir(), 'medchat-attachments-kill-tmp-'));
  env = { ...process.env, ...UNLIMITED, DATABASE_URL: database.url ?? '', MEDCHAT_DATA_DIR: dataDir ?? '', TMPDIR: spoolTmp, LOG_LEVEL: 'warn' };
  const seed = Bun.spawn(['bun', 'run', 'server/src/cli.ts', 'seed-demo'], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
  expect(await seed.exited).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (spoolTmp) rmSync(spoolTmp, { recursive: true, force: true });
});

/** Runs SQL on the database while no server holds it (the embedded one is one process's at a time). */
const onDatabase = <T>(work: (run: RunSql) => Promise<T>) => onStoppedDatabase(database, dataDir, work);

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

/** Blobs nobody refers to, attachments without their blob, and the pending keys, as the database has them now. */
const blobCensus = (run: RunSql) =>
  Promise.all([
    run(`select count(*)::int as n from attachment_blobs b
         where not exists (select 1 from attachments a where b.key in (a.storage_key, a.thumbnail_key))
           and not exists (select 1 from pending_blobs p where p.key = b.key)`),
    run(`select count(*)::int as n from attachments a
         where not exists (select 1 from attachment_blobs b where b.key = a.storage_key)
            or (a.thumbnail_key is not null and not exists (select 1 from attachment_blobs b where b.key = a.thumbnail_key))`),
    run('select count(*)::int as n from pending_blobs'),
    run('select count(*)::int as n from attachment_blobs'),
    run('select count(*)::int as n from attachments'),
  ]).then(([orphans, broken, pending, blobs, rows]) => ({
    orphans: orphans[0]!.n as number,
    broken: broken[0]!.n as number,
    pending: pending[0]!.n as number,
    blobs: blobs[0]!.n as number,
    rows: rows[0]!.n as number,
  }));

test('photos being stored when the server is killed leave no half file and no blob that the clean-up does not delete', async () => {
  const photo = await sharp({ create: { width: 2400, height: 1800, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
  const first = await startServer();
  const post = (path: string, token: string | undefined, body: unknown) =>
    fetch(first.base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<any>);
  const patient = (await post('/api/v1/auth/guest', undefined, { siteKey: 'demo', displayName: 'Many Photos' })).token as string;
  const session = (await post('/api/v1/sessions', patient, { reason: 'Photos' })).id as string;

  // Twelve photos at once: a few are decoded and stored at a time, the others wait. On Postgres the server dies the
  // moment a pending key shows (an upload between its blobs and its row); the embedded database cannot be watched
  // from here while the server holds it, so there it dies when the first photo is stored, wherever the others are.
  let firstDone!: () => void;
  const oneStored = new Promise<void>((resolve) => (firstDone = resolve));
  const uploads = Array.from({ length: 12 }, (_, i) =>
    fetch(`${first.base}/api/v1/sessions/${session}/attachments?clientId=many-${i}&name=p${i}.jpg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${patient}` },
      body: photo as BodyInit,
    }).then(
      (r) => {
        if (r.status === 201) firstDone();
        return r.status;
      },
      () => 'cut' as const,
    ),
  );
  if (database.url) {
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      await until(async () => (await sql`select count(*)::int as n from pending_blobs`)[0]!.n > 0, 'an upload between its blobs and its row', 60_000, 1);
    } finally {
      await sql.end();
    }
  } else await oneStored;
  first.proc.kill('SIGKILL');
  expect(await first.proc.exited).not.toBe(0);
  const statuses = await Promise.all(uploads);
  expect(statuses).toContain('cut');

  const afterKill = await onDatabase(async (run) => {
    const census = await blobCensus(run);
    // As if an hour had passed: what is still pending now belongs to an upload that died.
    await run(`update pending_blobs set created_at = now() - make_interval(mins => ${PENDING_MINUTES + 1})`);
    return census;
  });
  expect(afterKill.broken).toBe(0);
  expect(afterKill.orphans).toBe(0);
  if (database.url) expect(afterKill.pending).toBeGreaterThan(0);
  else expect(afterKill.rows).toBeGreaterThanOrEqual(1);
  console.info(`attachments-kill: ${afterKill.rows} stored, ${afterKill.pending} pending keys left by the kill`);

  // The next server's first clean-up round (at start-up; a graceful stop waits for it) deletes the pending blobs.
  const second = await startServer();
  second.proc.kill('SIGTERM');
  expect(await second.proc.exited).toBe(0);
  const afterCleanup = await onDatabase(blobCensus);
  // A pending key may name a blob that was never written (the kill came first): the store then had nothing to delete.
  expect(afterCleanup).toEqual({ orphans: 0, broken: 0, pending: 0, blobs: afterKill.rows * 2, rows: afterKill.rows });
});
