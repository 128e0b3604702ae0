/**
 * Signed webhooks (docs/webhooks.md), against a real receiver on loopback that verifies every request with the
 * Standard Webhooks library: a session's events arrive signed, in order, with ids only; an event exists only if its
 * change committed; failures (500, timeouts, refused connections) are retried with the same webhook-id until they
 * get through; a delivery claimed by an instance that died is sent again after its lease; a rotated secret signs
 * beside the old one; admins only, every change audited.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { createTestApp, guest, login, type TestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { onPostgres } from '../../../../tests/helpers/database';
import { refusalChecker } from '../../../../tests/helpers/expect';
import { loadConfig } from '../../config';
import { createLogger } from '../../lib/logger';
import { closeContext, createContext } from '../../runtime';
import { inTransaction } from '../../lib/transaction';
import { isPrivateAddress, refusedTarget, targetPolicy } from './address';
import { backoffMs, dispatchWebhooks } from './dispatcher';

setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
type Received = { id: string; type: string; sessionId: string; verified: string[]; body: string };

/** The clinic's system: answers as `mode` says, and checks each request's signature with every secret it knows. */
class Receiver {
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  secrets: string[] = [];
  requests: Received[] = [];
  readonly server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (req) => {
      const body = await req.text();
      const headers = Object.fromEntries(req.headers);
      const verified = this.secrets.filter((s) => {
        try {
          new Webhook(s).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      const payload = JSON.parse(body);
      this.requests.push({ id: headers['webhook-id']!, type: payload.type, sessionId: payload.data.sessionId, verified, body });
      if (this.mode === 'hang') await Bun.sleep(1_000);
      return new Response(this.mode === 'ok' ? 'thanks' : 'down', { status: this.mode === 'ok' ? 200 : 500 });
    },
  });
  get url() {
    return `http://127.0.0.1:${this.server.port}/hooks`;
  }
  delivered(sessionId: string) {
    return this.requests.filter((r) => r.sessionId === sessionId);
  }
}

let t: TestApp;
let admin: Who, joy: Who, sam: Who;
const receiver = new Receiver();
let endpointId: string;

beforeAll(async () => {
  t = await createTestApp({ WEBHOOKS_ALLOW_PRIVATE: '1' });
  admin = await login(t, 'admin@demo.clinic');
  joy = await login(t, 'nurse.joy@demo.clinic');
  sam = await login(t, 'nurse.sam@demo.clinic');
  const res = await t.call('POST', '/api/v1/webhooks', {
    token: admin.token,
    body: { url: receiver.url, events: ['session.started', 'session.assigned', 'session.transferred', 'session.requeued', 'session.ended'] },
  });
  expect(res.status).toBe(201);
  expect(res.body.secret).toStartWith('whsec_');
  endpointId = res.body.id;
  receiver.secrets = [res.body.secret];
}, 60_000);
afterAll(async () => {
  receiver.server.stop(true);
  await t?.close();
});
beforeEach(() => {
  receiver.mode = 'ok';
});

const refused = refusalChecker(() => t);
const available = (w: Who, availability = 'available') => t.call('PUT', '/api/v1/employees/me/availability', { token: w.token, body: { availability } });
/** Runs the dispatcher until a round finds nothing due. */
async function drain(options: { timeoutMs?: number } = {}) {
  while ((await dispatchWebhooks(t.ctx, options)) > 0);
}
const pending = async () => (await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from webhook_deliveries where status = 'pending'`))[0]!.n;
/** Makes every pending delivery due now (its backoff passed). */
const due = () => t.ctx.db.execute(sql`update webhook_deliveries set next_attempt_at = now() where status = 'pending'`);

/** A whole chat: started and assigned to Joy, handed to Sam, ended by the patient. */
async function chat(reason = 'Webhook chat about a private matter') {
  await available(joy);
  const patient = await guest(t, 'Webhook Patient');
  const id = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason } })).body.id as string;
  await available(sam);
  expect((await t.call('POST', `/api/v1/sessions/${id}/leave`, { token: joy.token, body: { note: 'private handover' } })).status).toBe(200);
  expect((await t.call('POST', `/api/v1/sessions/${id}/end`, { token: patient.token })).status).toBe(200);
  await available(joy, 'offline');
  await available(sam, 'offline');
  return { id, patient };
}

describe('delivery', () => {
  test('a session’s events arrive signed, once each, in order, carrying ids and no PHI', async () => {
    const { id, patient } = await chat();
    await drain();
    const got = receiver.delivered(id);
    expect(got.map((r) => r.type)).toEqual(['session.started', 'session.assigned', 'session.transferred', 'session.ended']);
    expect(got.every((r) => r.verified.length === 1)).toBe(true);
    expect(new Set(got.map((r) => r.id)).size).toBe(got.length);
    const bodies = got.map((r) => JSON.parse(r.body));
    expect(bodies[0].data).toEqual({ sessionId: id, patientId: patient.user.id });
    expect(bodies[2].data).toMatchObject({ employeeId: sam.user.id, previousEmployeeId: joy.user.id, reason: 'after_leave' });
    const all = got.map((r) => r.body).join('\n');
    for (const phi of ['Webhook Patient', 'private matter', 'private handover', 'Nurse']) expect(all).not.toContain(phi);
    expect(await pending()).toBe(0);
  });

  test('an event exists only if its change committed', async () => {
    const count = async () => (await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from webhook_events`))[0]!.n;
    const before = await count();
    const [{ clinic_id: clinicId }] = (await query<{ clinic_id: string }>(t.ctx.db, sql`select clinic_id from users where id = ${admin.user.id}`)) as [
      { clinic_id: string },
    ];
    const fake = { t: 'session.ended' as const, clinicId, sessionId: crypto.randomUUID(), patientId: crypto.randomUUID(), previousEmployeeId: null };
    await expect(
      inTransaction(t.ctx, async (_tx, emit) => {
        emit(fake);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await count()).toBe(before);
    await inTransaction(t.ctx, async (_tx, emit) => emit(fake));
    expect(await count()).toBe(before + 1);
    await drain();
    expect(receiver.delivered(fake.sessionId).map((r) => r.type)).toEqual(['session.ended']);
  });

  test('a failing receiver (500, then timeouts) gets every event later, in order, each retry with the same webhook-id', async () => {
    receiver.mode = 'fail';
    const { id } = await chat();
    await drain();
    // Only the first event of the session was tried: the others wait behind it.
    expect(receiver.delivered(id).map((r) => r.type)).toEqual(['session.started']);
    const [log] = (await t.call('GET', `/api/v1/webhooks/${endpointId}/deliveries`, { token: admin.token })).body.deliveries.filter(
      (d: { sessionId: string; type: string }) => d.sessionId === id && d.type === 'session.started',
    );
    expect(log).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500 });
    expect(Date.parse(log.nextAttemptAt)).toBeGreaterThan(Date.now());
    receiver.mode = 'hang';
    await due();
    await drain({ timeoutMs: 200 });
    receiver.mode = 'ok';
    await due();
    await drain();
    const got = receiver.delivered(id);
    const firstId = got[0]!.id;
    expect(got.filter((r) => r.id === firstId).length).toBe(3);
    const unique = got.filter((r, i) => got.findIndex((x) => x.id === r.id) === i);
    expect(unique.map((r) => r.type)).toEqual(['session.started', 'session.assigned', 'session.transferred', 'session.ended']);
    const [after] = (await t.call('GET', `/api/v1/webhooks/${endpointId}/deliveries`, { token: admin.token })).body.deliveries.filter(
      (d: { id: string }) => d.id === log.id,
    );
    expect(after).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, lastError: null });
  });

  test('a delivery claimed by an instance that died is sent again after its lease, with the same id', async () => {
    const { id } = await chat();
    // An instance claims the first delivery and dies before sending or recording anything.
    await t.ctx.db.execute(sql`
      update webhook_deliveries set locked_until = now() + interval '1 minute', attempts = attempts + 1
       where session_id = ${id} and event_seq = (select min(event_seq) from webhook_deliveries where session_id = ${id})`);
    await drain();
    expect(receiver.delivered(id)).toEqual([]);
    await t.ctx.db.execute(sql`update webhook_deliveries set locked_until = now() - interval '1 second' where session_id = ${id} and locked_until is not null`);
    await drain();
    expect(receiver.delivered(id).map((r) => r.type)).toEqual(['session.started', 'session.assigned', 'session.transferred', 'session.ended']);
  });

  test('after a rotation both secrets sign for the overlap; a replay resends with the same id', async () => {
    const rotated = await t.call('POST', `/api/v1/webhooks/${endpointId}/rotate-secret`, { token: admin.token });
    expect(rotated.status).toBe(200);
    expect(Date.parse(rotated.body.previousSecretUntil)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    receiver.secrets = [receiver.secrets[0]!, rotated.body.secret];
    const { id } = await chat();
    await drain();
    expect(receiver.delivered(id).every((r) => r.verified.length === 2)).toBe(true);
    const log = (await t.call('GET', `/api/v1/webhooks/${endpointId}/deliveries`, { token: admin.token })).body.deliveries;
    const ended = log.find((d: { sessionId: string; type: string }) => d.sessionId === id && d.type === 'session.ended');
    expect((await t.call('POST', `/api/v1/webhooks/${endpointId}/deliveries/${ended.id}/replay`, { token: admin.token })).status).toBe(204);
    await drain();
    const replays = receiver.delivered(id).filter((r) => r.id === ended.eventId);
    expect(replays.length).toBe(2);
  });
});

