/**
 * Reading the audit log: a session's trail (JSON pages) and the clinic's whole log for a time range (JSON lines or
 * CSV, streamed). Both page by an opaque cursor, never by a cap, and each read is itself audited.
 */
import { LIMITS, type AuditEntry } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { AppError } from '../../lib/errors';
import type { Actor } from '../auth/actor';
import { readableSession } from '../sessions/access';
import { auditRows, recordAudit, type AuditCursor, type AuditQuery, type AuditRow } from './service';

/** Entries per page of a session's trail. */
export const TRAIL_PAGE = 500;
/** Rows per page of an export, by default and at most. */
export const EXPORT_PAGE = 10_000;
export const MAX_EXPORT_PAGE = LIMITS.auditPage;
/** Rows read from the database per round while an export streams. */
const EXPORT_BATCH = 500;

export type AuditFormat = 'jsonl' | 'csv';

export function encodeCursor(c: AuditCursor): string {
  return Buffer.from(`${c.at}|${c.id}`).toString('base64url');
}

const CURSOR_AT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cursor from a previous page; anything else is invalid_request (never a database error). */
export function decodeCursor(value: string | undefined): AuditCursor | null {
  if (value === undefined) return null;
  const [at, id, ...rest] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (rest.length || !at || !id || !CURSOR_AT.test(at) || !UUID.test(id))
    throw new AppError('invalid_request', { field: 'cursor', problem: 'not a cursor from a previous page' });
  return { at, id };
}

const entryOf = ({ cursor: _, ...entry }: AuditRow): AuditEntry => entry;

/** One page of a session's trail, oldest first: rows naming it and the list reads that showed it. */
export async function readSessionAudit(ctx: AppContext, actor: Actor, sessionId: string, ip: string | null, cursor?: string) {
  const after = decodeCursor(cursor);
  await readableSession(ctx.db, actor, sessionId);
  const rows = await auditRows(ctx.db, { clinicId: actor.clinicId, sessionId, after, limit: TRAIL_PAGE + 1 });
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'audit.read', sessionId, ip });
  const more = rows.length > TRAIL_PAGE;
  const page = rows.slice(0, TRAIL_PAGE);
  return { entries: page.map(entryOf), nextCursor: more ? encodeCursor(page.at(-1)!.cursor) : null };
}

export interface ExportRequest {
  from?: string;
  to?: string;
  format: AuditFormat;
  cursor?: string;
  limit?: number;
}

const CSV_COLUMNS = ['id', 'at', 'action', 'actorId', 'sessionId', 'sessionIds', 'subjectId', 'ip'] as const;

/**
 * A CSV field: quoted when it holds a separator, quote or line break; a value a spreadsheet would run as a formula
 * (a client address is whatever X-Forwarded-For said) gets a leading apostrophe.
 */
export function csvField(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function formatRow(entry: AuditEntry, format: AuditFormat): string {
  if (format === 'jsonl') return JSON.stringify(entry) + '\n';
  const values = { ...entry, sessionIds: entry.sessionIds?.join(' ') ?? null };
  return CSV_COLUMNS.map((c) => csvField(values[c])).join(',') + '\r\n';
}

/**
 * The clinic's log from `from` (inclusive) to `to` (exclusive; by default the moment of the request), oldest first,
 * `limit` rows a page. The page's last row is found first, so its cursor goes in the answer's headers; then the
 * rows stream in batches, never all held in memory. The export is audited before it starts.
 */
export async function exportAudit(ctx: AppContext, actor: Actor, req: ExportRequest, ip: string | null) {
  const after = decodeCursor(req.cursor);
  const to = req.to ?? new Date().toISOString();
  if (req.from !== undefined && Date.parse(req.from) > Date.parse(to)) throw new AppError('invalid_request', { field: 'from', problem: 'after to' });
  const limit = req.limit ?? EXPORT_PAGE;
  const range: AuditQuery = { clinicId: actor.clinicId, from: req.from, to, after, limit: 2 };
  // The page's last row and the one after it, if any: when there is one, the next page starts after this page's last.
  const [last, next] = await auditRows(ctx.db, { ...range, offset: limit - 1 });
  const upTo = next ? last!.cursor : null;
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'audit.exported', ip });

  const encoder = new TextEncoder();
  let position = after;
  let header = req.format === 'csv';
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = await auditRows(ctx.db, { ...range, after: position, upTo, limit: EXPORT_BATCH });
      let chunk = header ? CSV_COLUMNS.join(',') + '\r\n' : '';
      header = false;
      for (const row of rows) chunk += formatRow(entryOf(row), req.format);
      if (chunk) controller.enqueue(encoder.encode(chunk));
      position = rows.at(-1)?.cursor ?? position;
      if (rows.length < EXPORT_BATCH) controller.close();
    },
  });
  return { stream, to, nextCursor: upTo ? encodeCursor(upTo) : null };
}
