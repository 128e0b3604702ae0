import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { BusEvent } from './bus-events';
import { type Bus, countEvents, deliverLocally, deliverReceived, Handlers, packEvents, publishSpan, receiveSpan, unpackTraced } from './bus';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { Tracing } from './tracing';

export interface NatsBusOptions {
  /** `nats://host:port` (BUS_URL). */
  url: string;
  /** The subject every instance of one deployment shares (runtime.ts derives it from the database's name). */
  subject: string;
  /** How often the client pings the server; two unanswered pings mean a dead connection, which is replaced. */
  pingIntervalMs: number;
  metrics?: Metrics;
  tracing?: Tracing;
}

/**
 * Events between instances over core NATS (BUS_URL=nats://…), the same contract as LISTEN/NOTIFY (lib/bus.ts): this
 * instance's handlers get each event directly, with its in-process payload; the others get the ids-only payloads of
 * `packEvents` on one subject, and an instance drops its own by their prefix. Delivery is at most once, as with
 * NOTIFY: the database stays the record, and every reconnect (the client's own, after a drop or two unanswered pings)
 * is followed by a resync from it. No JetStream stream is needed for that: nothing is replayed from the bus.
 * Contract tests: bus.contract.test.ts, against the real server.
 */
/**
 * Sent by an instance after its connection came back: what it published just before the drop may have died on the
 * way (written to a socket that was already gone), so the others catch their subscribers up from the database too.
 * A JSON string, not an array of events: an instance that does not know it reads no event from it.
 */
const RESYNC_REQUEST = '"resync"';

export class NatsBus implements Bus {
  private readonly handlers = new Handlers<[BusEvent]>();
  private readonly resyncs = new Handlers<[]>();
  private nc: NatsConnection | null = null;
  private connected = false;
  /** The connection went stale (pings unanswered): its reconnect is counted as `silent`, not `dropped`. */
  private stale = false;

  constructor(
    private readonly logger: Logger,
    private readonly instanceId: string,
    private readonly options: NatsBusOptions,
  ) {}

  get isListening() {
    return this.connected && this.nc !== null && !this.nc.isClosed();
  }

  async publish(events: readonly BusEvent[]) {
    if (events.length === 0) return;
    countEvents(this.options.metrics?.busPublished, events);
    deliverLocally(this.handlers, this.logger, events);
    const nc = this.nc;
    if (!nc) throw new Error('the NATS bus is not started');
    // Buffered by the client while it reconnects, and written with the next flush of its socket.
    await publishSpan(this.options.tracing, 'nats', events.length, async (traceparent) => {
      for (const payload of packEvents(this.instanceId, events, traceparent)) nc.publish(this.options.subject, payload);
    });
  }
  subscribe(handler: (event: BusEvent) => void) {
    return this.handlers.add(handler);
  }
  onResync(handler: () => void) {
    return this.resyncs.add(handler);
  }

  async start() {
    const nc = await connect({
      servers: this.options.url,
      name: `medchat-${this.instanceId}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      pingInterval: this.options.pingIntervalMs,
      maxPingOut: 2,
    });
    this.nc = nc;
    this.connected = true;
    nc.subscribe(this.options.subject, { callback: (error, msg) => void (error ? null : this.receive(msg.string())) });
    // The subscription is registered with the server before start() returns: events published after are heard.
    await nc.flush();
    void this.watch(nc);
  }

  async stop() {
    const nc = this.nc;
    this.connected = false;
    if (nc && !nc.isClosed()) await nc.close().catch(() => {});
  }

  private receive(payload: string) {
    // This instance delivered its own events already, when it published them.
    if (payload.startsWith(`${this.instanceId} `)) return;
    if (payload.endsWith(` ${RESYNC_REQUEST}`)) {
      this.options.metrics?.busResyncs.inc();
      return this.resyncs.call(this.logger);
    }
    receiveSpan(this.options.tracing, 'nats', unpackTraced(payload), (events) => deliverReceived(this.handlers, this.logger, this.options.metrics, events));
  }

  /** Follows the connection: not listening while disconnected; after each reconnect, a resync. */
  private async watch(nc: NatsConnection) {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.connected = false;
          this.logger.warn('bus.disconnected');
          break;
        case 'staleConnection':
          this.connected = false;
          this.stale = true;
          this.logger.warn('bus.listener_silent');
          break;
        case 'reconnect':
          this.connected = true;
          this.options.metrics?.busRelistens.inc({ cause: this.stale ? 'silent' : 'dropped' });
          this.stale = false;
          this.options.metrics?.busResyncs.inc();
          this.logger.warn('bus.relistened');
          this.resyncs.call(this.logger);
          nc.publish(this.options.subject, `${this.instanceId} ${RESYNC_REQUEST}`);
          break;
      }
    }
  }
}
