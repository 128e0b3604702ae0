/**
 * The retry schedule and the rotation overlap, as docs/webhooks.md states them: a failing delivery is retried with
 * exponential backoff and jitter, without a cap on attempts, for 24 hours after its event, then marked failed (and a
 * failed one no longer holds back the session's later events); after a rotation the previous secret signs beside
 * the new one for 24 hours, and only the new one afterwards.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createTestApp, guest, login, type TestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { WebhookReceiver } from '../../../../tests/helpers/webhook-receiver';
import { backoffMs, dispatchWebhooks, RETRY_PERIOD_MS } from './dispatcher';
import { ROTATION_OVERLAP_MS } from './service';

setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
let t: TestApp;
let admin: Who;
let endpointId: string;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  t = await createTestApp({ WEBHOOKS_ALLOW_PRIVATE: '1' });
  admin = await login(t, 'admin@demo.clinic');
  const res = await t.call('POST', '/api/v1/webhooks', { token: admin.token, body: { url: receiver.url, events: ['session.started', 'session.ended'] } });
  endpointId = res.body.id;
  receiver.secrets = [res.body.secret];
}, 60_000);
afterAll(async () => {
  receiver.stop();
  await t?.close();
});

async function chat() {
  const patient = await guest(t, 'Retry Patient');
  const id = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'retry' } })).body.id as string;
  expect((await t.call('POST', `/api/v1/sessions/${id}/end`, { token: patient.token })).status).toBe(200);
  return id;
}
async function drain() {
  while ((await dispatchWebhooks(t.ctx)) > 0);
}
const deliveries = (sessionId: string) =>
  query<{ type: string; status: string; attempts: number; wait_s: number }>(
    t.ctx.db,
    sql`select ev.type, d.status, d.attempts, extract(epoch from d.next_attempt_at - now())::float8 as wait_s
          from webhook_deliveries d join webhook_events ev on ev.id = d.event_id where d.session_id = ${sessionId} order by d.event_seq`,
  );

test('the waits grow 4× from 5 s to a 2-hour cap, ±25 %, so 24 hours hold at least a dozen attempts', () => {
  const waits = Array.from({ length: 8 }, (_, i) => backoffMs(i + 1, () => 0.5) / 1000);
  expect(waits).toEqual([5, 20, 80, 320, 1280, 5120, 7200, 7200]);
  expect(backoffMs(1, () => 0)).toBe(3_750);
  expect(backoffMs(1, () => 1)).toBe(6_250);
  // The longest waits (every jitter at +25 %) still give this many attempts in the retry period.
  let elapsed = 0;
  let attempts = 0;
  while (elapsed < RETRY_PERIOD_MS) elapsed += backoffMs(++attempts, () => 1);
  expect(RETRY_PERIOD_MS).toBe(24 * 3600_000);
  expect(attempts).toBeGreaterThanOrEqual(12);
});

test('a failing delivery stays pending until its event is 24 hours old, however many attempts; then failed, and the next goes', async () => {
  receiver.mode = 'fail';
  const id = await chat();
  await drain();
  expect((await deliveries(id)).map((d) => [d.type, d.status, d.attempts])).toEqual([
    ['session.started', 'pending', 1],
    ['session.ended', 'pending', 0],
  ]);
  // Many attempts later, a minute short of the period: retried again, after the capped wait.
  await t.ctx.db.execute(sql`update webhook_events set created_at = now() - interval '23 hours 59 minutes' where session_id = ${id}`);
  await t.ctx.db.execute(sql`update webhook_deliveries set attempts = 40, next_attempt_at = now() where session_id = ${id} and attempts = 1`);
  await drain();
  const [started] = await deliveries(id);
  expect([started!.status, started!.attempts]).toEqual(['pending', 41]);
  expect(started!.wait_s).toBeGreaterThan(1.5 * 3600 - 5);
  expect(started!.wait_s).toBeLessThan(2.5 * 3600 + 5);
  // Past the period: the next failure gives up, and the session's next event is no longer held back.
  await t.ctx.db.execute(sql`update webhook_events set created_at = now() - interval '24 hours 1 minute' where session_id = ${id}`);
  await t.ctx.db.execute(sql`update webhook_deliveries set next_attempt_at = now() where session_id = ${id} and status = 'pending'`);
  await drain();
  expect((await deliveries(id)).map((d) => [d.type, d.status])).toEqual([
    ['session.started', 'failed'],
    ['session.ended', 'failed'],
  ]);
  receiver.mode = 'ok';
  const log = (await t.call('GET', `/api/v1/webhooks/${endpointId}/deliveries`, { token: admin.token })).body.deliveries;
  expect(log.filter((d: { sessionId: string }) => d.sessionId === id).map((d: { status: string }) => d.status)).toEqual(['failed', 'failed']);
});

test('after a rotation the previous secret signs for 24 hours, then only the new one', async () => {
  const old = receiver.secrets[0]!;
  const rotated = await t.call('POST', `/api/v1/webhooks/${endpointId}/rotate-secret`, { token: admin.token });
  const overlap = Date.parse(rotated.body.previousSecretUntil) - Date.now();
  expect(overlap).toBeGreaterThan(ROTATION_OVERLAP_MS - 60_000);
  expect(overlap).toBeLessThanOrEqual(ROTATION_OVERLAP_MS);
  receiver.secrets = [old, rotated.body.secret];
  const during = await chat();
  await drain();
  expect(receiver.delivered(during).map((r) => r.verified)).toEqual([
    [old, rotated.body.secret],
    [old, rotated.body.secret],
  ]);
  // The overlap ran out.
  await t.ctx.db.execute(sql`update webhook_endpoints set previous_secret_until = now() - interval '1 second' where id = ${endpointId}`);
  const after = await chat();
  await drain();
  expect(receiver.delivered(after).map((r) => r.verified)).toEqual([[rotated.body.secret], [rotated.body.secret]]);
});
