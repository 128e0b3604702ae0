/**
 * `@medchat/sdk/admin` against a real server on a fresh database: settings (a limit turned off with null, a value
 * out of range refused field by field and nothing changed), the report and its CSV, and webhooks end to end with a
 * receiver on loopback (registered, an event delivered and logged with its latency, replayed with the same id,
 * the secret rotated, removed). Admins only: an employee's client gets `forbidden`.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MedChatAdmin } from './admin';
import { MedChat, isMedChatError } from './index';
import { signedInClient, useTestServer } from '../../tests/helpers/server';
import { until } from '../../tests/helpers/until';

setDefaultTimeout(60_000);
// Webhooks to the loopback receiver below (refused by default: docs/webhooks.md).
const s = useTestServer({ WEBHOOKS_ALLOW_PRIVATE: '1' });

const signedIn = (email: string) => signedInClient(s.url, email);

const refusal = (e: unknown) => (isMedChatError(e) ? { code: e.code, status: e.status, details: e.details } : e);

/** A clinic's system on loopback: every request's webhook-id and event type, answered 200. */
const received: Array<{ id: string; type: string }> = [];
const receiver = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch: async (req) => {
    received.push({ id: req.headers.get('webhook-id') ?? '', type: JSON.parse(await req.text()).type });
    return new Response('ok');
  },
});
afterAll(() => receiver.stop(true));

describe('MedChatAdmin', () => {
  test('settings: read, a limit turned off with null and another set; a value out of range names its field and changes nothing', async () => {
    const admin = new MedChatAdmin(await signedIn('admin@demo.clinic'));
    const before = await admin.settings.get();
    expect(before.siteKey).toBe('demo');

    const saved = await admin.settings.update({ firstReplySeconds: null, awayTimeoutMinutes: 20 });
    expect([saved.firstReplySeconds, saved.awayTimeoutMinutes]).toEqual([null, 20]);
    expect(await admin.settings.get()).toEqual(saved);

    const refused = await admin.settings.update({ firstReplySeconds: 5, awayTimeoutMinutes: 30 }).catch(refusal);
    expect(refused).toMatchObject({ code: 'invalid_request', status: 400, details: [{ path: '/firstReplySeconds' }] });
    expect(await admin.settings.get()).toEqual(saved);
  });

  test('reports: the JSON report, and the CSV with its file name; a backwards range is a 400', async () => {
    const admin = new MedChatAdmin(await signedIn('admin@demo.clinic'));
    const report = await admin.reports.get({ from: '2026-03-02', to: '2026-03-03' });
    expect(report.buckets.map((b) => b.label)).toEqual(['2026-03-02', '2026-03-03']);
    expect(report.total.chatsStarted).toBe(0);

    const csv = await admin.reports.csv({ from: '2026-03-02', to: '2026-03-03', bucket: 'hour' });
    expect(csv.filename).toBe('report-2026-03-02-2026-03-03-hour.csv');
    const lines = csv.csv.trimEnd().split('\r\n');
    expect(lines[0]).toStartWith('start,label,chats_started,');
    expect(lines).toHaveLength(1 + 48 + 1);
    const employees = await admin.reports.csv({ from: '2026-03-02', to: '2026-03-02', table: 'employees' });
    expect(employees.filename).toBe('report-2026-03-02-2026-03-02-employees.csv');

    for (const call of [() => admin.reports.get({ from: '2026-03-03', to: '2026-03-02' }), () => admin.reports.csv({ from: '2026-03-03', to: '2026-03-02' })])
      expect(await call().catch(refusal)).toMatchObject({ code: 'invalid_request', status: 400 });
  });

  test('webhooks: register, a delivery logged with status and latency, replayed with the same id, secret rotated, removed', async () => {
    const admin = new MedChatAdmin(await signedIn('admin@demo.clinic'));
    const url = `http://127.0.0.1:${receiver.port}/hooks`;
    const created = await admin.webhooks.create({ url, events: ['session.started'] });
    expect(created.secret).toStartWith('whsec_');
    expect(await admin.webhooks.list()).toEqual([
      { id: created.id, url, events: ['session.started'], createdAt: created.createdAt, previousSecretUntil: null },
    ]);

    const patient = new MedChat({ baseUrl: s.url });
    await patient.auth.guest({ siteKey: 'demo', displayName: 'Pat' });
    const session = await patient.sessions.start({ reason: 'A cough' });
    await until(async () => (await admin.webhooks.deliveries(created.id))[0]?.status === 'delivered', 'the delivery to be logged as delivered');
    const [delivery] = await admin.webhooks.deliveries(created.id);
    expect(delivery).toMatchObject({ type: 'session.started', sessionId: session.id, attempts: 1, lastStatus: 200, lastError: null, nextAttemptAt: null });
    expect(delivery!.lastLatencyMs).toBeGreaterThanOrEqual(0);
    expect(received.filter((r) => r.id === delivery!.eventId)).toHaveLength(1);

    await admin.webhooks.replay(created.id, delivery!.id);
    await until(() => received.filter((r) => r.id === delivery!.eventId).length === 2, 'the replay to arrive');
    await until(async () => (await admin.webhooks.deliveries(created.id))[0]?.attempts === 2, 'the replay to be logged');

    const rotated = await admin.webhooks.rotateSecret(created.id);
    expect(rotated.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.previousSecretUntil!)).toBeGreaterThan(Date.now());

    await admin.webhooks.delete(created.id);
    expect(await admin.webhooks.list()).toEqual([]);
    expect(await admin.webhooks.deliveries(created.id).catch(refusal)).toMatchObject({ code: 'not_found', status: 404 });
    expect(await admin.webhooks.replay(created.id, delivery!.id).catch(refusal)).toMatchObject({ code: 'not_found', status: 404 });
  });

  test('a URL the server will not call is a 400 naming the field; nothing is registered', async () => {
    const admin = new MedChatAdmin(await signedIn('admin@demo.clinic'));
    const refused = await admin.webhooks.create({ url: 'ftp://example.org/hook', events: ['session.ended'] }).catch(refusal);
    expect(refused).toMatchObject({ code: 'invalid_request', status: 400, details: { field: 'url' } });
    expect(await admin.webhooks.list()).toEqual([]);
  });

  test('an employee gets forbidden from every admin resource', async () => {
    const admin = new MedChatAdmin(await signedIn('nurse.joy@demo.clinic'));
    const calls = [
      () => admin.settings.get(),
      () => admin.settings.update({ awayTimeoutMinutes: null }),
      () => admin.reports.get({ from: '2026-03-02', to: '2026-03-02' }),
      () => admin.reports.csv({ from: '2026-03-02', to: '2026-03-02' }),
      () => admin.webhooks.list(),
      () => admin.webhooks.create({ url: 'https://example.org/hook', events: ['session.ended'] }),
    ];
    for (const call of calls) expect(await call().catch(refusal)).toMatchObject({ code: 'forbidden', status: 403 });
  });
});
