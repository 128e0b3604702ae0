/**
 * Prometheus metrics of one instance, on a registry of its own (several apps in one test process never share a
 * counter), plus the process's own (CPU, memory, event-loop lag, GC), which describe the process and are registered
 * once per process. Built once in runtime.ts and carried by the context; what each metric means, and the alerts on
 * them: docs/operations/metrics.md.
 *
 * Labels take a small, fixed set of values: route patterns (never paths), methods, statuses, roles, frame and event
 * types, error codes, and clinics' site keys (a clinic is an operator's customer, never a patient). Never a user or
 * session id, a name or any text a caller wrote.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds, for what a person waits on: requests, commits, fan-out. */
const FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds a patient waits for a member of staff. */
const WAIT = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** A clinic's queue, read from the database when scraped. */
export interface QueueSnapshot {
  clinic: string;
  waiting: number;
  oldestWaitSeconds: number;
}

/** Database-wide connection counts by state (pg_stat_activity), or null on the embedded database. */
export type ConnectionCounts = Record<string, number> | null;

/** What a scrape reads from outside the registry: the queues, and the database's connections. */
export interface ScrapeSources {
  isBusListening(): boolean;
  queues(): Promise<QueueSnapshot[]>;
  connections(): Promise<ConnectionCounts>;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly r = [this.registry];

  readonly httpRequests = new Histogram({
    name: 'medchat_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status, and how long each took to answer.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: FAST,
    registers: this.r,
  });
  readonly unavailable = new Counter({
    name: 'medchat_http_unavailable_total',
    help: 'HTTP answers 503, by cause (the error code).',
    labelNames: ['cause'] as const,
    registers: this.r,
  });

  readonly socketsOpen = new Gauge({ name: 'medchat_sockets_open', help: 'Open WebSockets, by role.', labelNames: ['role'] as const, registers: this.r });
  readonly socketsOpened = new Counter({
    name: 'medchat_sockets_opened_total',
    help: 'WebSockets opened, by role.',
    labelNames: ['role'] as const,
    registers: this.r,
  });
  readonly socketCloses = new Counter({
    name: 'medchat_socket_server_closes_total',
    help: 'WebSockets the server closed, by reason (slow_consumer: its send buffer did not drain; rate_limited: it kept flooding).',
    labelNames: ['reason'] as const,
    registers: this.r,
  });
  readonly framesIn = new Counter({
    name: 'medchat_socket_frames_received_total',
    help: 'Frames received on WebSockets, by frame type (invalid: refused before its type was known; rate_limited).',
    labelNames: ['type'] as const,
    registers: this.r,
  });
  readonly framesOut = new Counter({ name: 'medchat_socket_frames_sent_total', help: 'Frames written to WebSockets.', registers: this.r });
  readonly frameErrors = new Counter({
    name: 'medchat_socket_frame_errors_total',
    help: 'Error frames answered to WebSocket frames, by error code.',
    labelNames: ['code'] as const,
    registers: this.r,
  });

