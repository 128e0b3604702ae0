import { and, eq, inArray, ne, or, sql } from 'drizzle-orm';
import {
  LIMITS,
  type QueueEntry,
  type QueueStatus,
  type Session,
  type SessionStartParams,
  type SessionStatus,
  type WaitingOnPatientEntry,
} from '@medchat/sdk/protocol';
import type { Queryable } from '../../db/client';
import { prepared } from '../../db/prepared';
import type { AppContext } from '../../context';
import { assignments, chatSessions } from '../../db/schema';
import { saveContact } from '../emails/service';
import { AppError } from '../../lib/errors';
import { cleanText } from '../../lib/text';
import { inTransaction } from '../../lib/transaction';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/actor';
import { assignSession, claimWaiting, closeAssignment, lockQueue, releaseSession } from '../assignments/engine';
import { queueStatusFor } from '../assignments/wait-estimate';
import { openState } from '../clinics/hours';
import { readHours } from '../clinics/hours-service';
import { priorityFromAnswers } from '../clinics/intake-service';
import { appendSystemMessage } from '../messages/store';
import { assertCanWrite, lockReadable, readableSession } from './access';
import { handoverNote } from './transfer';
import { getSessionView, listQueue, listSessionViews, listWaitingOnPatient, queuePosition, toSession } from './views';

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
    // The session's place in the queue, stamped under the queue lock (assignments/engine.ts, lockQueue).
    .values({
      clinicId: sql.placeholder('clinicId'),
      patientId: sql.placeholder('patientId'),
      reason: sql.placeholder('reason'),
      priority: sql`${sql.placeholder('priority')}::session_priority`,
      intakeAnswers: sql`${sql.placeholder('intakeAnswers')}::jsonb`,
      leftWhileClosed: sql`${sql.placeholder('leftWhileClosed')}::boolean`,
      teamId: sql`${sql.placeholder('teamId')}::uuid`,
      topic: sql`${sql.placeholder('topic')}`,
      createdAt: sql`statement_timestamp()`,
    })
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
export async function startSession(
  ctx: AppContext,
  actor: Actor,
  input: SessionStartParams,
  ip: string | null,
): Promise<{ session: Session; created: boolean }> {
  if (actor.role !== 'patient') throw new AppError('forbidden', undefined, 'Only patients start sessions.');
  const reason = cleanText(input.reason, 'reason', { maxLength: LIMITS.reason, allowNewlines: true, refuseBidi: true });
  // Decided here from the answers, before anything is written: a bad answer is a 400 that starts nothing. Closed
  // or open by the hours at the server's clock: a chat started while closed is a message left after hours.
  const [{ priority, record, topic }, hours] = await Promise.all([
    priorityFromAnswers(ctx.db, actor.clinicId, input.intake),
    readHours(ctx.db, actor.clinicId),
  ]);
  const leftWhileClosed = !openState(hours, ctx.clock()).isOpen;
  const intakeAnswers = record ? JSON.stringify(record) : null;
  return inTransaction(ctx, async (tx, emit) => {
    await lockQueue(tx, actor.clinicId);
    let row: typeof chatSessions.$inferSelect | undefined;
    // Twice at most: the open session may end between the insert and the look-up, and then the insert succeeds.
    for (let attempt = 0; ; attempt++) {
      [row] = await insertSession(tx, {
        clinicId: actor.clinicId,
        patientId: actor.id,
        reason,
        priority,
        intakeAnswers,
        leftWhileClosed,
        teamId: topic?.teamId ?? null,
        topic: topic?.label ?? null,
      });
      if (row) break;
      const [open] = await openSessionOf(tx, { patientId: actor.id });
      if (open) return { session: await view(tx, open.id), created: false };
      if (attempt === 1) throw new Error('startSession: neither a new nor an open session');
    }
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'session.started', sessionId: row.id, ip });
    await saveContact(tx, { id: row.id, clinicId: actor.clinicId, patientId: actor.id }, input);
    if (priority === 'urgent') emit({ t: 'session.prioritized', clinicId: actor.clinicId, sessionId: row.id, priority, changedBy: null });
    const employee = await assignSession(tx, emit, row, 'session_started');
    if (employee) return { session: await view(tx, row.id), created: true };
    emit({ t: 'session.waiting', clinicId: actor.clinicId, sessionId: row.id, patientId: actor.id });
    emit({ t: 'queue.changed', clinicId: actor.clinicId });
    // Nothing changed since the insert: the view comes from its row, without a read.
    return { session: toSession(row, actor.displayName, null), created: true };
  });
}

/** The sessions the actor may see (newest first). The list is one read: one audit row naming every session in it. */
export async function listSessions(ctx: AppContext, actor: Actor, filter: { status?: SessionStatus }, ip: string | null): Promise<Session[]> {
  const sessions = await listVisibleSessions(ctx, actor, filter);
  await recordListRead(
    ctx,
    actor,
    'sessions.listed',
    sessions.map((x) => x.id),
    ip,
  );
  return sessions;
}

