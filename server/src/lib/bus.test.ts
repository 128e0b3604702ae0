import { describe, expect, test } from 'bun:test';
import type postgres from 'postgres';
import { until } from '../../../tests/helpers/until';
import type { BusEvent } from './bus-events';
import { PostgresBus, packEvents, unpackEvents, unpackTraced } from './bus';
import { createLogger } from './logger';
import { Metrics } from './metrics';

/** A LISTEN client of the fake database; a `deaf` one is still open but hears nothing, as when its packets vanish. */
interface FakeListener {
  deaf: boolean;
  ended: boolean;
  deliver(payload: string): void;
}

/** Stands in for Postgres: NOTIFY reaches every open listener that is not deaf; while `down`, every query fails. */
class FakePostgres {
  down = false;
  /** NOTIFY statements received, whether they got through or not. */
  notifies = 0;
  readonly listeners: FakeListener[] = [];

  readonly sql = ((_strings: TemplateStringsArray, ...values: unknown[]) => this.notify(values[1])) as unknown as postgres.Sql;

  readonly openListener = () => {
    const client: FakeListener & { fn?: (payload: string) => void } = { deaf: false, ended: false, deliver: (p) => client.fn?.(p) };
    this.listeners.push(client);
    return {
      listen: async (_channel: string, fn: (payload: string) => void, onlisten: () => void) => {
        if (this.down) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
        client.fn = fn;
        onlisten();
        return { state: {}, unlisten: async () => {} };
      },
      end: async () => void (client.ended = true),
    } as unknown as postgres.Sql;
  };

  private async notify(payloads: unknown) {
    this.notifies++;
    if (this.down) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    // A publish sends a JSON array of payloads; a probe, one payload.
    const list = String(payloads).startsWith('[') ? (JSON.parse(String(payloads)) as string[]) : [String(payloads)];
    for (const payload of list) {
      for (const l of this.listeners) if (!l.ended && !l.deaf) queueMicrotask(() => l.deliver(String(payload)));
    }
    return [];
  }
}

async function started(fake: FakePostgres, metrics?: Metrics) {
  const bus = new PostgresBus(fake.sql, fake.openListener, createLogger('silent'), 'this-instance', { probeIntervalMs: 10, probeTimeoutMs: 50, metrics });
  const events: BusEvent[] = [];
  let resyncs = 0;
  bus.subscribe((e) => events.push(e));
  bus.onResync(() => resyncs++);
  await bus.start();
  return { bus, events, resyncs: () => resyncs };
}

const typing = (n: number): BusEvent => ({ t: 'typing', clinicId: 'c', sessionId: `s${n}`, patientId: 'p', userId: 'u', isTyping: true });

describe('PostgresBus keeps its LISTEN connection alive (docs/requirements.md#operations)', () => {
  test('probes reach no subscriber, and a healthy connection is kept without resyncs', async () => {
    const fake = new FakePostgres();
    const { bus, events, resyncs } = await started(fake);
    await bus.publish([typing(1)]);
    await until(() => fake.notifies > 10, 'ten probes', 2000);
    expect(events).toEqual([typing(1)]);
    expect({ listeners: fake.listeners.length, resyncs: resyncs() }).toEqual({ listeners: 1, resyncs: 0 });
    await bus.stop();
    expect(fake.listeners[0]!.ended).toBe(true);
  });

  test('a connection that goes silent without closing is replaced, then the bus resyncs and hears again', async () => {
    const fake = new FakePostgres();
    const metrics = new Metrics();
    const { bus, events, resyncs } = await started(fake, metrics);
    await until(async () => (await metrics.registry.metrics()).includes('medchat_bus_probe_roundtrip_seconds_count 1'), 'a probe heard back', 2000);
    expect(bus.isListening).toBe(true);
    fake.listeners[0]!.deaf = true;
    // Not listening from when a probe goes unheard past its timeout until a new connection listens.
    await until(() => !bus.isListening || resyncs() === 1, 'the silence to show', 2000);
    await until(() => resyncs() === 1, 'a resync after the new listen', 2000);
    expect(bus.isListening).toBe(true);
    const text = await metrics.registry.metrics();
    expect(text).toContain('medchat_bus_relistens_total{cause="silent"} 1');
    expect(text).not.toContain('cause="dropped"');
    expect(text).toContain('medchat_bus_resyncs_total 1');
    expect(fake.listeners.map((l) => l.ended)).toEqual([true, false]);
    await bus.publish([typing(2)]);
    await until(() => events.length === 1, 'the event through the new connection', 2000);
    expect(events).toEqual([typing(2)]);
    expect(await metrics.registry.metrics()).toContain('medchat_bus_events_published_total{event="typing"} 1');
    await bus.stop();
  });

  test('while the database is unreachable nothing is replaced; once it answers again the bus resyncs once', async () => {
    const fake = new FakePostgres();
    const { bus, resyncs } = await started(fake);
    fake.down = true;
    const before = fake.notifies;
    await until(() => fake.notifies > before + 5, 'probes while the database is down', 2000);
    expect({ listeners: fake.listeners.length, resyncs: resyncs() }).toEqual({ listeners: 1, resyncs: 0 });
    fake.down = false;
    await until(() => resyncs() === 1, 'a resync once the database answers', 2000);
    const after = fake.notifies;
    await until(() => fake.notifies > after + 5, 'more probes', 2000);
    expect({ listeners: fake.listeners.length, resyncs: resyncs() }).toEqual({ listeners: 1, resyncs: 1 });
    await bus.stop();
  });
});

