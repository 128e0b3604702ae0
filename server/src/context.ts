import type { Config } from './config';
import type { Database, DatabaseHandle, Tx } from './db/client';
import type { BusEvent } from './lib/bus-events';
import type { Bus } from './lib/bus';
import type { Logger } from './lib/logger';
import type { Metrics } from './lib/metrics';
import type { Slots } from './lib/slots';
import type { Tracing } from './lib/tracing';
import type { HttpLimits } from './modules/auth/limits';
import type { BlobStore } from './modules/attachments/storage';
import type { MessageWriter } from './modules/messages/writer';

/** What every module needs, built once at start-up (server/src/server.ts) and passed down. */
export interface AppContext {
  config: Config;
  db: Database;
  database: DatabaseHandle;
  bus: Bus;
  logger: Logger;
  /** Identifies this process among several sharing one Postgres. */
  instanceId: string;
  /** HTTP rate limits of this instance (modules/auth/limits.ts). */
  limits: HttpLimits;
  /** Stores this instance's messages in batches (modules/messages/writer.ts); built once in runtime.ts. */
  writer: MessageWriter;
  /** Where attachment bytes are kept (modules/attachments/storage.ts): the database or S3-compatible storage. */
  blobs: BlobStore;
  /**
   * Uploads being decoded, encoded and stored at once on this instance (modules/attachments/service.ts): one per core,
   * so many uploads at once wait their turn rather than each holding a decoded image.
   */
  uploadSlots: Slots;
  /** This instance's Prometheus metrics (lib/metrics.ts), served at /metrics. */
  metrics: Metrics;
  /** This instance's OpenTelemetry tracer (lib/tracing.ts): a no-op one unless an OTLP endpoint is configured. */
  tracing: Tracing;
  /** Set from SIGTERM on (server.ts `drain`): `/readyz` answers 503 `draining` while the instance still serves. */
  lifecycle: { draining: boolean };
  /**
   * The wall clock opening hours are read at (open or closed, a session left while closed): `() => new Date()`.
   * Only code in the same process can change it: the tests, to move a clinic from night to morning.
   */
  clock: () => Date;
  /** Runs inside each `inTransaction` before it commits, with the events it emitted (the webhook outbox, runtime.ts). */
  beforeCommit?: (tx: Tx, events: readonly BusEvent[]) => Promise<void>;
}
