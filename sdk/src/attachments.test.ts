/**
 * `@medchat/sdk/attachments` against a real server: a patient uploads a photo (progress reported, the same client id
 * twice stores it once), sends it with a message, and the nurse gets a link that serves it; refusals (a text file,
 * someone else's session) arrive as `MedChatError`s with the server's codes.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MedChat, isMedChatError } from './index';
import { MedChatAttachments } from './attachments';
import { signedInClient, useTestServer } from '../../tests/helpers/server';
import { photoWithGps } from '../../tests/helpers/files';

setDefaultTimeout(60_000);
const s = useTestServer();

const refusal = (e: unknown) => (isMedChatError(e) ? { code: e.code, status: e.status } : e);

let patient: MedChatAttachments;
let nurse: MedChatAttachments;
let sessionId: string;

beforeAll(async () => {
  const joy = await signedInClient(s.url, 'nurse.joy@demo.clinic');
  await joy.employees.setAvailability('available');
  nurse = new MedChatAttachments(joy);
  const client = new MedChat({ baseUrl: s.url, retry: { maxRetries: 0 } });
  await client.auth.guest({ siteKey: 'demo', displayName: 'Paula Photo' });
  sessionId = (await client.sessions.start({ reason: 'A rash' })).id;
  patient = new MedChatAttachments(client);
});

describe('MedChatAttachments', () => {
  test('upload, send, and a link the nurse can open', async () => {
    const shares: number[] = [];
    const file = new File([await photoWithGps()], 'rash.jpg', { type: 'image/jpeg' });
    const photo = await patient.upload(sessionId, file, { clientId: 'photo-1', onProgress: (share) => shares.push(share) });
    expect(photo).toMatchObject({ kind: 'image', name: 'rash.jpg', contentType: 'image/jpeg', thumbnail: true });
    expect(shares.at(-1)).toBe(1);
    expect(await patient.upload(sessionId, file, { clientId: 'photo-1' })).toEqual(photo);

    const message = await patient.send(sessionId, { attachments: [photo] });
    expect(message.attachments).toEqual([photo]);
    const link = await nurse.link(photo.id, 'thumbnail');
    expect(link.url.startsWith(s.url)).toBe(true);
    const res = await fetch(link.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
  });

  test('refusals are MedChatErrors with the server codes', async () => {
    const text = new File(['not a photo'], 'photo.jpg');
    expect(await patient.upload(sessionId, text).catch(refusal)).toEqual({ code: 'unsupported_file_type', status: 415 });
    expect(await nurse.upload(crypto.randomUUID(), text).catch(refusal)).toEqual({ code: 'session_not_found', status: 404 });
    expect(await nurse.link(crypto.randomUUID()).catch(refusal)).toEqual({ code: 'attachment_not_found', status: 404 });
  });
});