function listVisibleSessions(ctx: AppContext, actor: Actor, filter: { status?: SessionStatus }): Promise<Session[]> {
  const status = filter.status ? eq(chatSessions.status, filter.status) : undefined;
  if (actor.role === 'patient') return listSessionViews(ctx.db, and(eq(chatSessions.patientId, actor.id), status));
  if (actor.role === 'admin') return listSessionViews(ctx.db, and(eq(chatSessions.clinicId, actor.clinicId), status));
  const held = ctx.db.selectDistinct({ id: assignments.sessionId }).from(assignments).where(eq(assignments.employeeId, actor.id));
  return listSessionViews(
    ctx.db,
    and(eq(chatSessions.clinicId, actor.clinicId), or(eq(chatSessions.employeeId, actor.id), inArray(chatSessions.id, held)), status),
  );
}

/**
 * The clinic's waiting patients, and apart from them the chats waiting on their patient (status idle), with names
 * and reasons, for staff: one read, one audit row naming every session.
 */
export async function viewQueue(
  ctx: AppContext,
  actor: Actor,
  ip: string | null,
): Promise<{ waiting: QueueEntry[]; waitingOnPatient: WaitingOnPatientEntry[] }> {
  const waiting = await listQueue(ctx.db, actor.clinicId);
  const waitingOnPatient = await listWaitingOnPatient(ctx.db, actor.clinicId);
  await recordListRead(
    ctx,
    actor,
    'queue.viewed',
    [...waiting, ...waitingOnPatient].map((w) => w.sessionId),
    ip,
  );
  return { waiting, waitingOnPatient };
}

const recordListRead = (ctx: AppContext, actor: Actor, action: 'sessions.listed' | 'queue.viewed', sessionIds: string[], ip: string | null) =>
  recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action, sessionIds, ip });

export async function getSession(ctx: AppContext, actor: Actor, sessionId: string, ip: string | null): Promise<Session> {
  await readableSession(ctx.db, actor, sessionId);
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'session.viewed', sessionId, ip });
  return view(ctx.db, sessionId);
}

export async function getQueueStatus(ctx: AppContext, actor: Actor, sessionId: string): Promise<QueueStatus> {
  const row = await readableSession(ctx.db, actor, sessionId);
  const position = await queuePosition(ctx.db, row);
  if (position === null) throw new AppError('not_found', undefined, 'The session is not waiting.');
  return (await queueStatusFor(ctx, row.clinicId))(position, row.priority, row.teamId);
}

export { availableStaff } from '../employees/available';

/** Only the patient ends a session. Ending closes the open assignment (reason session_ended). */
export async function endSession(ctx: AppContext, actor: Actor, sessionId: string, ip: string | null): Promise<Session> {
  return inTransaction(ctx, async (tx, emit) => {
    await lockQueue(tx, actor.clinicId);
    const row = await lockReadable(tx, actor, sessionId);
    if (actor.role !== 'patient') throw new AppError('forbidden', undefined, 'Only the patient ends a session.');
    if (row.status === 'ended') return view(tx, sessionId);
    const previous = await closeAssignment(tx, row, 'session_ended', { by: { actorId: actor.id, ip } });
    await markEnded(tx, { id: sessionId, endedBy: actor.id });
    const m = await appendSystemMessage(tx, sessionId, { event: 'session.ended', employeeName: null });
    emit({ t: 'message.created', clinicId: row.clinicId, sessionId, seq: m.seq });
    emit({ t: 'session.ended', clinicId: row.clinicId, sessionId, patientId: row.patientId, previousEmployeeId: previous });
    if (row.status === 'waiting' || row.status === 'idle') emit({ t: 'queue.changed', clinicId: row.clinicId });
    await recordAudit(tx, { clinicId: row.clinicId, actorId: actor.id, action: 'session.ended', sessionId, ip });
    if (previous) await claimWaiting(tx, emit, previous);
    return view(tx, sessionId);
  });
}

/**
 * The assigned employee leaves (shift change): another available employee takes over, or the session waits. The
 * handover note goes on the ended assignment, for staff only.
 */
export async function leaveSession(ctx: AppContext, actor: Actor, sessionId: string, ip: string | null, note?: string): Promise<Session> {
  const leaveNote = handoverNote(note);
  return inTransaction(ctx, async (tx, emit) => {
    await lockQueue(tx, actor.clinicId);
    const row = await lockReadable(tx, actor, sessionId);
    if (actor.role === 'patient') throw new AppError('forbidden');
    assertCanWrite(actor, row);
    await releaseSession(tx, emit, row, 'left', { by: { actorId: actor.id, ip }, leaveNote });
    await claimWaiting(tx, emit, actor.id);
    return view(tx, sessionId);
  });
}
