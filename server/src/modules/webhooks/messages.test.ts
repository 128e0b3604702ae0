/**
 * `message.created` webhooks: written with the message (the writer's batch statement, or the one-message path's
 * transaction), in seq order among the session's other events, with ids only unless the clinic turned on
 * `webhookMessageText`; no event for system lines, or for a send that stored nothing.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createTestApp, guest, login, type TestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { png } from '../../../../tests/helpers/files';
import { WebhookReceiver } from '../../../../tests/helpers/webhook-receiver';
import { inTransaction } from '../../lib/transaction';
import { dispatchWebhooks } from './dispatcher';

setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
let t: TestApp;
let admin: Who, joy: Who;
const receiver = new WebhookReceiver();
let clinicId: string;

beforeAll(async () => {
  t = await createTestApp({ WEBHOOKS_ALLOW_PRIVATE: '1' });
  admin = await login(t, 'admin@demo.clinic');
  joy = await login(t, 'nurse.joy@demo.clinic');
  const res = await t.call('POST', '/api/v1/webhooks', {
    token: admin.token,
    body: { url: receiver.url, events: ['session.started', 'session.assigned', 'session.ended', 'message.created'] },
  });
  expect(res.status).toBe(201);
  receiver.secrets = [res.body.secret];
  clinicId = (await query<{ clinic_id: string }>(t.ctx.db, sql`select clinic_id from users where id = ${admin.user.id}`))[0]!.clinic_id;
}, 60_000);
afterAll(async () => {
  receiver.stop();
  await t?.close();
});

async function drain() {
  while ((await dispatchWebhooks(t.ctx)) > 0);
}
const say = (who: Who, sessionId: string, body: string) =>
  t.call('POST', `/api/v1/sessions/${sessionId}/messages`, { token: who.token, body: { clientMsgId: crypto.randomUUID(), body } });
const messageEvents = async () =>
  (await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from webhook_events where type = 'message.created'`))[0]!.n;

/** A chat with Joy: the patient writes twice, Joy once, the patient ends it. */
async function chat(texts: [string, string, string]) {
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  const patient = await guest(t, 'Message Hook Patient');
  const id = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'a reason' } })).body.id as string;
  expect((await say(patient, id, texts[0])).status).toBe(201);
  expect((await say(patient, id, texts[1])).status).toBe(201);
  expect((await say(joy, id, texts[2])).status).toBe(201);
  expect((await t.call('POST', `/api/v1/sessions/${id}/end`, { token: patient.token })).status).toBe(200);
  return { id, patient };
}

test('a chat’s messages arrive between its session events, in seq order, with ids only; no system lines', async () => {
  const { id, patient } = await chat(['my private symptom', 'and another secret', 'a staff answer']);
  await drain();
  const got = receiver.unique(id);
  expect(got.map((r) => r.type)).toEqual(['session.started', 'session.assigned', 'message.created', 'message.created', 'message.created', 'session.ended']);
  expect(got.every((r) => r.verified.length === 1)).toBe(true);
  const messages = got.filter((r) => r.type === 'message.created').map((r) => r.data);
  const stored = await query<{ id: string; seq: number; sender_id: string }>(
    t.ctx.db,
    sql`select id, seq, sender_id from messages where session_id = ${id} and kind = 'text' order by seq`,
  );
  expect(messages).toEqual(
    stored.map((m, i) => ({ sessionId: id, messageId: m.id, seq: m.seq, senderId: m.sender_id, senderRole: i < 2 ? 'patient' : 'employee' })),
  );
  expect(messages.map((m) => m.senderId)).toEqual([patient.user.id, patient.user.id, joy.user.id]);
  const all = got.map((r) => r.body).join('\n');
  for (const phi of ['private symptom', 'another secret', 'staff answer', 'joined the chat']) expect(all).not.toContain(phi);
});

