import type postgres from 'postgres';
import type { BusEvent } from './bus-events';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { currentTraceparent, inSpan, SpanKind, traceparentContext, type Tracing } from './tracing';

/** Delivers events to every server instance, this one included, after the transaction that caused them. */
export interface Bus {
  publish(events: readonly BusEvent[]): Promise<void>;
  /** Handler for each event; returns an unsubscribe function. */
  subscribe(handler: (event: BusEvent) => void): () => void;
  /**
   * Called when events may have been missed or dropped unhandled: after the listener reconnected, or when the
   * database answers again after being unreachable. Catch up from the database.
   */
  onResync(handler: () => void): () => void;
  /** Whether events from other instances reach this one now (`/readyz`, `medchat_bus_listening`). */
  readonly isListening: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The handlers of a bus, each called in turn; one that throws is logged and the others still run. */
export class Handlers<T extends unknown[]> {
  private readonly set = new Set<(...args: T) => void>();
  add(fn: (...args: T) => void) {
    this.set.add(fn);
    return () => void this.set.delete(fn);
  }
  call(logger: Logger, ...args: T) {
    for (const fn of this.set) {
      try {
        fn(...args);
      } catch (error) {
        logger.error('bus.handler_failed', { errorName: (error as Error)?.name });
      }
    }
  }
}

/** One process (PGlite): events go straight to the handlers. */
export class InProcessBus implements Bus {
  private readonly handlers = new Handlers<[BusEvent]>();
  private readonly resyncs = new Handlers<[]>();
  readonly isListening = true;
  constructor(
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly tracing?: Tracing,
  ) {}
  async publish(events: readonly BusEvent[]) {
    countEvents(this.metrics?.busPublished, events);
    // The handlers run in the publisher's trace: a microtask keeps the active span.
    await publishSpan(this.tracing, 'in-process', events.length, async () => deliverLocally(this.handlers, this.logger, events));
  }
  subscribe(handler: (event: BusEvent) => void) {
    return this.handlers.add(handler);
  }
  onResync(handler: () => void) {
    return this.resyncs.add(handler);
  }
  async start() {}
  async stop() {}
}

/** This instance's handlers get the events as they are, in a microtask (never inside the publisher's call). */
export function deliverLocally(handlers: Handlers<[BusEvent]>, logger: Logger, events: readonly BusEvent[]) {
  for (const e of events) queueMicrotask(() => handlers.call(logger, e));
}

/** Events from another instance: counted by type (`medchat_bus_events_received_total`), then handled. */
export function deliverReceived(handlers: Handlers<[BusEvent]>, logger: Logger, metrics: Metrics | undefined, events: readonly BusEvent[]) {
  for (const event of events) {
    metrics?.busReceived.inc({ event: typeof event?.t === 'string' && event.t.length <= 40 ? event.t : 'unknown' });
    handlers.call(logger, event);
  }
}

/** Counts each event of a publish by its type (`medchat_bus_events_published_total`). */
export function countEvents(counter: Metrics['busPublished'] | undefined, events: readonly BusEvent[]) {
  if (counter) for (const e of events) counter.inc({ event: e.t });
}

/**
 * A publish in a span of its own when tracing is on; `send` gets the span's `traceparent`, which the events carry
 * to the other instances (`tp`), so their handling continues the publisher's trace.
 */
export function publishSpan(tracing: Tracing | undefined, system: string, count: number, send: (traceparent?: string) => Promise<void>) {
  if (!tracing?.enabled) return send();
  const attributes = { 'messaging.system': system, 'messaging.operation.type': 'send', 'messaging.batch.message_count': count };
  return inSpan(tracing.tracer, 'bus publish', { kind: SpanKind.PRODUCER, attributes }, async () => send(currentTraceparent()));
}

/** Hands events from another instance to the handlers, in a span that continues the publisher's trace. */
export function receiveSpan(tracing: Tracing | undefined, system: string, received: Unpacked, deliver: (events: BusEvent[]) => void) {
  if (!tracing?.enabled) return deliver(received.events);
  const attributes = { 'messaging.system': system, 'messaging.operation.type': 'process', 'messaging.batch.message_count': received.events.length };
  tracing.tracer.startActiveSpan('bus receive', { kind: SpanKind.CONSUMER, attributes }, traceparentContext(received.traceparent), (span) => {
    try {
      deliver(received.events);
    } finally {
      span.end();
    }
  });
}

/** What leaves the process: the event without its in-process payload, with the publisher's trace (`tp`) if traced. */
function toWire(event: BusEvent, traceparent?: string): string {
  const { messages: _local, waitedSeconds: _counted, ...rest } = event as BusEvent & { messages?: unknown; waitedSeconds?: unknown };
  return JSON.stringify(traceparent ? { ...rest, tp: traceparent } : rest);
}

const CHANNEL = 'medchat_events';
/** NOTIFY takes payloads under 8,000 bytes. */
const MAX_PAYLOAD_BYTES = 7900;

/**
 * Notification payloads: `<origin instance id> [event,…]`, the events of one publish packed into as few
 * notifications as fit, so a batch of commits over many sessions costs Postgres a few notifications, and an
 * instance drops its own by their first characters, without parsing them. A probe is `probe <id>`.
 */
export function packEvents(origin: string, events: readonly BusEvent[], traceparent?: string): string[] {
  const payloads: string[] = [];
  let parts: string[] = [];
  let bytes = 0;
  const head = Buffer.byteLength(origin) + 3;
  for (const event of events) {
    const wire = toWire(event, traceparent);
    const size = Buffer.byteLength(wire) + 1;
    if (parts.length > 0 && head + bytes + size > MAX_PAYLOAD_BYTES) {
      payloads.push(`${origin} [${parts.join(',')}]`);
      parts = [];
      bytes = 0;
    }
    parts.push(wire);
    bytes += size;
  }
  if (parts.length > 0) payloads.push(`${origin} [${parts.join(',')}]`);
  return payloads;
}

/** The events of a notification, and the trace they were published in (one per publish). */
export interface Unpacked {
  events: BusEvent[];
  traceparent?: string;
}

/** A notification another instance sent: its events, or none for anything this version cannot read. */
export function unpackTraced(payload: string): Unpacked {
  const space = payload.indexOf(' ');
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.slice(space + 1));
  } catch {
    return { events: [] };
  }
  if (!Array.isArray(parsed)) return { events: [] };
  let traceparent: string | undefined;
  // The trace stays on the bus: handlers (and whatever they send on to clients) get the event as it was published.
  const events = parsed.map((event: BusEvent & { tp?: unknown }) => {
    if (event === null || typeof event !== 'object' || !('tp' in event)) return event;
    const { tp, ...rest } = event;
    if (typeof tp === 'string') traceparent ??= tp;
    return rest as BusEvent;
  });
  return { events, traceparent };
}

