import { sql } from 'drizzle-orm';
import type { Database } from '../../server/src/db/client';

export const TABLES = [
  'clinics',
  'users',
  'auth_tokens',
  'chat_sessions',
  'assignments',
  'messages',
  'read_markers',
  'audit_log',
  'connections',
  'clinic_intake',
  'priority_changes',
  'session_notes',
  'quick_replies',
  'attachments',
  'attachment_blobs',
  'pending_blobs',
] as const;
export type Table = (typeof TABLES)[number];

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
 * nothing (docs/requirements.md#input: a rejected request leaves the database as it was). One round trip for all tables, so
 * the fuzz tests can afford one per refused request.
 *
 * `leaveOut` names, per table, an SQL condition on the rows (`t`) to leave out of that table's digest: only for
 * a refusal that is meant to write, such as a failed login's audit row. Callers pass constants, never input.
 */
export async function databaseDigest(db: Database, leaveOut: Partial<Record<Table, string>> = {}): Promise<Record<string, string>> {
  const parts = TABLES.map((table) => {
    const where = leaveOut[table] ? ` where not (${leaveOut[table]})` : '';
    return `select '${table}' as name, count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${table} t${where}`;
  });
  const out: Record<string, string> = {};
  for (const row of await query<{ name: string; n: number | string; h: string | null }>(db, sql.raw(parts.join(' union all '))))
    out[row.name] = `${row.n}:${row.h}`;
  return out;
}
