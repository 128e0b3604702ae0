/**
 * `/metrics` as Prometheus scrapes it: a real server with METRICS_TOKEN, a chat over real sockets (a patient waits,
 * a nurse becomes available and is given the chat, each writes), then a scrape parsed by a strict text-format parser
 * (tests/helpers/prometheus-text.ts): the counters of every step moved, the exposition carries no id or name, and
 * nothing is served without the token, on the main port when METRICS_PORT is set, or at all when neither is set.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { expectError } from '../helpers/expect';
import { parsePrometheusText, sumOf, type Family } from '../helpers/prometheus-text';
import { startTestServer, type TestServer } from '../helpers/server';
import { TestSocket } from '../helpers/socket';
import { until } from '../helpers/until';

// A fresh database and server per file: allow for a loaded CI machine.
setDefaultTimeout(60_000);

const TOKEN = 'scrape-token-0123456789abcdef';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ METRICS_TOKEN: TOKEN });
}, 60_000);
afterAll(() => s?.close());

async function scrape(base: string, token?: string) {
  const res = await fetch(`${base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, text, body, headers: res.headers };
}

async function families(): Promise<{ text: string; f: Map<string, Family> }> {
  const res = await scrape(s.url, TOKEN);
  expect(res.status).toBe(200);
  return { text: res.text, f: parsePrometheusText(res.text) };
}

const count = (f: Map<string, Family>, histogram: string, where: Record<string, string> = {}) => sumOf(f, histogram, where, `${histogram}_count`);

describe('GET /metrics with METRICS_TOKEN', () => {
  test('refused without the token, with another one, or with it outside the Authorization header: 401 in the envelope', async () => {
    expectError(await scrape(s.url), 401, 'unauthorized');
    expectError(await scrape(s.url, 'scrape-token-0123456789abcdeX'), 401, 'unauthorized');
    expectError(await scrape(s.url, TOKEN.slice(0, -1)), 401, 'unauthorized');
    const inQuery = await fetch(`${s.url}/metrics?token=${TOKEN}`);
    expect(inQuery.status).toBe(401);
  });

  test('a chat moves the counters of each step, and the exposition is valid and names no one', async () => {
    const before = (await families()).f;

    const pat = await s.guest('Canary Zebrapatient');
    const patWs = await TestSocket.open(s.wsUrl, pat.token);
    const started = await s.call('POST', '/api/v1/sessions', { token: pat.token, body: { reason: 'canary zebrareason' } });
    expect(started.status).toBe(201);
    const id = started.body.id as string;

    // Nobody is available: the patient waits, and the queue of the demo clinic shows it.
    const waiting = (await families()).f;
    expect(sumOf(waiting, 'medchat_queue_waiting_sessions', { clinic: 'demo' })).toBe(1);
    expect(sumOf(waiting, 'medchat_queue_oldest_wait_seconds', { clinic: 'demo' })).toBeGreaterThanOrEqual(0);

    const joy = await s.login('nurse.joy@demo.clinic');
    const joyWs = await TestSocket.open(s.wsUrl, joy.token);
    expect((await joyWs.request({ type: 'availability.set', availability: 'available' })).type).toBe('ack');
    await patWs.waitFor((e) => e.type === 'session.assigned');
    expect((await patWs.request({ type: 'subscribe', sessionId: id, lastSeq: 0 })).type).toBe('ack');
    expect((await joyWs.request({ type: 'subscribe', sessionId: id, lastSeq: 0 })).type).toBe('ack');
    expect((await patWs.request({ type: 'message.send', sessionId: id, clientMsgId: 'p1', body: 'canary zebrabody' })).type).toBe('ack');
    await joyWs.waitFor((e) => e.type === 'message.created' && e.message.clientMsgId === 'p1');
    expect((await joyWs.request({ type: 'message.send', sessionId: id, clientMsgId: 'j1', body: 'canary zebrareply' })).type).toBe('ack');
    await patWs.waitFor((e) => e.type === 'message.created' && e.message.clientMsgId === 'j1');

    // The request log counts a request after its answer is written: poll until the last ones are in.
    const { text, f: after } = (await until(async () => {
      const scraped = await families();
      return count(scraped.f, 'medchat_http_request_duration_seconds', { route: '/api/v1/socket/ticket' }) -
        count(before, 'medchat_http_request_duration_seconds', { route: '/api/v1/socket/ticket' }) >=
        2
        ? scraped
        : null;
    }, 'the scrape to count the chat'))!;
    const moved = (name: string, where: Record<string, string> = {}) => sumOf(after, name, where) - sumOf(before, name, where);
    const movedCount = (name: string, where: Record<string, string> = {}) => count(after, name, where) - count(before, name, where);

    // HTTP, by route pattern and status.
    expect(movedCount('medchat_http_request_duration_seconds', { method: 'POST', route: '/api/v1/sessions', status: '201' })).toBe(1);
    expect(movedCount('medchat_http_request_duration_seconds', { method: 'POST', route: '/api/v1/auth/guest', status: '200' })).toBe(1);
    expect(movedCount('medchat_http_request_duration_seconds', { method: 'GET', route: '/api/v1/socket' })).toBe(2);
    // Sockets and frames.
    expect(sumOf(after, 'medchat_sockets_open', { role: 'patient' })).toBe(1);
    expect(sumOf(after, 'medchat_sockets_open', { role: 'staff' })).toBe(1);
    expect(moved('medchat_sockets_opened_total')).toBe(2);
    expect(moved('medchat_socket_frames_received_total', { type: 'message.send' })).toBe(2);
    expect(moved('medchat_socket_frames_received_total', { type: 'subscribe' })).toBe(2);
    expect(moved('medchat_socket_frames_received_total', { type: 'availability.set' })).toBe(1);
    expect(moved('medchat_socket_frames_sent_total')).toBeGreaterThanOrEqual(8);
    // Messages: two stored in batches, each delivered to both subscribers.
    expect(moved('medchat_messages_stored_total')).toBe(2);
    expect(movedCount('medchat_message_batch_size')).toBeGreaterThanOrEqual(1);
    expect(
      sumOf(after, 'medchat_message_batch_size', {}, 'medchat_message_batch_size_sum') -
        sumOf(before, 'medchat_message_batch_size', {}, 'medchat_message_batch_size_sum'),
    ).toBe(2);
    expect(moved('medchat_messages_delivered_total')).toBeGreaterThanOrEqual(4);
    expect(movedCount('medchat_message_delivery_lag_seconds')).toBeGreaterThanOrEqual(2);
    // The assignment: one, after a wait, counted by the instance that made it.
    expect(moved('medchat_assignments_total', { reason: 'employee_available' })).toBe(1);
    expect(movedCount('medchat_assignment_wait_seconds')).toBe(1);
    expect(moved('medchat_bus_events_published_total', { event: 'message.created' })).toBeGreaterThanOrEqual(2);
    // Health of what the instance depends on, and the process.
    expect(sumOf(after, 'medchat_database_up')).toBe(1);
    expect(sumOf(after, 'medchat_bus_listening')).toBe(1);
    expect(sumOf(after, 'medchat_queue_waiting_sessions', { clinic: 'demo' })).toBe(0);
    expect(sumOf(after, 'medchat_process_resident_memory_bytes')).toBeGreaterThan(0);

    // Labels never carry ids, names or text; HELP is there for every family.
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(text).not.toMatch(/zebra/i);
    expect(text).not.toContain('Joy');
    for (const family of after.values()) expect(family.help.length).toBeGreaterThan(0);

    for (const ws of [patWs, joyWs]) ws.close();
  });
});

describe('where /metrics is served', () => {
  test('without METRICS_TOKEN or METRICS_PORT it is not: 404 like any unknown path', async () => {
    const plain = await startTestServer();
    try {
      expectError(await scrape(plain.url), 404, 'not_found');
    } finally {
      await plain.close();
    }
  });

  test('with METRICS_PORT, on that port only (the main port answers 404, even with the token)', async () => {
    const split = await startTestServer({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN });
    try {
      expect(split.metricsPort).toBeGreaterThan(0);
      expectError(await scrape(split.url, TOKEN), 404, 'not_found');
      const base = `http://127.0.0.1:${split.metricsPort}`;
      expectError(await scrape(base), 401, 'unauthorized');
      const ok = await scrape(base, TOKEN);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(parsePrometheusText(ok.text).has('medchat_http_request_duration_seconds')).toBe(true);
    } finally {
      await split.close();
    }
  });
});