export const unpackEvents = (payload: string): BusEvent[] => unpackTraced(payload).events;

const PROBE = 'probe ';

export interface PostgresBusOptions {
  /** How often the LISTEN connection is probed. */
  probeIntervalMs: number;
  /** A probe not heard back within this long (after it was sent) means the LISTEN connection is dead. */
  probeTimeoutMs?: number;
  metrics?: Metrics;
  tracing?: Tracing;
}

const PROBE_TIMEOUT_MS = 3000;

/**
 * Several instances on one Postgres: LISTEN/NOTIFY on a client of its own (docs/requirements.md#operations). When the LISTEN
 * connection drops, postgres.js listens again by itself. When it goes silent without dropping (packets lost, a
 * firewall or proxy that forgot it), nothing would notice: so the bus sends itself a probe now and then, and when
 * one is published but never heard, it replaces the client. A resync follows every listen after the first, and the
 * first probe that gets through after some could not: events may have been missed, or received while the database
 * could not be read to handle them.
 * This instance's handlers get each event directly (with its in-process payload); the others get it by NOTIFY,
 * and an instance ignores its own notifications.
 */
export class PostgresBus implements Bus {
  private readonly handlers = new Handlers<[BusEvent]>();
  private readonly resyncs = new Handlers<[]>();
  private listener: postgres.Sql | null = null;
  private listens = 0;
  /** The probe in flight: when its NOTIFY was asked for (`askedAt`), and when Postgres took it (`sentAt`). */
  private probe: { id: string; askedAt: number; sentAt: number } | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private checking = false;
  /** A silent listener is being replaced (the next listen is counted as `silent`, not `dropped`). */
  private replacing = false;
  private unreachable = false;
  private stopped = false;

  constructor(
    private readonly sql: postgres.Sql,
    private readonly openListener: () => postgres.Sql,
    private readonly logger: Logger,
    private readonly instanceId: string,
    private readonly options: PostgresBusOptions,
  ) {}

