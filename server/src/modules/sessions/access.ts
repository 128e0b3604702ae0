import { and, eq } from 'drizzle-orm';
import type { Queryable, Tx } from '../../db/client';
import { assignments, chatSessions } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Actor } from '../auth/actor';
import { lockSession } from '../assignments/engine';

export type SessionRow = typeof chatSessions.$inferSelect;

/**
 * Object-level authorization for one session (docs/requirements.md#auth). A patient sees only their own sessions; an
 * employee sees sessions they hold or held; an admin sees their clinic. Anything else is `session_not_found`,
 * so callers learn nothing about sessions they may not see.
 */
export async function canRead(q: Queryable, actor: Actor, session: SessionRow): Promise<boolean> {
  if (session.clinicId !== actor.clinicId) return false;
  if (actor.role === 'admin') return true;
  if (actor.role === 'patient') return session.patientId === actor.id;
  if (session.employeeId === actor.id) return true;
  const [held] = await q
    .select({ id: assignments.id })
    .from(assignments)
    .where(and(eq(assignments.sessionId, session.id), eq(assignments.employeeId, actor.id)))
    .limit(1);
  return held !== undefined;
}

export async function readableSession(q: Queryable, actor: Actor, sessionId: string): Promise<SessionRow> {
  const [session] = await q.select().from(chatSessions).where(eq(chatSessions.id, sessionId));
  if (!session || !(await canRead(q, actor, session))) throw new AppError('session_not_found');
  return session;
}

/**
 * Row-locks a session the actor may read, for a change. Anyone who may not read it gets `session_not_found` before
 * any other check, so no answer (409 session_ended, 403 forbidden) tells them it exists
 * (tests/security/authorization-matrix.test.ts).
 */
export async function lockReadable(tx: Tx, actor: Actor, sessionId: string): Promise<SessionRow> {
  const session = await lockSession(tx, sessionId);
  if (!session || !(await canRead(tx, actor, session))) throw new AppError('session_not_found');
  return session;
}

/** Writing (messages, typing, read markers) is for the patient and the employee assigned right now. */
export function assertCanWrite(actor: Actor, session: SessionRow) {
  if (session.status === 'ended') throw new AppError('session_ended');
  if (actor.role === 'patient' && session.patientId === actor.id) return;
  if (actor.role !== 'patient' && session.employeeId === actor.id) return;
  throw new AppError('not_assigned');
}
