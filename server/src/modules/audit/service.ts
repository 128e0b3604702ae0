import { sql } from 'drizzle-orm';
import type { AuditEntry } from '@medchat/sdk/protocol';
import type { Queryable } from '../../db/client';
import { prepared } from '../../db/prepared';
import { rowsOf } from '../../db/rows';
import { auditLog } from '../../db/schema';

export type AuditAction =
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.logout'
  | 'auth.guest'
  | 'auth.identify'
  | 'auth.resume_link'
  | 'session.contact_changed'
  | 'session.started'
  | 'session.viewed'
  | 'session.subscribed'
  | 'sessions.listed'
  | 'queue.viewed'
  | 'assignments.read'
  | 'audit.read'
  | 'audit.exported'
  | 'fhir.exported'
  | 'fhir.bulk_exported'
  | 'transcript.downloaded'
  | 'report.read'
  | 'webhook.created'
  | 'webhook.secret_rotated'
  | 'webhook.deleted'
  | 'webhook.replayed'
  | 'session.ended'
  | 'messages.read'
  | 'notes.read'
  | 'note.created'
  | 'quick_reply.created'
  | 'quick_reply.updated'
  | 'quick_reply.deleted'
  | 'message.sent'
  | 'assignment.started'
  | 'assignment.ended'
  | 'employee.availability_changed'
  | 'employee.created'
  | 'employee.updated'
  | 'employee.password_changed'
  | 'employee.mfa_enabled'
  | 'employee.mfa_disabled'
  | 'clinic.settings_changed'
  | 'clinic.secret_rotated'
  | 'clinic.hours_changed'
  | 'clinic.intake_changed'
  | 'session.priority_changed'
  | 'session.triage_read'
  | 'session.purged'
  | 'session.transferred'
  | 'team.created'
  | 'team.updated'
  | 'team.deleted'
  | 'team.members_changed'
  | 'attachment.uploaded'
  | 'attachment.downloaded';

export interface AuditRecord {
  clinicId: string;
  actorId: string | null;
  action: AuditAction;
  sessionId?: string | null;
  /** A read of several sessions at once (a list, the queue): every session it showed. */
  sessionIds?: string[] | null;
  subjectId?: string | null;
  ip?: string | null;
}

/** Who caused a change, for its audit row: a user and their address, or the system (both null). */
export interface Cause {
  actorId: string | null;
  ip: string | null;
}
export const SYSTEM: Cause = { actorId: null, ip: null };

const insertOne = prepared((db) =>
  db
    .insert(auditLog)
    .values({
      clinicId: sql.placeholder('clinicId'),
      actorId: sql.placeholder('actorId'),
      action: sql.placeholder('action'),
      sessionId: sql.placeholder('sessionId'),
      subjectId: sql.placeholder('subjectId'),
      ip: sql.placeholder('ip'),
    })
    .prepare('audit_insert'),
);

/** Appends audit rows: ids, action and address only, never content or names (docs/requirements.md#privacy). */
export async function recordAudit(q: Queryable, ...records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((r) => ({
    ...r,
    sessionId: r.sessionId ?? null,
    sessionIds: r.sessionIds ?? null,
    subjectId: r.subjectId ?? null,
    ip: r.ip ?? null,
  }));
  // The prepared statement leaves session_ids out (drizzle's array column cannot take a null placeholder).
  if (rows.length === 1 && rows[0]!.sessionIds === null) await insertOne(q, rows[0]!);
  else await q.insert(auditLog).values(rows);
}

/** A position in the log, after which a page starts: the (time, id) of the last row of the page before. */
export interface AuditCursor {
  at: string;
  id: string;
}

export interface AuditQuery {
  clinicId: string;
  /** Rows about this session: naming it, or a list read that showed it. */
  sessionId?: string;
  /** From this time (inclusive) to that (exclusive), ISO 8601. */
  from?: string;
  to?: string;
  after?: AuditCursor | null;
  /** The last row a page may hold (inclusive). */
  upTo?: AuditCursor | null;
  offset?: number;
  limit: number;
}

export type AuditRow = AuditEntry & { cursor: AuditCursor };

/**
 * Rows of one clinic's log in order of time (then id), `limit` at most, after a cursor. Keyset pagination: each
 * page is an index range scan, however deep into the log (audit_log_clinic_id_at_idx; a session's rows by
 * audit_log_session_id_at_idx and audit_log_session_ids_idx).
 */
export async function auditRows(q: Queryable, query: AuditQuery): Promise<AuditRow[]> {
  const { clinicId, sessionId, from, to, after, upTo, offset = 0, limit } = query;
  const rows = rowsOf<RawAuditRow>(
    await q.execute(sql`
      select id, actor_id, action, session_id, session_ids, subject_id, ip, at, at::text as at_key
        from audit_log
       where clinic_id = ${clinicId}
         ${sessionId ? sql`and (session_id = ${sessionId} or session_ids @> array[${sessionId}]::uuid[])` : sql``}
         ${from ? sql`and at >= ${from}::timestamptz` : sql``}
         ${to ? sql`and at < ${to}::timestamptz` : sql``}
         ${after ? sql`and (at, id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}
         ${upTo ? sql`and (at, id) <= (${upTo.at}::timestamptz, ${upTo.id}::uuid)` : sql``}
       order by at, id
       offset ${offset} limit ${limit}`),
  );
  return rows.map(toEntry);
}

type RawAuditRow = {
  id: string;
  actor_id: string | null;
  action: string;
  session_id: string | null;
  session_ids: string[] | string | null;
  subject_id: string | null;
  ip: string | null;
  at: Date | string;
  at_key: string;
};

function toEntry(r: RawAuditRow): AuditRow {
  return {
    id: r.id,
    actorId: r.actor_id,
    action: r.action,
    sessionId: r.session_id,
    sessionIds: parseUuidArray(r.session_ids),
    subjectId: r.subject_id,
    ip: r.ip,
    at: new Date(r.at).toISOString(),
    cursor: { at: r.at_key, id: r.id },
  };
}

/** A uuid[] as the driver gives it: an array, or Postgres' text form `{a,b}` (raw SQL on some drivers). */
function parseUuidArray(value: string[] | string | null): string[] | null {
  if (value === null || Array.isArray(value)) return value;
  return value === '{}' ? [] : value.slice(1, -1).split(',');
}