describe('endpoints', () => {
  test('admins only; the list shows no secret; changes are audited', async () => {
    const list = await t.call('GET', '/api/v1/webhooks', { token: admin.token });
    expect(list.body.endpoints.map((e: { id: string }) => e.id)).toEqual([endpointId]);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    await refused('GET', '/api/v1/webhooks', { token: joy.token }, 403, 'forbidden');
    await refused('POST', '/api/v1/webhooks', { token: joy.token, body: { url: receiver.url, events: ['session.ended'] } }, 403, 'forbidden');
    await refused('POST', `/api/v1/webhooks/${crypto.randomUUID()}/rotate-secret`, { token: admin.token }, 404, 'not_found');
    await refused('POST', '/api/v1/webhooks', { token: admin.token, body: { url: 'ftp://a.example/x', events: ['session.ended'] } }, 400, 'invalid_request');
    const second = await t.call('POST', '/api/v1/webhooks', { token: admin.token, body: { url: receiver.url, events: ['session.ended'] } });
    expect((await t.call('DELETE', `/api/v1/webhooks/${second.body.id}`, { token: admin.token })).status).toBe(204);
    const actions = await query<{ action: string }>(
      t.ctx.db,
      sql`select action from audit_log where action like 'webhook.%' and subject_id in (${endpointId}, ${second.body.id}) order by at`,
    );
    expect(actions.map((a) => a.action)).toEqual(['webhook.created', 'webhook.secret_rotated', 'webhook.created', 'webhook.deleted']);
  });
});

