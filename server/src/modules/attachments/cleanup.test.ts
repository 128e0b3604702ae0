import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { guest, type TestApp, useTestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { photoWithGps } from '../../../../tests/helpers/files';
import { cleanUpAttachments, deletePendingBlobs, PENDING_MINUTES } from './cleanup';
import type { BlobStore } from './storage';

setDefaultTimeout(60_000);

const t = useTestApp();
let patient: { token: string };
let sessionId: string;

beforeAll(async () => {
  patient = await guest(t, 'Cleanup Patient');
  sessionId = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'A photo' } })).body.id;
});

const keysOf = async (table: 'attachment_blobs' | 'pending_blobs') =>
  (await query<{ key: string }>(t.ctx.db, sql`select key from ${sql.identifier(table)} order by key`)).map((r) => r.key);

async function upload(app: TestApp, clientId: string) {
  const res = await app.app.handle(
    new Request(`http://localhost/api/v1/sessions/${sessionId}/attachments?clientId=${clientId}&name=p.jpg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${patient.token}` },
      body: await photoWithGps(),
    }),
  );
  return res.status;
}

/** The store, failing the `n`-th write from now on (as a store that went away mid-upload). */
function failingAt(store: BlobStore, n: number): BlobStore {
  let writes = 0;
  return {
    ...store,
    put: (key, bytes, type) => (++writes >= n ? Promise.reject(new Error('store went away')) : store.put(key, bytes, type)),
    get: (key) => store.get(key),
    delete: (keys) => store.delete(keys),
  };
}

describe('blobs whose row never committed', () => {
  test('an upload that completes leaves no pending key, and its blobs stay', async () => {
    expect(await upload(t, 'whole')).toBe(201);
    expect(await keysOf('pending_blobs')).toEqual([]);
    const blobs = await keysOf('attachment_blobs');
    expect(blobs.length).toBe(2);
    await t.ctx.db.execute(sql`update attachment_blobs set created_at = now() - interval '2 days'`);
    expect(await deletePendingBlobs(t.ctx, 0)).toBe(0);
    expect(await keysOf('attachment_blobs')).toEqual(blobs);
  });

  test('a blob stored before the upload failed is known by its pending key, kept while fresh, deleted once stale', async () => {
    const store = t.ctx.blobs;
    const before = await keysOf('attachment_blobs');
    t.ctx.blobs = failingAt(store, 2); // the photo is stored, its thumbnail is not
    try {
      expect(await upload(t, 'cut')).toBe(500);
    } finally {
      t.ctx.blobs = store;
    }
    const leaked = (await keysOf('attachment_blobs')).filter((k) => !before.includes(k));
    expect(leaked.length).toBe(1);
    const pending = await keysOf('pending_blobs');
    expect(pending).toContain(leaked[0]!);
    expect(pending.length).toBe(2);

    // Fresh: an upload may still be under way.
    expect(await cleanUpAttachments(t.ctx)).toMatchObject({ pendingBlobs: 0 });
    expect(await keysOf('attachment_blobs')).toContain(leaked[0]!);

    await t.ctx.db.execute(sql`update pending_blobs set created_at = now() - make_interval(mins => ${PENDING_MINUTES + 1})`);
    expect(await cleanUpAttachments(t.ctx)).toMatchObject({ pendingBlobs: 2 });
    expect(await keysOf('attachment_blobs')).toEqual(before);
    expect(await keysOf('pending_blobs')).toEqual([]);
  });

  test('the retry after a failed upload is a first upload, stored once', async () => {
    expect(await upload(t, 'cut')).toBe(201);
    expect(await upload(t, 'cut')).toBe(200);
    expect(await keysOf('pending_blobs')).toEqual([]);
  });
});
