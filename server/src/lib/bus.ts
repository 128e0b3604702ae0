import type postgres from 'postgres';
import type { BusEvent } from './bus-events';
import type { Logger } from './logger';

/** Delivers events to every server instance, this one included, after the transaction that caused them. */
export interface Bus {
  publish(events: readonly BusEvent[]): Promise<void>;
  /** Handler for each event; returns an unsubscribe function. */
  subscribe(handler: (event: BusEvent) => void): () => void;
  /** Called after a (re)connection of the listener: events may have been missed, so catch up from the database. */
  onResync(handler: () => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

class Handlers<T extends unknown[]> {
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
  constructor(private readonly logger: Logger) {}
  async publish(events: readonly BusEvent[]) {
    deliverLocally(this.handlers, this.logger, events);
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
function deliverLocally(handlers: Handlers<[BusEvent]>, logger: Logger, events: readonly BusEvent[]) {
  for (const e of events) queueMicrotask(() => handlers.call(logger, e));
}

/** What leaves the process: the event without its in-process payload, and the instance it came from. */
function toWire(event: BusEvent, origin: string): string {
  const { messages: _local, ...rest } = event as BusEvent & { messages?: unknown };
  return JSON.stringify({ ...rest, origin });
}

const CHANNEL = 'medchat_events';

/**
 * Several instances on one Postgres: LISTEN/NOTIFY. This instance's handlers get each event directly (with its
 * in-process payload); the others get it by NOTIFY, and an instance ignores its own notifications.
 * postgres.js re-establishes a dropped LISTEN connection by itself and calls `onlisten` each time, which
 * triggers a resync (RELIABILITY O3).
 */
export class PostgresBus implements Bus {
  private readonly handlers = new Handlers<[BusEvent]>();
  private readonly resyncs = new Handlers<[]>();
  private listener: { unlisten(): Promise<void> } | null = null;
  private listens = 0;

  constructor(
    private readonly sql: postgres.Sql,
    private readonly logger: Logger,
    private readonly instanceId: string,
  ) {}

  async publish(events: readonly BusEvent[]) {
    if (events.length === 0) return;
    deliverLocally(this.handlers, this.logger, events);
    const payloads = events.map((e) => toWire(e, this.instanceId));
    await this.sql`select pg_notify(${CHANNEL}, p) from unnest(${payloads}::text[]) as p`;
  }
  subscribe(handler: (event: BusEvent) => void) {
    return this.handlers.add(handler);
  }
  onResync(handler: () => void) {
    return this.resyncs.add(handler);
  }
  async start() {
    this.listener = await this.sql.listen(
      CHANNEL,
      (payload) => {
        let event: BusEvent & { origin?: string };
        try {
          event = JSON.parse(payload);
        } catch {
          return;
        }
        if (event.origin === this.instanceId) return;
        this.handlers.call(this.logger, event);
      },
      () => {
        if (this.listens++ > 0) {
          this.logger.warn('bus.relistened');
          this.resyncs.call(this.logger);
        }
      },
    );
  }
  async stop() {
    await this.listener?.unlisten().catch(() => {});
    this.listener = null;
  }
}
