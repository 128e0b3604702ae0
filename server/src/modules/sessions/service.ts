import { and, eq, inArray, ne, or, sql } from 'drizzle-orm';
import type { QueueStatus, Session, SessionStatus } from '@medchat/sdk/protocol';
import type { Queryable } from '../../db/client';
import { prepared } from '../../db/prepared';
import type { AppContext } from '../../context';
import { assignments, chatSessions, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { cleanText } from '../../lib/text';
import { inTransaction } from '../../lib/transaction';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/service';
import { assignSession, claimWaiting, closeAssignment, lockSession, releaseSession } from '../assignments/engine';
import { estimateWaitSeconds } from '../assignments/rules';
import { appendSystemMessage } from '../messages/store';
import { assertCanWrite, readableSession } from './access';
import { getSessionView, listSessionViews, queuePosition, toSession } from './views';

async function view(q: Queryable, id: string): Promise<Session> {
  const session = await getSessionView(q, id);
  if (!session) throw new AppError('session_not_found');
  return session;
}

// The statements of a start, built once (db/prepared.ts).
const openSessionOf = prepared((db) =>
  db
    .select({ id: chatSessions.id })
    .from(chatSessions)
    .where(and(eq(chatSessions.patientId, sql.placeholder('patientId')), ne(chatSessions.status, 'ended')))
    .prepare('open_session_of'),
);
const insertSession = prepared((db) =>
  db
    .insert(chatSessions)
    .values({ clinicId: sql.placeholder('clinicId'), patientId: sql.placeholder('patientId'), reason: sql.placeholder('reason') })
    // The partial unique index of open sessions: a patient who has one gets no second row (and no error).
    .onConflictDoNothing({ target: chatSessions.patientId, where: sql`status <> 'ended'` })
    .returning()
    .prepare('insert_session'),
);

const markEnded = prepared((db) =>
  db
    .update(chatSessions)
    .set({ status: 'ended', employeeId: null, endedAt: sql`now()`, endedBy: sql`${sql.placeholder('endedBy')}` })
    .where(eq(chatSessions.id, sql.placeholder('id')))
    .prepare('mark_session_ended'),
);

/**
 * A patient starts a chat. One open session per patient: a second start returns the open one. The insert comes
 * first and skips itself when an open session exists (a start at the same moment included: it waits for that
 * one's transaction), so the usual start is one statement shorter than looking first.
 */
export async function startSession(ctx: AppContext, actor: Actor, input: { reason: string }, ip: string | null): Promise<{ session: Session; created: boolean }> {
  if (actor.role !== 'patient') throw new AppError('forbidden', undefined, 'Only patients start sessions.');
  const reason = cleanText(input.reason, 'reason', { maxLength: 500, allowNewlines: true });
  return inTransaction(ctx, async (tx, emit) => {
    let row: typeof chatSessions.$inferSelect | undefined;
    // Twice at most: the open session may end between the insert and the look-up, and then the insert succeeds.
    for (let attempt = 0; ; attempt++) {
      [row] = await insertSession(tx, { clinicId: actor.clinicId, patientId: actor.id, reason });
      if (row) break;
      const [open] = await openSessionOf(tx, { patientId: actor.id });
      if (open) return { session: await view(tx, open.id), created: false };
      if (attempt === 1) throw new Error('startSession: neither a new nor an open session');
    }
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'session.started', sessionId: row.id, ip });
    const employee = await assignSession(tx, emit, row, 'session_started');
    if (employee) return { session: await view(tx, row.id), created: true };
    emit({ t: 'session.waiting', clinicId: actor.clinicId, sessionId: row.id, patientId: actor.id });
    emit({ t: 'queue.changed', clinicId: actor.clinicId });
    // Nothing changed since the insert: the view comes from its row, without a read.
    return { session: toSession(row, actor.displayName, null), created: true };
  });
}

