import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { createTestApp, guest, login, type TestApp } from '../helpers/app';
import { query } from '../helpers/digest';
import { photoWithGps } from '../helpers/files';
import { startS3Server, type S3Server } from '../helpers/s3';
import { cleanUpAttachments, PENDING_MINUTES } from '../../server/src/modules/attachments/cleanup';
import { purgeExpiredSessions } from '../../server/src/modules/retention/service';

// The same guarantees with the bytes in S3-compatible storage: stored there (not in the database), stripped of
// metadata, served through the API, deleted with their session, and nothing left in the bucket that nothing refers to.
setDefaultTimeout(60_000);

let s3: S3Server;
let t: TestApp;

beforeAll(async () => {
  s3 = await startS3Server();
  t = await createTestApp(s3.env);
}, 60_000);
afterAll(async () => {
  await t?.close();
  await s3?.stop();
});

/** A phone photo uploaded into the session, as the widget sends it. */
const uploadPhoto = async (token: string, sessionId: string, clientId: string) =>
  t.app.handle(
    new Request(`http://localhost/api/v1/sessions/${sessionId}/attachments?clientId=${clientId}&name=photo.jpg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: await photoWithGps(),
    }),
  );

test('a photo goes to the bucket without its EXIF, is served to the nurse, and retention deletes it from the bucket', async () => {
  const joy = await login(t, 'nurse.joy@demo.clinic');
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  const patient = await guest(t, 'Bucket Patient');
  const session = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Wound check' } })).body;

  const res = await uploadPhoto(patient.token, session.id, 'p1');
  expect(res.status).toBe(201);
  const attachment = (await res.json()) as { id: string };
  expect(await s3.count('attachments/')).toBe(2); // the photo and its thumbnail
  expect((await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from attachment_blobs`))[0]!.n).toBe(0);

  const sent = await t.call('POST', `/api/v1/sessions/${session.id}/messages`, {
    token: patient.token,
    body: { clientMsgId: 'm1', body: 'Here it is', attachmentIds: [attachment.id] },
  });
  expect(sent.status).toBe(201);
  const link = await t.call('GET', `/api/v1/attachments/${attachment.id}/link`, { token: joy.token });
  const file = await t.app.handle(new Request(`http://localhost${link.body.url}`));
  expect(file.status).toBe(200);
  const meta = await sharp(new Uint8Array(await file.arrayBuffer())).metadata();
  expect(meta.format).toBe('jpeg');
  expect(meta.exif).toBeUndefined();

  await t.call('POST', `/api/v1/sessions/${session.id}/end`, { token: patient.token });
  await t.ctx.db.execute(sql`update clinics set retention_days = 1`);
  await t.ctx.db.execute(sql`update chat_sessions set ended_at = now() - interval '2 days' where id = ${session.id}`);
  expect(await purgeExpiredSessions(t.ctx)).toBe(1);
  expect(await s3.count('attachments/')).toBe(0);
});

test('the bucket keeps nothing nobody refers to: an unclaimed upload and a blob whose row never committed are deleted', async () => {
  const patient = await guest(t, 'Orphan Patient');
  const session = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Orphans' } })).body;
  const res = await uploadPhoto(patient.token, session.id, 'o1');
  expect(res.status).toBe(201);
  // What a process killed between the bytes and the row leaves: a blob in the bucket and its pending key.
  await t.ctx.db.execute(sql`insert into pending_blobs (key) values ('leaked-key')`);
  await t.ctx.blobs.put('leaked-key', new Uint8Array([1, 2, 3]), 'image/jpeg');
  expect(await s3.count('attachments/')).toBe(3);

  await t.ctx.db.execute(sql`update attachments set created_at = now() - interval '2 days' where session_id = ${session.id}`);
  await t.ctx.db.execute(sql`update pending_blobs set created_at = now() - make_interval(mins => ${PENDING_MINUTES + 1})`);
  expect(await cleanUpAttachments(t.ctx)).toMatchObject({ unclaimed: 1, pendingBlobs: 1 });
  expect(await s3.count('attachments/')).toBe(0);
  expect((await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from pending_blobs`))[0]!.n).toBe(0);
});
