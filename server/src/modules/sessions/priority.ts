/**
 * A session's priority after its start: staff raise or lower it, saying why (`POST /sessions/:id/priority`), and
 * read the triage (the patient's red-flag answers and every change since, `GET /sessions/:id/triage`). Each change
 * is a row of the append-only `priority_changes` trail and an audit row, written in the transaction of the change,
 * under the clinic's queue lock, since it reorders the queue.
 */
import { asc, eq, sql } from 'drizzle-orm';
import { INTAKE_LIMITS, type Session, type SessionPriorityParams, type SessionTriage } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Queryable } from '../../db/client';
import { chatSessions, priorityChanges, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { cleanText } from '../../lib/text';
import { inTransaction } from '../../lib/transaction';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/actor';
import { lockQueue, lockSession } from '../assignments/engine';
import { canRead, type SessionRow } from './access';
import { getSessionView } from './views';

/**
 * Staff may change the priority of a session they may read (the holder, a former holder, an admin), and of any
 * waiting session of their clinic: every member of staff sees the queue. Others get `session_not_found`.
 */
async function canTriage(q: Queryable, actor: Actor, session: SessionRow): Promise<boolean> {
  if (actor.role === 'patient' || session.clinicId !== actor.clinicId) return false;
  return session.status === 'waiting' || (await canRead(q, actor, session));
}

export async function changePriority(ctx: AppContext, actor: Actor, sessionId: string, input: SessionPriorityParams, ip: string | null): Promise<Session> {
  if (actor.role === 'patient') throw new AppError('forbidden', undefined, 'Only staff change a session’s priority.');
  const reason = cleanText(input.reason, 'reason', { maxLength: INTAKE_LIMITS.priorityReason, allowNewlines: true, refuseBidi: true });
  return inTransaction(ctx, async (tx, emit) => {
    await lockQueue(tx, actor.clinicId);
    const row = await lockSession(tx, sessionId);
    if (!row || !(await canTriage(tx, actor, row))) throw new AppError('session_not_found');
    if (row.status === 'ended') throw new AppError('session_ended');
    if (row.priority !== input.priority) {
      await tx.update(chatSessions).set({ priority: input.priority }).where(eq(chatSessions.id, sessionId));
      await tx.insert(priorityChanges).values({ sessionId, changedBy: actor.id, fromPriority: row.priority, toPriority: input.priority, reason });
      await recordAudit(tx, { clinicId: row.clinicId, actorId: actor.id, action: 'session.priority_changed', sessionId, ip });
      emit({ t: 'session.prioritized', clinicId: row.clinicId, sessionId, priority: input.priority, changedBy: actor.id });
      // Waiting patients' places and estimates move; the matcher serves the new order.
      if (row.status === 'waiting') emit({ t: 'queue.changed', clinicId: row.clinicId });
    }
    const session = await getSessionView(tx, sessionId);
    return session!;
  });
}

/** The patient's red-flag answers (PHI), whether the clinic vouched for who they are, and the trail of changes, for staff who may triage the session; each read is audited. */
export async function readTriage(ctx: AppContext, actor: Actor, sessionId: string, ip: string | null): Promise<SessionTriage> {
  const [row] = await ctx.db.select().from(chatSessions).where(eq(chatSessions.id, sessionId));
  if (!row || !(await canTriage(ctx.db, actor, row))) throw new AppError('session_not_found');
  const changes = await ctx.db
    .select({ c: priorityChanges, name: users.displayName })
    .from(priorityChanges)
    .innerJoin(users, eq(users.id, priorityChanges.changedBy))
    .where(eq(priorityChanges.sessionId, sessionId))
    .orderBy(asc(priorityChanges.createdAt), asc(sql`${priorityChanges.id}`));
  // An external id is only ever set by a clinic-signed identity token (auth/service.ts#identify): a verified patient.
  const [patient] = await ctx.db.select({ externalId: users.externalId }).from(users).where(eq(users.id, row.patientId));
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'session.triage_read', sessionId, ip });
  return {
    priority: row.priority,
    redFlags: (row.intakeAnswers?.redFlags ?? []).map(({ question, answer }) => ({ question, answer })),
    changes: changes.map(({ c, name }) => ({
      id: c.id,
      changedBy: { id: c.changedBy, displayName: name },
      from: c.fromPriority,
      to: c.toPriority,
      reason: c.reason,
      at: c.createdAt.toISOString(),
    })),
    identity: patient?.externalId ? { externalId: patient.externalId } : null,
  };
}