  /** Listening, and the last probe (if any) was heard within its timeout. */
  get isListening() {
    const probe = this.probe;
    const late = probe !== null && performance.now() - probe.sentAt > (this.options.probeTimeoutMs ?? PROBE_TIMEOUT_MS);
    return this.listener !== null && this.listens > 0 && !late;
  }

  private get metrics() {
    return this.options.metrics;
  }

  async publish(events: readonly BusEvent[]) {
    if (events.length === 0) return;
    countEvents(this.metrics?.busPublished, events);
    deliverLocally(this.handlers, this.logger, events);
    await publishSpan(this.options.tracing, 'postgresql', events.length, async (traceparent) => {
      // One JSON array of payloads, not a text[] parameter: the client does not fetch array types (db/client.ts).
      const payloads = JSON.stringify(packEvents(this.instanceId, events, traceparent));
      const end = this.metrics?.busPublishSeconds.startTimer();
      await this.sql`select pg_notify(${CHANNEL}, p) from json_array_elements_text(${payloads}::json) as p`;
      end?.();
    });
  }
  subscribe(handler: (event: BusEvent) => void) {
    return this.handlers.add(handler);
  }
  onResync(handler: () => void) {
    return this.resyncs.add(handler);
  }
  async start() {
    await this.listen();
    this.timer = setInterval(() => void this.check(), this.options.probeIntervalMs);
  }
  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const listener = this.listener;
    this.listener = null;
    await listener?.end({ timeout: 1 }).catch(() => {});
  }

  private async listen() {
    const client = this.openListener();
    this.listener = client;
    try {
      await client.listen(
        CHANNEL,
        (payload) => client === this.listener && this.receive(payload),
        () => client === this.listener && this.listened(),
      );
    } catch (error) {
      if (this.listener === client) this.listener = null;
      void client.end({ timeout: 0 }).catch(() => {});
      throw error;
    }
    if (this.stopped) void client.end({ timeout: 0 }).catch(() => {});
  }

  private listened() {
    if (this.listens++ === 0) return;
    this.logger.warn('bus.relistened');
    // A new client after a silent one was counted as such when it was replaced.
    if (!this.replacing) this.metrics?.busRelistens.inc({ cause: 'dropped' });
    this.replacing = false;
    this.resync();
  }

  private resync() {
    this.metrics?.busResyncs.inc();
    this.resyncs.call(this.logger);
  }

  private receive(payload: string) {
    if (payload.startsWith(PROBE)) {
      const probe = this.probe;
      if (probe && payload.slice(PROBE.length) === probe.id) {
        this.metrics?.busProbeSeconds.observe((performance.now() - probe.askedAt) / 1000);
        this.probe = null;
      }
      return;
    }
    // This instance delivered its own events already, when it published them.
    if (payload.startsWith(`${this.instanceId} `)) return;
    receiveSpan(this.options.tracing, 'postgresql', unpackTraced(payload), (events) => deliverReceived(this.handlers, this.logger, this.metrics, events));
  }

  /** Sends a probe, or if the last one was sent and never heard, listens again on a new client. */
  private async check() {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      const probe = this.probe;
      if (probe && performance.now() - probe.sentAt > (this.options.probeTimeoutMs ?? PROBE_TIMEOUT_MS)) {
        this.logger.warn('bus.listener_silent');
        this.metrics?.busRelistens.inc({ cause: 'silent' });
        await this.relisten();
      } else if (!probe) {
        await this.sendProbe();
      }
    } finally {
      this.checking = false;
    }
  }

  private async sendProbe() {
    // Registered before sending: the probe may be heard before the NOTIFY itself returns.
    const probe = { id: crypto.randomUUID(), askedAt: performance.now(), sentAt: Infinity };
    this.probe = probe;
    try {
      await this.sql`select pg_notify(${CHANNEL}, ${PROBE + probe.id})`;
      probe.sentAt = performance.now();
    } catch {
      // The database is away: that says nothing about the LISTEN connection.
      if (this.probe === probe) this.probe = null;
      this.unreachable = true;
      return;
    }
    if (this.unreachable) {
      this.unreachable = false;
      this.logger.warn('bus.database_back');
      this.resync();
    }
  }

  private async relisten() {
    this.replacing = true;
    this.probe = null;
    const old = this.listener;
    this.listener = null;
    void old?.end({ timeout: 0 }).catch(() => {});
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        return await this.listen();
      } catch {
        await Bun.sleep(Math.min(50 * 2 ** attempt, 1000));
      }
    }
  }
}
