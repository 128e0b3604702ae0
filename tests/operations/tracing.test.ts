/**
 * OpenTelemetry traces, as a collector receives them: a real OTLP/HTTP receiver on loopback, servers started with
 * OTEL_EXPORTER_OTLP_ENDPOINT, and a chat over real HTTP and sockets. The spans continue a caller's `traceparent`,
 * name route patterns and frame types, link a message batch to the frames it stored, make the bus publish the
 * batch's child and, across two instances on Postgres, continue the publisher's trace on the instance that delivers
 * the message. No span name or attribute carries an id, a name or what anybody wrote.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { loadConfig } from '../../server/src/config';
import { NO_TRACING } from '../../server/src/lib/tracing';
import { tracingFor } from '../../server/src/runtime';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';
import { TestSocket } from '../helpers/socket';
import { until } from '../helpers/until';

setDefaultTimeout(60_000);

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  instance: string;
}

/** An OTLP/HTTP traces endpoint (JSON encoding, as the exporter sends it), keeping every span it is sent. */
function startReceiver() {
  const spans: ReceivedSpan[] = [];
  const value = (v: Record<string, unknown>) => v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue;
  const attributes = (list: { key: string; value: Record<string, unknown> }[] = []) => Object.fromEntries(list.map((a) => [a.key, value(a.value)]));
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      if (request.method !== 'POST' || new URL(request.url).pathname !== '/v1/traces') return new Response('not found', { status: 404 });
      const body = (await request.json()) as { resourceSpans: any[] };
      for (const rs of body.resourceSpans) {
        const instance = String(attributes(rs.resource?.attributes)['service.instance.id']);
        for (const ss of rs.scopeSpans) {
          for (const span of ss.spans) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              kind: span.kind,
              attributes: attributes(span.attributes),
              links: (span.links ?? []).map((l: { traceId: string; spanId: string }) => ({ traceId: l.traceId, spanId: l.spanId })),
              instance,
            });
          }
        }
      }
      return Response.json({});
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, spans, stop: () => server.stop(true) };
}

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let receiver: ReturnType<typeof startReceiver>;
beforeAll(() => {
  receiver = startReceiver();
});
afterAll(() => receiver?.stop());

/**
 * Two traced instances on one Postgres (the patient on the first, the nurse on the second), over the bus `env`
 * selects; one on the embedded database.
 */
function useTracedServers(env: Record<string, string> = {}) {
  const servers: TestServer[] = [];
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'medchat-test', ...env };
    servers.push(await startTestServer(traced, database));
    if (onPostgres) servers.push(await startTestServer(traced, database));
  }, 60_000);
  afterAll(async () => {
    for (const s of servers) await s.close();
    await database?.drop();
  });
  return servers;
}

describe('traces, with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  const servers = useTracedServers();

  test('off by default: without an endpoint the tracer is the no-op one; the traces URL wins over the base URL', async () => {
    expect(servers[0]!.ctx.tracing.enabled).toBe(true);
    expect(await tracingFor(loadConfig({}), 'instance')).toBe(NO_TRACING);
    const both = await tracingFor(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url + '/v1/traces' }),
      'instance',
    );
    expect(both.enabled).toBe(true);
    await both.shutdown();
  });

  test('a chat: requests continue the caller trace, a batch links to its frames, the bus carries the trace to the other instance', () =>
    traceChat(servers, onPostgres ? 'postgresql' : 'in-process'));
});

describe.skipIf(!onPostgres)('traces over the NATS bus (BUS_URL)', () => {
  const servers = useTracedServers({ BUS_URL: 'nats://127.0.0.1:4222' });
  test('the other instance delivers the message in the publisher trace', () => traceChat(servers, 'nats'));
});

