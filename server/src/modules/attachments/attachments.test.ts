import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { guest, login, type TestApp, useTestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { expectError } from '../../../../tests/helpers/expect';
import { pdf, photoWithGps, pixelBomb, png } from '../../../../tests/helpers/files';
import { deleteUnclaimed } from './cleanup';

setDefaultTimeout(60_000);

const t = useTestApp();
type Who = { token: string; user: { id: string } };
let patient: Who;
let stranger: Who;
let joy: Who;
let sam: Who;
let admin: Who;
let sessionId: string;

interface UploadOptions {
  name?: string;
  clientId?: string;
  session?: string;
  headers?: Record<string, string>;
}

/** An upload as a browser sends it: the file as the body, whatever type it declares. */
async function upload(app: TestApp, who: Who, file: Uint8Array, options: UploadOptions = {}) {
  const { name = 'photo.jpg', clientId = crypto.randomUUID() as string, session = sessionId, headers = {} } = options;
  const query = new URLSearchParams({ clientId, name });
  const res = await app.app.handle(
    new Request(`http://localhost/api/v1/sessions/${session}/attachments?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/octet-stream', ...headers },
      body: file as BodyInit,
    }),
  );
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

async function fetchBytes(app: TestApp, path: string, token?: string) {
  const res = await app.app.handle(new Request(`http://localhost${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}

const count = async (table: 'attachments' | 'attachment_blobs') =>
  (await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]!.n;

beforeAll(async () => {
  joy = await login(t, 'nurse.joy@demo.clinic');
  sam = await login(t, 'nurse.sam@demo.clinic');
  admin = await login(t, 'admin@demo.clinic');
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  patient = await guest(t, 'Photo Sender');
  stranger = await guest(t, 'Someone Else');
  const started = await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Rash on my arm' } });
  sessionId = started.body.id;
  expect(started.body.employee.id).toBe(joy.user.id);
});

describe('upload', () => {
  test('a phone photo is stored re-encoded, upright and without its EXIF (no GPS, no camera)', async () => {
    const original = await photoWithGps();
    expect((await sharp(original).metadata()).exif).toBeDefined();
    const res = await upload(t, patient, original, { name: 'IMG_0042.jpg' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'image', contentType: 'image/jpeg', name: 'IMG_0042.jpg', width: 64, height: 48, thumbnail: true });
    const stored = await fetchBytes(t, `/api/v1/attachments/${res.body.id}`, patient.token);
    expect(stored.status).toBe(200);
    const meta = await sharp(stored.bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(Buffer.from(stored.bytes).includes('PhoneMaker')).toBe(false);
    const thumbnail = await fetchBytes(t, `/api/v1/attachments/${res.body.id}?variant=thumbnail`, patient.token);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(thumbnail.bytes).metadata()).width).toBeLessThanOrEqual(320);
  });

  test('the same client id again is the same attachment, never a second copy; other bytes under it are a conflict', async () => {
    const file = await png();
    const first = await upload(t, patient, file, { clientId: 'retry-1', name: 'chart.png' });
    expect(first.status).toBe(201);
    const [rows, blobs] = [await count('attachments'), await count('attachment_blobs')];
    const again = await upload(t, patient, file, { clientId: 'retry-1', name: 'chart.png' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect([await count('attachments'), await count('attachment_blobs')]).toEqual([rows, blobs]);
    expectError(await upload(t, patient, pdf(), { clientId: 'retry-1', name: 'other.pdf' }), 409, 'idempotency_conflict');
  });

  test('the type comes from the bytes: a PNG named .pdf is an image, a PDF named .png is a PDF', async () => {
    const pngAsPdf = await upload(t, patient, await png(), { name: 'letter.pdf', headers: { 'content-type': 'application/pdf' } });
    expect(pngAsPdf.body).toMatchObject({ kind: 'image', contentType: 'image/png' });
    const pdfAsPng = await upload(t, patient, pdf(), { name: 'scan.png', headers: { 'content-type': 'image/png' } });
    expect(pdfAsPng.body).toMatchObject({ kind: 'pdf', contentType: 'application/pdf', thumbnail: false, width: null });
  });

  const rawRefusal = async (file: Uint8Array, status: number, code: string, options: UploadOptions = {}) => {
    const before = [await count('attachments'), await count('attachment_blobs')];
    expectError(await upload(t, patient, file, options), status, code);
    expect([await count('attachments'), await count('attachment_blobs')]).toEqual(before);
  };

  test('refused, storing nothing: an empty file, an executable, a zip, text, a cut-off PDF, a pixel bomb', async () => {
    await rawRefusal(new Uint8Array(0), 422, 'file_unreadable');
    await rawRefusal(Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1'), 415, 'unsupported_file_type', { name: 'photo.jpg' });
    await rawRefusal(Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00', 'latin1'), 415, 'unsupported_file_type');
    await rawRefusal(Buffer.from('just some text, named like a photo'), 415, 'unsupported_file_type');
    await rawRefusal(pdf().subarray(0, 60), 422, 'file_unreadable');
    const bomb = pixelBomb();
    expect(bomb.byteLength).toBeLessThan(2000);
    await rawRefusal(bomb, 422, 'file_unreadable');
  });

  test("a file over the clinic's limit is refused before it is read (declared) and while it is read (streamed)", async () => {
    await t.ctx.db.execute(sql`update clinics set attachment_max_bytes = 2048`);
    try {
      const big = new Uint8Array(64 * 1024);
      await rawRefusal(big, 413, 'file_too_large');
      const streamed = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(1024));
          controller.close();
        },
      });
      const before = await count('attachments');
      const res = await t.app.handle(
        new Request(`http://localhost/api/v1/sessions/${sessionId}/attachments?clientId=s1&name=big.jpg`, {
          method: 'POST',
          headers: { authorization: `Bearer ${patient.token}` },
          body: streamed,
        }),
      );
      expect(res.status).toBe(413);
      expect(((await res.json()) as any).error).toMatchObject({ code: 'file_too_large', details: { maxBytes: 2048 } });
      expect(await count('attachments')).toBe(before);
    } finally {
      await t.ctx.db.execute(sql`update clinics set attachment_max_bytes = 10485760`);
    }
  });

  test('only who may write to the session uploads: not another patient, not a colleague who does not hold it', async () => {
    const file = await png();
    const before = await count('attachments');
    expectError(await upload(t, stranger, file), 404, 'session_not_found');
    expectError(await upload(t, sam, file), 404, 'session_not_found');
    expect(await count('attachments')).toBe(before);
  });
});

describe('sending and seeing', () => {
  let sent: any;
  let photoId: string;
  let letterId: string;

  test('a message carries its files in order, with or without words; history and the socket event show them', async () => {
    photoId = (await upload(t, patient, await photoWithGps(), { name: 'rash.jpg' })).body.id;
    letterId = (await upload(t, patient, pdf(), { name: 'referral.pdf' })).body.id;
    const res = await t.call('POST', `/api/v1/sessions/${sessionId}/messages`, {
      token: patient.token,
      body: { clientMsgId: 'with-files', body: '', attachmentIds: [letterId, photoId] },
    });
    expect(res.status).toBe(201);
    sent = res.body;
    expect(sent.body).toBe('');
    expect(sent.attachments.map((a: { id: string }) => a.id)).toEqual([letterId, photoId]);
    const replay = await t.call('POST', `/api/v1/sessions/${sessionId}/messages`, {
      token: patient.token,
      body: { clientMsgId: 'with-files', body: '', attachmentIds: [letterId, photoId] },
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(sent);
    const history = await t.call('GET', `/api/v1/sessions/${sessionId}/messages?after=0`, { token: joy.token });
    expect(history.body.messages.find((m: { id: string }) => m.id === sent.id)).toEqual(sent);
  });

  test('a file goes out once: a second message cannot claim it; someone else cannot claim yours', async () => {
    const again = await t.call('POST', `/api/v1/sessions/${sessionId}/messages`, {
      token: patient.token,
      body: { clientMsgId: 'steal-1', body: 'again', attachmentIds: [photoId] },
    });
    expectError(again, 404, 'attachment_not_found');
    const mine = (await upload(t, patient, await png())).body.id;
    const byJoy = await t.call('POST', `/api/v1/sessions/${sessionId}/messages`, {
      token: joy.token,
      body: { clientMsgId: 'steal-2', body: 'mine now', attachmentIds: [mine] },
    });
    expectError(byJoy, 404, 'attachment_not_found');
    const empty = await t.call('POST', `/api/v1/sessions/${sessionId}/messages`, { token: patient.token, body: { clientMsgId: 'empty-1', body: '  ' } });
    expectError(empty, 400, 'invalid_request');
  });

  test('who sees a file: the patient, the nurse holding the chat, an admin; not another patient nor a colleague who never held it', async () => {
    for (const who of [patient, joy, admin]) expect((await fetchBytes(t, `/api/v1/attachments/${photoId}`, who.token)).status).toBe(200);
    for (const who of [stranger, sam]) expectError(await t.call('GET', `/api/v1/attachments/${photoId}`, { token: who.token }), 404, 'attachment_not_found');
    for (const who of [stranger, sam])
      expectError(await t.call('GET', `/api/v1/attachments/${photoId}/link`, { token: who.token }), 404, 'attachment_not_found');
    expectError(await t.call('GET', `/api/v1/attachments/${photoId}`), 401, 'unauthorized');
  });

  test('an upload not yet sent is seen by its uploader only', async () => {
    const draft = (await upload(t, patient, await png())).body.id;
    expect((await fetchBytes(t, `/api/v1/attachments/${draft}`, patient.token)).status).toBe(200);
    expectError(await t.call('GET', `/api/v1/attachments/${draft}`, { token: joy.token }), 404, 'attachment_not_found');
  });

  test('a link works without a token for five minutes, for its person only, and each download is audited', async () => {
    const link = await t.call('GET', `/api/v1/attachments/${letterId}/link`, { token: joy.token });
    expect(link.status).toBe(200);
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    const before = await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from audit_log where action = 'attachment.downloaded'`);
    const file = await fetchBytes(t, link.body.url);
    expect(file.status).toBe(200);
    expect(Buffer.from(file.bytes).toString('latin1')).toStartWith('%PDF-');
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''referral.pdf");
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(file.headers.get('content-security-policy')).toContain('sandbox');
    const after = await query<{ actor: string; subject: string }>(
      t.ctx.db,
      sql`select actor_id as actor, subject_id as subject from audit_log where action = 'attachment.downloaded'`,
    );
    expect(after).toHaveLength(before[0]!.n + 1);
    expect(after).toContainEqual({ actor: joy.user.id, subject: letterId });

    const url = new URL(link.body.url, 'http://localhost');
    const tampered = (change: (q: URLSearchParams) => void) => {
      const q = new URLSearchParams(url.search);
      change(q);
      return `${url.pathname}?${q}`;
    };
    expect(
      (
        await fetchBytes(
          t,
          tampered((q) => q.set('user', stranger.user.id)),
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await fetchBytes(
          t,
          tampered((q) => q.set('expires', String(Number(q.get('expires')) + 3600))),
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await fetchBytes(
          t,
          tampered((q) => q.set('expires', '1000')),
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await fetchBytes(
          t,
          tampered((q) => q.set('variant', 'thumbnail')),
        )
      ).status,
    ).toBe(403);
    expect((await fetchBytes(t, `/api/v1/attachments/${photoId}/content${url.search}`)).status).toBe(403);
  });

  test('the transcript names the files and the FHIR export refers to them (Communication.payload.contentAttachment)', async () => {
    const transcript = await t.call('GET', `/api/v1/sessions/${sessionId}/transcript`, { token: joy.token });
    expect(transcript.body).toContain('attached: referral.pdf (application/pdf,');
    expect(transcript.body).toContain('attached: rash.jpg (image/jpeg,');
    const bundle = await t.call('GET', `/api/v1/sessions/${sessionId}/fhir`, { token: joy.token });
    const communication = bundle.body.entry.map((e: any) => e.resource).find((r: any) => r.id === sent.id);
    expect(communication.payload).toEqual([
      { contentAttachment: expect.objectContaining({ contentType: 'application/pdf', title: 'referral.pdf', url: `/api/v1/attachments/${letterId}` }) },
      { contentAttachment: expect.objectContaining({ contentType: 'image/jpeg', title: 'rash.jpg', url: `/api/v1/attachments/${photoId}` }) },
    ]);
  });

  test('images are shown inline, PDFs only download', async () => {
    const photo = await fetchBytes(t, `/api/v1/attachments/${photoId}`, joy.token);
    expect(photo.headers.get('content-disposition')).toStartWith('inline;');
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
  });
});

describe('clean-up', () => {
  test('an upload no message claimed is deleted with its bytes after the limit; a sent one stays', async () => {
    const draft = (await upload(t, patient, await png())).body.id;
    const blobsBefore = await count('attachment_blobs');
    expect(await deleteUnclaimed(t.ctx, 60)).toBe(0);
    await t.ctx.db.execute(sql`update attachments set created_at = now() - interval '2 hours' where id = ${draft}`);
    expect(await deleteUnclaimed(t.ctx, 60)).toBe(1);
    expect(await count('attachment_blobs')).toBe(blobsBefore - 2);
    expectError(await t.call('GET', `/api/v1/attachments/${draft}`, { token: patient.token }), 404, 'attachment_not_found');
  });
});
