import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { createTestApp, guest, login, type TestApp } from '../helpers/app';
import { query } from '../helpers/digest';
import { photoWithGps } from '../helpers/files';
import { startS3Server, type S3Server } from '../helpers/s3';
import { purgeExpiredSessions } from '../../server/src/modules/retention/service';

// The same guarantees with the bytes in S3-compatible storage: stored there (not in the database), stripped of
// metadata, served through the API, and deleted with their session.
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

test('a photo goes to the bucket without its EXIF, is served to the nurse, and retention deletes it from the bucket', async () => {
  const joy = await login(t, 'nurse.joy@demo.clinic');
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  const patient = await guest(t, 'Bucket Patient');
  const session = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Wound check' } })).body;

  const res = await t.app.handle(
    new Request(`http://localhost/api/v1/sessions/${session.id}/attachments?clientId=p1&name=wound.jpg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${patient.token}` },
      body: await photoWithGps(),
    }),
  );
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