test('with webhookMessageText on, the text travels too, from the batch and the one-message path', async () => {
  expect((await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { webhookMessageText: true } })).status).toBe(200);
  try {
    const { id } = await chat(['first text', 'second text', 'staff text']);
    // The one-message path (a send the batch statement left to it) reports through the transaction's events.
    const sessionId = crypto.randomUUID();
    await inTransaction(t.ctx, async (_tx, emit) =>
      emit({
        t: 'message.created',
        clinicId,
        sessionId,
        seq: 1,
        messages: [
          {
            id: crypto.randomUUID(),
            sessionId,
            seq: 1,
            kind: 'text',
            sender: { id: joy.user.id, role: 'employee', displayName: 'Joy' },
            body: 'one by one',
            system: null,
            clientMsgId: 'c1',
            createdAt: new Date().toISOString(),
          },
          { id: crypto.randomUUID(), sessionId, seq: 2, kind: 'system', sender: null, body: 'A line.', system: null, clientMsgId: null, createdAt: '' },
        ],
      }),
    );
    await drain();
    expect(receiver.unique(id).flatMap((r) => (r.type === 'message.created' ? [r.data.text] : []))).toEqual(['first text', 'second text', 'staff text']);
    expect(receiver.unique(sessionId).map((r) => [r.type, r.data.text, r.data.senderRole])).toEqual([['message.created', 'one by one', 'employee']]);
  } finally {
    await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { webhookMessageText: false } });
  }
});

test('concurrent sends to several sessions (batched) arrive once each, per session in seq order', async () => {
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  const chats = await Promise.all(
    [1, 2, 3].map(async (n) => {
      const patient = await guest(t, `Batch ${n}`);
      const id = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'batch' } })).body.id as string;
      return { id, patient };
    }),
  );
  await Promise.all(chats.flatMap(({ id, patient }) => Array.from({ length: 10 }, (_, i) => say(patient, id, `m${i}`))));
  await drain();
  for (const { id } of chats) {
    const seqs = receiver
      .unique(id)
      .filter((r) => r.type === 'message.created')
      .map((r) => r.data.seq as number);
    const stored = await query<{ seq: number }>(t.ctx.db, sql`select seq from messages where session_id = ${id} and kind = 'text' order by seq`);
    expect(seqs).toEqual(stored.map((m) => m.seq));
    expect(seqs.length).toBe(10);
  }
  for (const { id, patient } of chats) await t.call('POST', `/api/v1/sessions/${id}/end`, { token: patient.token });
});

test('a send that stores nothing (to an ended session) writes no event; no endpoint wanting it, no event', async () => {
  const { id, patient } = await chat(['a', 'b', 'c']);
  const before = await messageEvents();
  expect((await say(patient, id, 'after the end')).status).toBe(409);
  expect(await messageEvents()).toBe(before);
  const list = (await t.call('GET', '/api/v1/webhooks', { token: admin.token })).body.endpoints as Array<{ id: string }>;
  await t.ctx.db.execute(sql`update webhook_endpoints set events = array['session.ended'] where id = ${list[0]!.id}`);
  try {
    await chat(['d', 'e', 'f']);
    expect(await messageEvents()).toBe(before);
  } finally {
    await t.ctx.db.execute(
      sql`update webhook_endpoints set events = array['session.started', 'session.assigned', 'session.ended', 'message.created'] where id = ${list[0]!.id}`,
    );
  }
});

test('a message with files names them by id, never by their file names', async () => {
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  const patient = await guest(t, 'Photo Hook Patient');
  const id = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'a reason' } })).body.id as string;
  const upload = await t.app.handle(
    new Request(`http://localhost/api/v1/sessions/${id}/attachments?clientId=f1&name=private-rash-photo.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${patient.token}` },
      body: (await png()) as BodyInit,
    }),
  );
  expect(upload.status).toBe(201);
  const file = (await upload.json()) as { id: string };
  const sent = await t.call('POST', `/api/v1/sessions/${id}/messages`, {
    token: patient.token,
    body: { clientMsgId: 'f', body: '', attachmentIds: [file.id] },
  });
  expect(sent.status).toBe(201);
  await drain();
  const event = receiver.unique(id).find((r) => r.type === 'message.created')!;
  expect(event.data).toEqual({
    sessionId: id,
    messageId: sent.body.id,
    seq: sent.body.seq,
    senderId: patient.user.id,
    senderRole: 'patient',
    attachmentIds: [file.id],
  });
  expect(event.body).not.toContain('private-rash-photo');
});