async function traceChat(servers: TestServer[], system: string) {
  const flush = () => Promise.all(servers.map((s) => s.ctx.tracing.flush()));
  const patientSide = servers[0]!;
  const staffSide = servers.at(-1)!;
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpan = '00f067aa0ba902b7';
  const res = await fetch(`${patientSide.url}/api/v1/auth/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${callerTrace}-${callerSpan}-01` },
    body: JSON.stringify({ siteKey: 'demo', displayName: 'Canary Zebrapatient' }),
  });
  expect(res.status).toBe(200);
  const pat = (await res.json()) as { token: string };
  const started = await patientSide.call('POST', '/api/v1/sessions', { token: pat.token, body: { reason: 'canary zebrareason' } });
  expect(started.status).toBe(201);
  const id = started.body.id as string;

  const joy = await staffSide.login('nurse.joy@demo.clinic');
  const joyWs = await TestSocket.open(staffSide.wsUrl, joy.token);
  const patWs = await TestSocket.open(patientSide.wsUrl, pat.token);
  expect((await joyWs.request({ type: 'availability.set', availability: 'available' })).type).toBe('ack');
  await patWs.waitFor((e) => e.type === 'session.assigned');
  expect((await joyWs.request({ type: 'subscribe', sessionId: id, lastSeq: 0 })).type).toBe('ack');
  expect((await patWs.request({ type: 'message.send', sessionId: id, clientMsgId: 'p1', body: 'canary zebrabody' })).type).toBe('ack');
  await joyWs.waitFor((e) => e.type === 'message.created' && e.message.clientMsgId === 'p1');
  for (const ws of [patWs, joyWs]) ws.close();

  // Only these servers' spans: the receiver serves every describe block of the file.
  const ours = () => receiver.spans.filter((s) => servers.some((server) => server.ctx.instanceId === s.instance));
  const named = (name: string) => ours().filter((s) => s.name === name);
  await until(async () => {
    await flush();
    return named('socket message.send').length > 0 && named('messages.batch').length > 0 && (!onPostgres || named('bus receive').length > 0);
  }, 'the spans of the chat');

  // HTTP: named by method and route pattern, continuing the caller's trace when it sent one.
  const guest = named('POST /api/v1/auth/guest')[0]!;
  expect(guest).toMatchObject({ traceId: callerTrace, parentSpanId: callerSpan, kind: SERVER });
  expect(guest.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/api/v1/auth/guest', 'http.response.status_code': 200 });
  const start = named('POST /api/v1/sessions')[0]!;
  expect(start.parentSpanId).toBeUndefined();
  expect(start.attributes).toMatchObject({ 'http.route': '/api/v1/sessions', 'http.response.status_code': 201 });
  expect(named('GET /api/v1/socket').length).toBeGreaterThanOrEqual(2);

  // The patient's frame, the batch that stored it (linked, a trace of its own) and the bus publish under the batch.
  const frame = named('socket message.send').find((s) => s.instance === patientSide.ctx.instanceId)!;
  expect(frame).toMatchObject({ kind: SERVER, attributes: { 'medchat.frame': 'message.send' } });
  const batch = named('messages.batch').find((b) => b.links.some((l) => l.spanId === frame.spanId && l.traceId === frame.traceId))!;
  expect(batch).toBeDefined();
  expect(batch.attributes['medchat.batch.size']).toBeGreaterThanOrEqual(1);
  const publish = named('bus publish').find((p) => p.parentSpanId === batch.spanId)!;
  expect(publish).toMatchObject({ traceId: batch.traceId, kind: PRODUCER });
  expect(publish.attributes['messaging.system']).toBe(system);

  // The other instance delivers the message to the nurse in the same trace, under the publish.
  if (onPostgres) {
    const receive = named('bus receive').find((r) => r.parentSpanId === publish.spanId)!;
    expect(receive).toMatchObject({ traceId: publish.traceId, kind: CONSUMER, instance: staffSide.ctx.instanceId });
    expect(receive.attributes['messaging.batch.message_count']).toBeGreaterThanOrEqual(1);
  }

  // Nothing identifying: no ids, names or text in span names or attributes.
  const exported = JSON.stringify(ours().map(({ name, attributes }) => ({ name, attributes })));
  expect(exported).not.toMatch(UUID);
  expect(exported).not.toMatch(/zebra|joy/i);
}