  readonly messagesStored = new Counter({ name: 'medchat_messages_stored_total', help: 'Messages committed by this instance.', registers: this.r });
  readonly batchSize = new Histogram({
    name: 'medchat_message_batch_size',
    help: 'Sends per message batch (one SQL statement, one commit).',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 512],
    registers: this.r,
  });
  readonly batchSeconds = new Histogram({
    name: 'medchat_message_batch_seconds',
    help: 'Time to write and commit one message batch.',
    buckets: FAST,
    registers: this.r,
  });
  readonly writerPending = new Gauge({
    name: 'medchat_message_writer_pending',
    help: 'Sends waiting for a batch to take them (the outbox of the message writer).',
    registers: this.r,
  });
  readonly messagesDelivered = new Counter({
    name: 'medchat_messages_delivered_total',
    help: 'Message frames queued to subscribed WebSockets (one per message and socket).',
    registers: this.r,
  });
  readonly deliveryLag = new Histogram({
    name: 'medchat_message_delivery_lag_seconds',
    help: "From a message's commit time to its frame queued to the first socket here.",
    buckets: FAST,
    registers: this.r,
  });

  readonly busPublished = new Counter({
    name: 'medchat_bus_events_published_total',
    help: 'Events this instance published on the bus, by event type.',
    labelNames: ['event'] as const,
    registers: this.r,
  });
  readonly busReceived = new Counter({
    name: 'medchat_bus_events_received_total',
    help: 'Events received from other instances, by event type.',
    labelNames: ['event'] as const,
    registers: this.r,
  });
  readonly busPublishSeconds = new Histogram({
    name: 'medchat_bus_publish_seconds',
    help: 'Time to hand one publish (its notifications) to the bus.',
    buckets: FAST,
    registers: this.r,
  });
  readonly busListening = new Gauge({
    name: 'medchat_bus_listening',
    help: '1 while the bus receives the events of other instances (LISTEN connection up and heard), else 0.',
    registers: this.r,
  });
  readonly draining = new Gauge({
    name: 'medchat_draining',
    help: '1 from SIGTERM until the instance exits (readiness 503 draining, then the drain), else 0.',
    registers: this.r,
  });
  readonly busRelistens = new Counter({
    name: 'medchat_bus_relistens_total',
    help: 'New LISTEN connections after the first, by cause (dropped: the client reconnected; silent: a probe went unheard).',
    labelNames: ['cause'] as const,
    registers: this.r,
  });
  readonly busResyncs = new Counter({
    name: 'medchat_bus_resyncs_total',
    help: 'Catch-ups from the database after events may have been missed.',
    registers: this.r,
  });
  readonly busProbeSeconds = new Histogram({
    name: 'medchat_bus_probe_roundtrip_seconds',
    help: 'From sending a bus probe to hearing it back: the lag of the bus itself.',
    buckets: FAST,
    registers: this.r,
  });

  readonly assignments = new Counter({
    name: 'medchat_assignments_total',
    help: 'Assignments opened by this instance, by reason.',
    labelNames: ['reason'] as const,
    registers: this.r,
  });
  readonly assignmentWait = new Histogram({
    name: 'medchat_assignment_wait_seconds',
    help: "From a session's start to its first assignment.",
    buckets: WAIT,
    registers: this.r,
  });
  readonly matcherPasses = new Counter({
    name: 'medchat_matcher_passes_total',
    help: 'Matching passes (waiting sessions given to free staff), by result.',
    labelNames: ['result'] as const,
    registers: this.r,
  });
  readonly timerTicks = new Counter({
    name: 'medchat_timer_ticks_total',
    help: 'Periodic jobs that came due, by timer and outcome (ran, skipped: the previous run had not finished, failed).',
    labelNames: ['timer', 'outcome'] as const,
    registers: this.r,
  });

  readonly queueWaiting = new Gauge({
    name: 'medchat_queue_waiting_sessions',
    help: 'Sessions waiting for staff, by clinic (site key); read from the database when scraped, the same on every instance.',
    labelNames: ['clinic'] as const,
    registers: this.r,
  });
  readonly queueOldest = new Gauge({
    name: 'medchat_queue_oldest_wait_seconds',
    help: 'How long the oldest waiting session of each clinic (site key) has waited; read when scraped.',
    labelNames: ['clinic'] as const,
    registers: this.r,
  });
  readonly databaseUp = new Gauge({
    name: 'medchat_database_up',
    help: '1 when the database answered the queries of the scrape within a second, else 0.',
    registers: this.r,
  });
  readonly databaseConnections = new Gauge({
    name: 'medchat_database_connections',
    help: 'Connections to the database, by state, from pg_stat_activity: every client of the database, not this instance only.',
    labelNames: ['state'] as const,
    registers: this.r,
  });

  /** Prometheus's text format: this instance's metrics and the process's, after reading the scrape-time sources. */
  async render(sources: ScrapeSources | null): Promise<string> {
    if (sources) await this.readSources(sources);
    return (await processRegistry().metrics()) + (await this.registry.metrics());
  }

  get contentType() {
    return this.registry.contentType;
  }

  private async readSources(sources: ScrapeSources) {
    this.busListening.set(sources.isBusListening() ? 1 : 0);
    const deadline = <T>(work: Promise<T>) =>
      Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref?.())]);
    try {
      const [queues, connections] = await deadline(Promise.all([sources.queues(), sources.connections()]));
      this.queueWaiting.reset();
      this.queueOldest.reset();
      for (const q of queues) {
        this.queueWaiting.set({ clinic: q.clinic }, q.waiting);
        this.queueOldest.set({ clinic: q.clinic }, q.oldestWaitSeconds);
      }
      this.databaseConnections.reset();
      for (const [state, n] of Object.entries(connections ?? {})) this.databaseConnections.set({ state }, n);
      this.databaseUp.set(1);
    } catch {
      this.databaseUp.set(0);
    }
  }
}

let processMetrics: Registry | null = null;
/** The process's metrics, registered once per process: their collectors (event-loop monitor, GC observer) are global. */
function processRegistry() {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: 'medchat_' });
  }
  return processMetrics;
}
