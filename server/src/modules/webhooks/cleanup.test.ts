/**
 * The outbox is cleaned up (./cleanup.ts): settled events older than 30 days go, in batches, with their deliveries;
 * pending ones and recent ones stay. Retention of a session takes its events with it, pending or not, text included.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createTestApp, guest, login, type TestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { WebhookReceiver } from '../../../../tests/helpers/webhook-receiver';
import { purgeExpiredSessions } from '../retention/service';
import { purgeWebhookLog, WEBHOOK_LOG_DAYS } from './cleanup';
import { dispatchWebhooks } from './dispatcher';

setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
let t: TestApp;
let admin: Who;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  t = await createTestApp({ WEBHOOKS_ALLOW_PRIVATE: '1' });
  admin = await login(t, 'admin@demo.clinic');
  const res = await t.call('POST', '/api/v1/webhooks', {
    token: admin.token,
    body: { url: receiver.url, events: ['session.started', 'session.ended', 'message.created'] },
  });
  receiver.secrets = [res.body.secret];
  expect((await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { webhookMessageText: true } })).status).toBe(200);
}, 60_000);
afterAll(async () => {
  receiver.stop();
  await t?.close();
});

/** A patient's chat (nobody available: it waits) with one message, ended. */
async function chat(text: string) {
  const patient = await guest(t, 'Cleanup Patient');
  const id = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'cleanup' } })).body.id as string;
  expect((await t.call('POST', `/api/v1/sessions/${id}/messages`, { token: patient.token, body: { clientMsgId: 'c', body: text } })).status).toBe(201);
  expect((await t.call('POST', `/api/v1/sessions/${id}/end`, { token: patient.token })).status).toBe(200);
  return id;
}
const eventsOf = async (sessionId: string) =>
  (await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from webhook_events where session_id = ${sessionId}`))[0]!.n;
const deliveriesOf = async (sessionId: string) =>
  (await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from webhook_deliveries where session_id = ${sessionId}`))[0]!.n;
const age = (sessionId: string, days: number) =>
  t.ctx.db.execute(sql`update webhook_events set created_at = now() - make_interval(days => ${days}) where session_id = ${sessionId}`);

test('settled events older than 30 days are deleted in batches with their deliveries; pending and recent ones stay', async () => {
  const [old, failed, recent, waiting] = [await chat('old text'), await chat('failed text'), await chat('recent text'), await chat('waiting text')];
  await t.ctx.db.execute(sql`update webhook_deliveries set status = 'failed' where session_id = ${failed}`);
  // Nothing sends `waiting`'s: its deliveries stay pending (the receiver could be down).
  await t.ctx.db.execute(sql`update webhook_deliveries set next_attempt_at = now() + interval '1 hour' where session_id = ${waiting}`);
  while ((await dispatchWebhooks(t.ctx)) > 0);
  expect(receiver.unique(old).length).toBe(3);
  for (const id of [old, failed, waiting]) await age(id, WEBHOOK_LOG_DAYS + 1);
  await age(recent, WEBHOOK_LOG_DAYS - 1);

  // Batches of 2: the 6 old settled events take several statements.
  expect(await purgeWebhookLog(t.ctx.db, WEBHOOK_LOG_DAYS, 2)).toBe(6);
  expect([await eventsOf(old), await deliveriesOf(old), await eventsOf(failed), await deliveriesOf(failed)]).toEqual([0, 0, 0, 0]);
  expect([await eventsOf(recent), await eventsOf(waiting), await deliveriesOf(waiting)]).toEqual([3, 3, 3]);
  const texts = await query<{ payload: string }>(t.ctx.db, sql`select payload::text as payload from webhook_events`);
  expect(texts.some((r) => r.payload.includes('old text') || r.payload.includes('failed text'))).toBe(false);
  expect(await purgeWebhookLog(t.ctx.db)).toBe(0);
});

test('retention of a session deletes its webhook events and deliveries, pending ones and their text too', async () => {
  expect((await t.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { retentionDays: 30 } })).status).toBe(200);
  const [purged, kept] = [await chat('canary retained text'), await chat('kept text')];
  await t.ctx.db.execute(sql`update webhook_deliveries set next_attempt_at = now() + interval '1 hour' where session_id in (${purged}, ${kept})`);
  expect([await eventsOf(purged), await deliveriesOf(purged)]).toEqual([3, 3]);
  await t.ctx.db.execute(sql`update chat_sessions set ended_at = now() - interval '31 days' where id = ${purged}`);
  expect(await purgeExpiredSessions(t.ctx)).toBe(1);
  expect([await eventsOf(purged), await deliveriesOf(purged)]).toEqual([0, 0]);
  expect([await eventsOf(kept), await deliveriesOf(kept)]).toEqual([3, 3]);
  const texts = await query<{ payload: string }>(t.ctx.db, sql`select payload::text as payload from webhook_events`);
  expect(texts.some((r) => r.payload.includes('canary retained text'))).toBe(false);
});
