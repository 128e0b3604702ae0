import { sql } from 'drizzle-orm';
import type { Database } from '../../server/src/db/client';

const TABLES = ['clinics', 'users', 'auth_tokens', 'chat_sessions', 'assignments', 'messages', 'read_markers', 'audit_log', 'connections'] as const;

/** `tx.execute` returns an array on postgres.js and `{ rows }` on PGlite. */
export function rows<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []);
}

/** Rows of one query, on either database. */
export async function query<T = Record<string, unknown>>(db: Database, q: ReturnType<typeof sql>): Promise<T[]> {
  return rows<T>(await db.execute(q));
}

/**
 * A digest of every table: row count plus an md5 of all rows. Two equal digests mean the request changed
 * nothing (RELIABILITY I1: a rejected request leaves the database as it was).
 */
export async function databaseDigest(db: Database): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const [row] = await query<{ n: number | string; h: string | null }>(
      db,
      sql.raw(`select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${table} t`),
    );
    out[table] = `${row!.n}:${row!.h}`;
  }
  return out;
}