export async function listSessions(ctx: AppContext, actor: Actor, filter: { status?: SessionStatus }): Promise<Session[]> {
  const status = filter.status ? eq(chatSessions.status, filter.status) : undefined;
  if (actor.role === 'patient') return listSessionViews(ctx.db, and(eq(chatSessions.patientId, actor.id), status));
  if (actor.role === 'admin') return listSessionViews(ctx.db, and(eq(chatSessions.clinicId, actor.clinicId), status));
  const held = ctx.db.selectDistinct({ id: assignments.sessionId }).from(assignments).where(eq(assignments.employeeId, actor.id));
  return listSessionViews(ctx.db, and(eq(chatSessions.clinicId, actor.clinicId), or(eq(chatSessions.employeeId, actor.id), inArray(chatSessions.id, held)), status));
}

export async function getSession(ctx: AppContext, actor: Actor, sessionId: string, ip: string | null): Promise<Session> {
  await readableSession(ctx.db, actor, sessionId);
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'session.viewed', sessionId, ip });
  return view(ctx.db, sessionId);
}

export async function getQueueStatus(ctx: AppContext, actor: Actor, sessionId: string): Promise<QueueStatus> {
  const row = await readableSession(ctx.db, actor, sessionId);
  const position = await queuePosition(ctx.db, row);
  if (position === null) throw new AppError('not_found', undefined, 'The session is not waiting.');
  return { position, estimatedWaitSeconds: estimateWaitSeconds(position, await availableStaff(ctx, row.clinicId)) };
}

/** Employees of the clinic available now, for wait estimates. */
export async function availableStaff(ctx: AppContext, clinicId: string): Promise<number> {
  const [row] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.clinicId, clinicId), eq(users.role, 'employee'), eq(users.active, true), eq(users.availability, 'available')));
  return row?.n ?? 0;
}

/** Only the patient ends a session. Ending closes the open assignment (reason session_ended). */
export async function endSession(ctx: AppContext, actor: Actor, sessionId: string, ip: string | null): Promise<Session> {
  return inTransaction(ctx, async (tx, emit) => {
    const row = await lockSession(tx, sessionId);
    if (!row || row.clinicId !== actor.clinicId || (actor.role === 'patient' && row.patientId !== actor.id)) throw new AppError('session_not_found');
    if (actor.role !== 'patient') throw new AppError('forbidden', undefined, 'Only the patient ends a session.');
    if (row.status === 'ended') return view(tx, sessionId);
    const previous = await closeAssignment(tx, row, 'session_ended', { by: { actorId: actor.id, ip } });
    await markEnded(tx, { id: sessionId, endedBy: actor.id });
    const m = await appendSystemMessage(tx, sessionId, { event: 'session.ended', employeeName: null });
    emit({ t: 'message.created', clinicId: row.clinicId, sessionId, seq: m.seq });
    emit({ t: 'session.ended', clinicId: row.clinicId, sessionId, patientId: row.patientId, previousEmployeeId: previous });
    if (row.status === 'waiting') emit({ t: 'queue.changed', clinicId: row.clinicId });
    await recordAudit(tx, { clinicId: row.clinicId, actorId: actor.id, action: 'session.ended', sessionId, ip });
    if (previous) await claimWaiting(tx, emit, previous);
    return view(tx, sessionId);
  });
}

/** Characters of a handover note. */
export const MAX_LEAVE_NOTE = 500;

/**
 * The assigned employee leaves (shift change): another available employee takes over, or the session waits. The
 * handover note goes on the ended assignment, for staff only.
 */
export async function leaveSession(ctx: AppContext, actor: Actor, sessionId: string, ip: string | null, note?: string): Promise<Session> {
  const leaveNote = note?.trim() ? cleanText(note, 'note', { maxLength: MAX_LEAVE_NOTE, allowNewlines: true }) : null;
  return inTransaction(ctx, async (tx, emit) => {
    const row = await lockSession(tx, sessionId);
    if (!row || row.clinicId !== actor.clinicId) throw new AppError('session_not_found');
    if (actor.role === 'patient') throw new AppError(row.patientId === actor.id ? 'forbidden' : 'session_not_found');
    assertCanWrite(actor, row);
    await releaseSession(tx, emit, row, 'left', { by: { actorId: actor.id, ip }, leaveNote });
    await claimWaiting(tx, emit, actor.id);
    return view(tx, sessionId);
  });
}
