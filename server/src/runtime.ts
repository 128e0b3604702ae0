import type { Config } from './config';
import type { AppContext } from './context';
import { migrateDatabase, openDatabase } from './db/client';
import { InProcessBus, PostgresBus } from './lib/bus';
import { createLogger, type Logger } from './lib/logger';
import { RateLimiter } from './lib/rate-limit';

/** Opens the database (migrating it), and the bus that suits it: everything a module needs. */
export async function createContext(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<AppContext> {
  const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  await migrateDatabase(database);
  const instanceId = crypto.randomUUID();
  const bus =
    database.kind === 'postgres'
      ? new PostgresBus(database.client, database.openListener, logger, instanceId, { probeIntervalMs: config.sweepIntervalMs })
      : new InProcessBus(logger);
  await bus.start();
  const limits = {
    user: new RateLimiter(config.httpRequestsPerSecond, config.httpRequestsPerSecond * 4),
    signIn: new RateLimiter(config.signInsPerMinute / 60, config.signInsPerMinute),
  };
  return { config, db: database.db, database, bus, logger, instanceId, limits };
}

export async function closeContext(ctx: AppContext) {
  await ctx.bus.stop();
  await ctx.database.close();
}
