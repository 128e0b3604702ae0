import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as schema from './schema';

export type Schema = typeof schema;
/** The database or a transaction: every query function takes one of these first. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Queryable = Database | Tx;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle', import.meta.url));

export type DatabaseHandle =
  | { kind: 'pglite'; db: Database; client: PGlite; close(): Promise<void> }
  | { kind: 'postgres'; db: Database; client: postgres.Sql; url: string; close(): Promise<void> };

export interface OpenOptions {
  /** `postgres://…` for a real server; otherwise PGlite in `dataDir` (or in memory when absent). */
  url?: string;
  dataDir?: string;
  /** Connections in the postgres.js pool. */
  poolSize?: number;
}

/** Fail fast instead of hanging when the database is slow or gone (RELIABILITY O2). */
const SERVER_TIMEOUTS = {
  statement_timeout: 5000,
  idle_in_transaction_session_timeout: 10000,
  lock_timeout: 5000,
};

export function openDatabase(options: OpenOptions = {}): DatabaseHandle {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.poolSize ?? 10,
      connect_timeout: 3,
      idle_timeout: 30,
      // postgres.js closes connections after max_lifetime even mid-idle; keep it long to avoid churn.
      max_lifetime: 60 * 30,
      onnotice: () => {},
      connection: { ...SERVER_TIMEOUTS, application_name: 'medchat' },
    });
    const db = drizzlePostgres(client, { schema, casing: 'snake_case' }) as unknown as Database;
    return { kind: 'postgres', db, client, url: options.url, close: () => client.end({ timeout: 5 }) };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = new PGlite(options.dataDir);
  const db = drizzlePglite(client, { schema, casing: 'snake_case' }) as unknown as Database;
  return { kind: 'pglite', db, client, close: () => client.close() };
}

/** Applies drizzle-kit's migrations. On Postgres an advisory lock lets several instances start at once. */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  if (handle.kind === 'pglite') {
    await migratePglite(handle.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  // One dedicated connection, so the session advisory lock and the migration share it.
  const single = postgres(handle.url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await single`select pg_advisory_lock(7412001)`;
    await migratePostgres(drizzlePostgres(single, { schema, casing: 'snake_case' }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await single.end({ timeout: 5 });
  }
}
