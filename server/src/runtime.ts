import { availableParallelism } from 'node:os';
import type { Config } from './config';
import type { AppContext } from './context';
import { migrateDatabase, openDatabase } from './db/client';
import { type Bus, InProcessBus, PostgresBus } from './lib/bus';
import { NatsBus } from './lib/nats-bus';
import { createLogger, errorKind, type Logger } from './lib/logger';
import { Metrics } from './lib/metrics';
import { NO_TRACING, startTracing, type Tracing } from './lib/tracing';
import { createLimits } from './modules/auth/limits';
import { createMessageWriter } from './modules/messages/service';
import { enqueueEmails } from './modules/emails/outbox';
import { enqueueWebhooks } from './modules/webhooks/outbox';
import { blobStoreFor } from './modules/attachments/storage';
import { Slots } from './lib/slots';

/** Opens the database (migrating it), the bus that suits it and the message writer: everything a module needs. */
export async function createContext(config: Config, baseLogger: Logger = createLogger(config.logLevel)): Promise<AppContext> {
  const instanceId = crypto.randomUUID();
  // Every line names the instance that wrote it: several share one log stream behind a load balancer.
  const logger = baseLogger.with({ instanceId });
  const metrics = new Metrics();
  const tracing = await tracingFor(config, instanceId);
  const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  await migrateDatabase(database);
  const bus: Bus =
    database.kind !== 'postgres'
      ? new InProcessBus(logger, metrics, tracing)
      : config.busUrl
        ? // One subject per database: deployments (or test databases) sharing a NATS server never hear each other.
          new NatsBus(logger, instanceId, {
            url: config.busUrl,
            subject: `medchat.events.${databaseName(database.url)}`,
            pingIntervalMs: config.sweepIntervalMs,
            metrics,
            tracing,
          })
        : new PostgresBus(database.client, database.openListener, logger, instanceId, { probeIntervalMs: config.sweepIntervalMs, metrics, tracing });
  await bus.start();
  // The writer's one-message path writes its outbox rows through `beforeCommit` too: it must see it.
  const shared = {
    config,
    db: database.db,
    database,
    bus,
    logger,
    instanceId,
    limits: createLimits(config),
    metrics,
    tracing,
    lifecycle: { draining: false },
    beforeCommit: enqueueOutboxes,
  };
  return {
    ...shared,
    writer: createMessageWriter(shared),
    blobs: blobStoreFor(config, database.db),
    uploadSlots: new Slots(Math.max(1, availableParallelism())),
    clock: () => new Date(),
  };
}

/** What must commit with a change: its webhook events and the reply emails it makes due. */
async function enqueueOutboxes(tx: Parameters<typeof enqueueWebhooks>[0], events: Parameters<typeof enqueueWebhooks>[1]) {
  await enqueueWebhooks(tx, events);
  await enqueueEmails(tx, events);
}

export async function closeContext(ctx: AppContext) {
  await ctx.bus.stop();
  await ctx.database.close();
  // Last: the spans of the shutdown itself are sent too.
  await ctx.tracing.shutdown().catch((error) => ctx.logger.warn('tracing.shutdown_failed', errorKind(error)));
}

/** Traces go to the OTLP endpoint if one is configured; the traces URL wins over the base URL. */
export function tracingFor(config: Config, instanceId: string): Promise<Tracing> {
  const endpoint = config.otlpTracesEndpoint ?? (config.otlpEndpoint && `${config.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`);
  if (!endpoint) return Promise.resolve(NO_TRACING);
  return startTracing({ endpoint, serviceName: config.serviceName, sampleRatio: config.tracesSampleRatio, instanceId });
}

/** The database's name from its URL, as a NATS subject token (letters, digits, `_` and `-`). */
function databaseName(url: string) {
  return (new URL(url).pathname.slice(1) || 'postgres').replace(/[^A-Za-z0-9_-]/g, '_');
}
