import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { QueueEntry, Session, WaitingOnPatientEntry } from '@medchat/sdk/protocol';
import type { Queryable } from '../../db/client';
import { prepared } from '../../db/prepared';
import { chatSessions, users } from '../../db/schema';

const patient = alias(users, 'patient');
const employee = alias(users, 'employee');

type SessionRow = typeof chatSessions.$inferSelect;

export function toSession(row: SessionRow, patientName: string, employeeName: string | null): Session {
  return {
    id: row.id,
    clinicId: row.clinicId,
    status: row.status,
    patient: { id: row.patientId, displayName: patientName },
    employee: row.employeeId ? { id: row.employeeId, displayName: employeeName ?? '' } : null,
    reason: row.reason,
    priority: row.priority,
    leftWhileClosed: row.leftWhileClosed,
    teamId: row.teamId,
    topic: row.topic,
    createdAt: row.createdAt.toISOString(),
    firstAssignedAt: row.firstAssignedAt?.toISOString() ?? null,
    endedAt: row.endedAt?.toISOString() ?? null,
    endedBy: row.endedBy,
    lastSeq: row.lastSeq,
  };
}

function selectSessions(q: Queryable) {
  return q
    .select({ session: chatSessions, patientName: patient.displayName, employeeName: employee.displayName })
    .from(chatSessions)
    .innerJoin(patient, eq(patient.id, chatSessions.patientId))
    .leftJoin(employee, eq(employee.id, chatSessions.employeeId));
}

const toView = (r: { session: SessionRow; patientName: string; employeeName: string | null }) => toSession(r.session, r.patientName, r.employeeName);

const sessionById = prepared((db) =>
  selectSessions(db)
    .where(eq(chatSessions.id, sql.placeholder('id')))
    .prepare('session_view'),
);

export async function getSessionView(q: Queryable, id: string): Promise<Session | null> {
  const [row] = await sessionById(q, { id });
  return row ? toView(row) : null;
}

export async function getSessionViews(q: Queryable, ids: string[]): Promise<Session[]> {
  if (ids.length === 0) return [];
  return (await selectSessions(q).where(inArray(chatSessions.id, ids))).map(toView);
}

export async function listSessionViews(q: Queryable, where: ReturnType<typeof and>, limit = 200): Promise<Session[]> {
  return (await selectSessions(q).where(where).orderBy(sql`${chatSessions.createdAt} desc`).limit(limit)).map(toView);
}

/** How many of the clinic's patients wait now, and how many chats wait on their patient (out of the queue). */
export async function countWaiting(q: Queryable, clinicId: string): Promise<{ waiting: number; waitingOnPatient: number }> {
  const [row] = await q
    .select({
      waiting: sql<number>`count(*) filter (where ${chatSessions.status} = 'waiting')`.mapWith(Number),
      waitingOnPatient: sql<number>`count(*) filter (where ${chatSessions.status} = 'idle')`.mapWith(Number),
    })
    .from(chatSessions)
    .where(and(eq(chatSessions.clinicId, clinicId), inArray(chatSessions.status, ['waiting', 'idle'])));
  return { waiting: row?.waiting ?? 0, waitingOnPatient: row?.waitingOnPatient ?? 0 };
}

/**
 * The queue's order, the engine's (assignments/engine.ts): urgent first (the enum is declared most urgent first),
 * then oldest first.
 */
export const queueOrder = [asc(chatSessions.priority), asc(chatSessions.createdAt), asc(chatSessions.id)];

/**
 * 1-based place in the clinic's queue, or null when not waiting. Counted apart per priority: an urgent patient
 * counts only the urgent sessions ahead of them; a routine one every urgent session and the older routine ones.
 * And per team: only sessions waiting for the same team (or all for anyone) count.
 */
export async function queuePosition(q: Queryable, session: { id: string; clinicId: string; status: string }): Promise<number | null> {
  if (session.status !== 'waiting') return null;
  const [row] = await q
    .select({ ahead: count() })
    .from(chatSessions)
    .where(
      and(
        eq(chatSessions.clinicId, session.clinicId),
        eq(chatSessions.status, 'waiting'),
        // Compared in the database: a JavaScript Date would cut created_at's microseconds.
        sql`(${chatSessions.priority}, ${chatSessions.createdAt}, ${chatSessions.id}) < (select o.priority, o.created_at, o.id from chat_sessions o where o.id = ${session.id})`,
        // Per team: only the sessions waiting for the same team (or, for one without, those for anyone) are ahead.
        sql`${chatSessions.teamId} is not distinct from (select o.team_id from chat_sessions o where o.id = ${session.id})`,
      ),
    );
  return (row?.ahead ?? 0) + 1;
}

export async function listQueue(q: Queryable, clinicId: string): Promise<QueueEntry[]> {
  const rows = await q
    .select({ session: chatSessions, patientName: patient.displayName })
    .from(chatSessions)
    .innerJoin(patient, eq(patient.id, chatSessions.patientId))
    .where(and(eq(chatSessions.clinicId, clinicId), eq(chatSessions.status, 'waiting')))
    .orderBy(...queueOrder)
    .limit(500);
  const places = new Map<string | null, number>();
  return rows.map((r) => ({
    sessionId: r.session.id,
    patient: { id: r.session.patientId, displayName: r.patientName },
    reason: r.session.reason,
    priority: r.session.priority,
    leftWhileClosed: r.session.leftWhileClosed,
    teamId: r.session.teamId,
    createdAt: r.session.createdAt.toISOString(),
    position: places.set(r.session.teamId, (places.get(r.session.teamId) ?? 0) + 1).get(r.session.teamId)!,
  }));
}

/**
 * The clinic's chats waiting on their patient (status idle), longest first, with who held them last: out of the
 * queue, shown to staff apart from it.
 */
export async function listWaitingOnPatient(q: Queryable, clinicId: string): Promise<WaitingOnPatientEntry[]> {
  const rows = await q
    .select({
      session: chatSessions,
      patientName: patient.displayName,
      employeeId: sql<string | null>`last_holder.employee_id`,
      employeeName: sql<string | null>`last_holder.display_name`,
    })
    .from(chatSessions)
    .innerJoin(patient, eq(patient.id, chatSessions.patientId))
    .leftJoin(
      sql`lateral (select a.employee_id, u.display_name from assignments a join users u on u.id = a.employee_id
                    where a.session_id = ${chatSessions.id} order by a.started_at desc limit 1) last_holder`,
      sql`true`,
    )
    .where(and(eq(chatSessions.clinicId, clinicId), eq(chatSessions.status, 'idle')))
    .orderBy(asc(chatSessions.idleSince), asc(chatSessions.createdAt))
    .limit(500);
  return rows.map((r) => ({
    sessionId: r.session.id,
    patient: { id: r.session.patientId, displayName: r.patientName },
    reason: r.session.reason,
    createdAt: r.session.createdAt.toISOString(),
    idleSince: (r.session.idleSince ?? r.session.createdAt).toISOString(),
    employee: r.employeeId ? { id: r.employeeId, displayName: r.employeeName ?? '' } : null,
  }));
}