describe('notification payloads', () => {
  const created = (n: number): BusEvent => ({
    t: 'message.created',
    clinicId: crypto.randomUUID(),
    sessionId: crypto.randomUUID(),
    seq: n,
    messages: [{ id: 'm', sessionId: 's', seq: n, kind: 'text', sender: null, body: 'stays in the process', system: null, clientMsgId: null, createdAt: '' }],
  });

  test("an assignment's wait stays in the process (only the instance that made it counts it)", () => {
    const assigned: BusEvent = {
      t: 'session.assigned',
      clinicId: 'c',
      sessionId: 's',
      patientId: 'p',
      employeeId: 'e',
      assignmentId: 'a',
      reason: 'session_started',
      previousEmployeeId: null,
      waitedSeconds: 12.5,
    };
    const [payload] = packEvents('instance-a', [assigned]);
    expect(payload).not.toContain('waitedSeconds');
    const { waitedSeconds: _local, ...wire } = assigned as Extract<BusEvent, { t: 'session.assigned' }>;
    expect(unpackEvents(payload!)).toEqual([wire]);
  });

  test('a publish of many events packs them into few notifications under the 8,000-byte limit, in order', () => {
    const events = Array.from({ length: 500 }, (_, i) => created(i + 1));
    const payloads = packEvents('instance-a', events);
    expect(payloads.length).toBeLessThan(20);
    for (const p of payloads) {
      expect(Buffer.byteLength(p)).toBeLessThan(8000);
      expect(p.startsWith('instance-a [')).toBe(true);
    }
    const received = payloads.flatMap(unpackEvents);
    expect(received).toEqual(events.map((e) => ({ ...e, messages: undefined })).map(({ messages: _m, ...rest }) => rest as BusEvent));
  });

  test('a traced publish carries its traceparent on the wire; handlers get the events without it, and an untraced payload still reads', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const events = [created(1), created(2)];
    const [payload] = packEvents('instance-a', events, tp);
    expect(payload).toContain(tp);
    const received = unpackTraced(payload!);
    expect(received.traceparent).toBe(tp);
    const wire = events.map((e) => ({ ...e, messages: undefined })).map(({ messages: _m, ...rest }) => rest);
    expect(received.events).toEqual(wire as BusEvent[]);
    expect(JSON.stringify(received.events)).not.toContain(tp);
    // What an instance without tracing publishes (or an older one): no trace, the same events.
    const [plain] = packEvents('instance-a', events);
    expect(unpackTraced(plain!)).toEqual({ events: wire as BusEvent[], traceparent: undefined });
  });

  test('non-ASCII text is counted in bytes', () => {
    const event: BusEvent = { t: 'availability.changed', clinicId: 'ü'.repeat(2000), userId: 'u', availability: 'available' };
    const payloads = packEvents('instance-a', [event, event, event]);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(payloads.flatMap(unpackEvents)).toHaveLength(3);
  });

  test('a payload this version cannot read is ignored', () => {
    expect(unpackEvents('{"t":"typing"}')).toEqual([]);
    expect(unpackEvents('instance-a not json')).toEqual([]);
  });

  test("an instance does not handle its own notifications again, and hears the others'", async () => {
    const fake = new FakePostgres();
    const { bus, events } = await started(fake);
    await bus.publish([typing(1)]);
    fake.listeners[0]!.deliver(packEvents('other-instance', [typing(2)])[0]!);
    await until(() => events.length === 2, "the other instance's event");
    await Bun.sleep(20);
    expect(events.map((e) => (e as { sessionId: string }).sessionId)).toEqual(['s1', 's2']);
    await bus.stop();
  });
});