describe('where webhooks may go', () => {
  test('private, loopback and link-local addresses are refused unless the operator allows them', async () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
    ])
      expect({ a, private: isPrivateAddress(a) }).toEqual({ a, private: true });
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) expect({ a, private: isPrivateAddress(a) }).toEqual({ a, private: false });
    const strict = targetPolicy({ webhooksAllowPrivate: 0, production: false });
    const loose = targetPolicy({ webhooksAllowPrivate: 1, production: false });
    expect(await refusedTarget('https://127.0.0.1/x', strict)).toBe('private address');
    expect(await refusedTarget('https://[::1]/x', strict)).toBe('private address');
    expect(await refusedTarget('https://localhost/x', strict)).toBe('private address');
    expect(await refusedTarget('http://8.8.8.8/x', strict)).toBe('https only');
    expect(await refusedTarget('https://user:pw@8.8.8.8/x', strict)).toBe('no credentials in the URL');
    expect(await refusedTarget('https://8.8.8.8/x', strict)).toBeNull();
    expect(await refusedTarget('http://127.0.0.1/x', loose)).toBeNull();
    // In production, https even where private addresses are allowed.
    const production = targetPolicy({ webhooksAllowPrivate: 1, production: true });
    expect(await refusedTarget('http://127.0.0.1/x', production)).toBe('https only');
    expect(await refusedTarget('https://127.0.0.1/x', production)).toBeNull();
  });

  test('backoff grows exponentially with jitter, capped', () => {
    expect(backoffMs(1, () => 0.5)).toBe(5_000);
    expect(backoffMs(2, () => 0.5)).toBe(20_000);
    expect(backoffMs(3, () => 0)).toBe(60_000);
    expect(backoffMs(30, () => 0.5)).toBe(2 * 3600_000);
    expect(backoffMs(30, () => 1)).toBe(2.5 * 3600_000);
  });
});

describe.skipIf(!onPostgres)('several instances (Postgres)', () => {
  test('two dispatchers on one outbox send each event once', async () => {
    const other = await createContext(
      loadConfig({ DATABASE_URL: t.ctx.config.databaseUrl!, WEBHOOKS_ALLOW_PRIVATE: '1', LOG_LEVEL: 'silent' }),
      createLogger('silent'),
    );
    try {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const patient = await guest(t, `Queued ${i}`);
        ids.push((await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'queue' } })).body.id);
      }
      const before = receiver.requests.length;
      const run = async (ctx: typeof t.ctx) => {
        while ((await dispatchWebhooks(ctx, { limit: 3 })) > 0);
      };
      await Promise.all([run(t.ctx), run(other), run(t.ctx), run(other)]);
      const sent = receiver.requests.slice(before).filter((r) => ids.includes(r.sessionId));
      expect(sent.length).toBe(ids.length);
      expect(new Set(sent.map((r) => r.id)).size).toBe(ids.length);
      expect(await pending()).toBe(0);
    } finally {
      await closeContext(other);
    }
  });
});
