import type { Config } from './config';
import type { Database, DatabaseHandle } from './db/client';
import type { Bus } from './lib/bus';
import type { Logger } from './lib/logger';

/** What every module needs, built once at start-up (server/src/server.ts) and passed down. */
export interface AppContext {
  config: Config;
  db: Database;
  database: DatabaseHandle;
  bus: Bus;
  logger: Logger;
  /** Identifies this process among several sharing one Postgres. */
  instanceId: string;
}
