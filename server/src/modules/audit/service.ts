import { desc, eq, sql } from 'drizzle-orm';
import type { AuditEntry } from '@medchat/sdk/protocol';
import type { Queryable } from '../../db/client';
import { prepared } from '../../db/prepared';
import { auditLog } from '../../db/schema';

export type AuditAction =
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.logout'
  | 'auth.guest'
  | 'auth.identify'
  | 'session.started'
  | 'session.viewed'
  | 'session.ended'
  | 'messages.read'
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
  | 'session.purged';

export interface AuditRecord {
  clinicId: string;
  actorId: string | null;
  action: AuditAction;
  sessionId?: string | null;
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

/** Appends audit rows: ids, action and address only, never content or names (RELIABILITY P1). */
export async function recordAudit(q: Queryable, ...records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((r) => ({ ...r, sessionId: r.sessionId ?? null, subjectId: r.subjectId ?? null, ip: r.ip ?? null }));
  if (rows.length === 1) await insertOne(q, rows[0]!);
  else await q.insert(auditLog).values(rows);
}

export async function listSessionAudit(q: Queryable, sessionId: string): Promise<AuditEntry[]> {
  const rows = await q.select().from(auditLog).where(eq(auditLog.sessionId, sessionId)).orderBy(desc(auditLog.at)).limit(500);
  return rows.map((r) => ({ id: r.id, actorId: r.actorId, action: r.action, sessionId: r.sessionId, ip: r.ip, at: r.at.toISOString() }));
}
