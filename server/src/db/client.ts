import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
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
  | {
      kind: 'postgres';
      db: Database;
      client: postgres.Sql;
      url: string;
      /** A new client for the bus's LISTEN connection, with the same safeguards; the bus replaces it when it goes silent. */
      openListener(): postgres.Sql;
      close(): Promise<void>;
    };

export interface OpenOptions {
  /** `postgres://…` for a real server; otherwise PGlite in `dataDir` (in memory when absent or `memory://`). */
  url?: string;
  dataDir?: string;
  /** Connections in the postgres.js pool. */
  poolSize?: number;
}

/** Server-side limits: a slow statement or lock wait fails cleanly (a 503) and keeps its connection. */
const SERVER_TIMEOUTS = {
  statement_timeout: 5000,
  idle_in_transaction_session_timeout: 10000,
  lock_timeout: 5000,
};

/** How long a query waits for a database that answers nothing at all: short enough for a 503 within 2 s (docs/requirements.md#operations). */
const DATABASE_DEADLINE_MS = 1500;
/** How long a query may wait while the database still answers on other connections: past its own timeouts. */
const SLOW_QUERY_CAP_MS = SERVER_TIMEOUTS.statement_timeout + 1000;

/** Reconnect attempts while the database is away: quick at first, never more than a second apart. */
const reconnectBackoff = (attempt: number) => Math.min(0.05 * 2 ** attempt, 1) * (0.5 + Math.random() / 2);

/**
 * The socket factory postgres.js calls for each connection. postgres.js has no query timeout: when the database hangs
 * or packets vanish, a query, a transaction (drizzle #1008) or the start of a connection waits forever, and Postgres'
 * own timeouts never reach the client. So a socket that was sent something must hear back: it is destroyed when the
 * database has answered nothing, on any connection of the pool, for `deadlineMs`, or when it alone has waited
 * `capMs`. postgres.js then fails its queries (`DATABASE_TIMEOUT`, a 503) and opens a fresh connection for the next
 * ones. A query waiting on a lock while others get answers is left to Postgres' timeouts; idle sockets are not timed.
 * Over TLS there is no deadline yet: Bun upgrades the socket natively, and no byte passes through this one again.
 */
function socketsWithDeadline(deadlineMs: number, capMs: number) {
  let next = 0;
  let heardAt = 0;
  return (options: { host: string[]; port: number[]; path?: string | false; ssl?: unknown }): Socket => {
    const i = next++ % options.host.length;
    const host = options.host[i]!;
    const port = options.port[i] ?? 5432;
    // Connected before anything is wrapped: Bun's connect() replaces the socket's own write().
    const socket = options.path ? connect(options.path) : connect(port, host);
    // postgres.js names the address in its errors and sends `host` as the TLS server name.
    Object.assign(socket, { host, port });
    // postgres.js removes its listeners once a socket closed. An error reported after that would be thrown, and an
    // uncaught error ends the process: seen once as an unhandled ECONNREFUSED while Postgres refused connections.
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) =>
      event === 'error' && socket.listenerCount('error') === 0 ? false : emit(event, ...args)) as Socket['emit'];
    if (options.ssl) return socket;

    let timer: ReturnType<typeof setTimeout> | null = null;
    let waitingSince = 0;
    // Writes so far, and how many had been made when the wait began: data answers at least those.
    let sent = 0;
    let awaited = 0;
    const check = () => {
      const giveUpAt = Math.min(Math.max(heardAt, waitingSince) + deadlineMs, waitingSince + capMs);
      const now = performance.now();
      if (now < giveUpAt) timer = setTimeout(check, giveUpAt - now);
      else socket.destroy(Object.assign(new Error('the database did not answer in time'), { code: 'DATABASE_TIMEOUT' }));
    };
    const wait = () => {
      awaited = sent;
      waitingSince = performance.now();
      timer = setTimeout(check, deadlineMs);
    };
    const stop = () => {
      if (timer) clearTimeout(timer);
      timer = null;
    };
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((...args: unknown[]) => {
      sent++;
      if (!timer) wait();
      return write(...args);
    }) as Socket['write'];
    socket.on('data', () => {
      heardAt = performance.now();
      stop();
      // Something written after the wait began (a pipelined query) may still be waiting for its answer.
      if (sent > awaited) wait();
    });
    socket.on('close', stop);
    return socket;
  };
}

function openPostgres(url: string, max: number) {
  return postgres(url, {
    max,
    connect_timeout: DATABASE_DEADLINE_MS / 1000,
    idle_timeout: 30,
    // postgres.js closes connections after max_lifetime even mid-idle; keep it long to avoid churn.
    max_lifetime: 60 * 30,
    backoff: reconnectBackoff,
    // postgres.js would fetch the array types on each new connection in a promise nobody awaits: when the connection
    // drops meanwhile and the reconnect is refused, that rejection goes unhandled, and Bun exits on one. drizzle
    // encodes and decodes array columns itself.
    fetch_types: false,
    onnotice: () => {},
    connection: { ...SERVER_TIMEOUTS, application_name: 'medchat' },
    // Documented by postgres.js ("Custom socket") but missing from its types.
    ...({ socket: socketsWithDeadline(DATABASE_DEADLINE_MS, SLOW_QUERY_CAP_MS) } as object),
  });
}

export function openDatabase(options: OpenOptions = {}): DatabaseHandle {
  const url = options.url;
  if (url) {
    const client = openPostgres(url, options.poolSize ?? 10);
    const db = drizzlePostgres(client, { schema, casing: 'snake_case' }) as unknown as Database;
    return { kind: 'postgres', db, client, url, openListener: () => openPostgres(url, 1), close: () => client.end({ timeout: 5 }) };
  }
  if (options.dataDir && !options.dataDir.startsWith('memory://')) mkdirSync(options.dataDir, { recursive: true });
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
