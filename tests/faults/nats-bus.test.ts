/**
 * BUS_URL=nats://…: two instances on one Postgres carry their events over NATS instead of LISTEN/NOTIFY. A patient
 * on one and a nurse on the other are assigned and chat both ways; each instance's scrape shows the events it received
 * from the other; when one instance's NATS connection is cut, /readyz names the bus, and once it is back the
 * subscriber catches up on what it missed, once each, in order. Needs Postgres and the NATS server (127.0.0.1:4222,
 * or NATS_URL); skipped with a message otherwise.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { connect as connectTcp } from 'node:net';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { parsePrometheusText, sumOf } from '../helpers/prometheus-text';
import { startTestServer, type TestServer } from '../helpers/server';
import { TestSocket } from '../helpers/socket';
import { TcpProxy } from '../helpers/tcp-proxy';
import { until } from '../helpers/until';

setDefaultTimeout(60_000);

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const natsUp = await new Promise<boolean>((resolve) => {
  const { hostname, port } = new URL(NATS_URL);
  const socket = connectTcp({ host: hostname, port: Number(port) });
  socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
  socket.once('connect', () => (socket.destroy(), resolve(true)));
  socket.once('error', () => resolve(false));
});
if (!natsUp || !onPostgres) console.warn(`NATS bus test skipped: needs TEST_DATABASE_URL and a NATS server at ${NATS_URL}`);

const TOKEN = 'nats-scrape-token-0123456789';
let database: TestDatabase;
let proxy: TcpProxy;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  if (!natsUp || !onPostgres) return;
  database = await createTestDatabase();
  const { hostname, port } = new URL(NATS_URL);
  proxy = await TcpProxy.start({ hostname, port: Number(port) });
  a = await startTestServer({ BUS_URL: NATS_URL, METRICS_TOKEN: TOKEN }, database);
  // B's NATS connection runs through a proxy the test can cut.
  b = await startTestServer({ BUS_URL: proxy.url(NATS_URL).replace(/\/$/, ''), METRICS_TOKEN: TOKEN }, database);
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await proxy?.close();
  await database?.drop();
});

async function scrape(s: TestServer) {
  const res = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return parsePrometheusText(await res.text());
}

describe.skipIf(!natsUp || !onPostgres)('two instances over NATS', () => {
  test('a chat across instances, counted on each; a cut NATS link shows in /readyz, and the subscriber catches up once back', async () => {
    const joy = await b.login('nurse.joy@demo.clinic');
    const joyWs = await TestSocket.open(b.wsUrl, joy.token);
    expect((await joyWs.request({ type: 'availability.set', availability: 'available' })).type).toBe('ack');

    const pat = await a.guest('Pat');
    const patWs = await TestSocket.open(a.wsUrl, pat.token);
    const started = await a.call('POST', '/api/v1/sessions', { token: pat.token, body: { reason: 'Cough' } });
    const id = started.body.id as string;
    await joyWs.waitFor((e) => e.type === 'employee.assigned');
    await patWs.waitFor((e) => e.type === 'session.assigned');
    expect((await patWs.request({ type: 'subscribe', sessionId: id, lastSeq: 0 })).type).toBe('ack');
    expect((await joyWs.request({ type: 'subscribe', sessionId: id, lastSeq: 0 })).type).toBe('ack');

    await patWs.request({ type: 'message.send', sessionId: id, clientMsgId: 'p1', body: 'Hello from A' });
    await joyWs.waitFor((e) => e.type === 'message.created' && e.message.clientMsgId === 'p1');
    await joyWs.request({ type: 'message.send', sessionId: id, clientMsgId: 'j1', body: 'Hello from B' });
    await patWs.waitFor((e) => e.type === 'message.created' && e.message.clientMsgId === 'j1');
    for (const s of [a, b]) expect(sumOf(await scrape(s), 'medchat_bus_events_received_total', { event: 'message.created' })).toBeGreaterThanOrEqual(1);

    // B cannot hear the bus: /readyz says which; what A's patient writes meanwhile reaches B's nurse once it is back.
    proxy.refuse();
    await until(async () => (await fetch(`${b.url}/readyz`)).status === 503, "B's readiness to drop");
    expect(await (await fetch(`${b.url}/readyz`)).json()).toEqual({ status: 'unavailable', database: 'up', bus: 'not_listening' });
    for (const n of [2, 3, 4]) await patWs.request({ type: 'message.send', sessionId: id, clientMsgId: `p${n}`, body: `while cut ${n}` });
    proxy.restore();
    await until(async () => (await fetch(`${b.url}/readyz`)).ok, "B's readiness to return");
    await until(() => joyWs.messages(id).some((m) => m.clientMsgId === 'p4'), 'the nurse to catch up');
    const seqs = joyWs.messages(id).map((m) => m.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    const scraped = await scrape(b);
    expect(sumOf(scraped, 'medchat_bus_relistens_total')).toBeGreaterThanOrEqual(1);
    expect(sumOf(scraped, 'medchat_bus_resyncs_total')).toBeGreaterThanOrEqual(1);
    for (const ws of [patWs, joyWs]) ws.close();
  });
});
