import type { Config } from './config';
import type { Database, DatabaseHandle } from './db/client';
import type { Bus } from './lib/bus';
import type { Logger } from './lib/logger';
import type { RateLimiter } from './lib/rate-limit';

/** What every module needs, built once at start-up (server/src/server.ts) and passed down. */
export interface AppContext {
  config: Config;
  db: Database;
  database: DatabaseHandle;
  bus: Bus;
  logger: Logger;
  /** Identifies this process among several sharing one Postgres. */
  instanceId: string;
  /** HTTP rate limits of this instance (RELIABILITY I4): per signed-in user, and sign-ins per client address. */
  limits: { user: RateLimiter; signIn: RateLimiter };
}
