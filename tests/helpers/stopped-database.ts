/**
 * SQL on a test database while no server holds it, for the kill tests (tests/faults/*-kill.test.ts): a Postgres
 * database through a client of its own, or the embedded one opened from its folder (one process's at a time, so
 * only between servers).
 */
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { TestDatabase } from './database';

export type RunSql = (text: string) => Promise<Record<string, unknown>[]>;

export async function onStoppedDatabase<T>(database: TestDatabase, dataDir: string | undefined, work: (run: RunSql) => Promise<T>): Promise<T> {
  if (database.url) {
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      return await work(async (text) => [...(await sql.unsafe(text))]);
    } finally {
      await sql.end();
    }
  }
  const pg = new PGlite(dataDir!);
  try {
    return await work(async (text) => (await pg.query<Record<string, unknown>>(text)).rows);
  } finally {
    await pg.close();
  }
}
