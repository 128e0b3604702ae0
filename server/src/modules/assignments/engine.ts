/**
 * The assignment engine: the seed's rules as transactional steps. Every function runs inside the caller's
 * transaction, takes row locks in one order (session, then employee; queue rows with SKIP LOCKED), and emits
 * bus events that are published after commit. The database backs each rule with a constraint:
 * one open assignment per session (partial unique index) and `load < capacity` in the same UPDATE.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AssignmentEndReason, AssignmentStartReason } from '@medchat/sdk/protocol';
import type { Tx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { assignments, chatSessions, clinics, users } from '../../db/schema';
import type { Emit } from '../../lib/bus-events';
import { appendSystemMessage } from '../messages/store';
import { recordAudit } from '../audit/service';
import { REJOIN_COOLDOWN_MS } from './rules';

type SessionRef = { id: string; clinicId: string; patientId: string };

/** Row-locks a session for the rest of the transaction. */
export async function lockSession(tx: Tx, sessionId: string) {
  const [row] = await tx.select().from(chatSessions).where(eq(chatSessions.id, sessionId)).for('update');
  return row ?? null;
}

const capacityOf = sql`coalesce(${users.capacity}, (select ${clinics.defaultCapacity} from ${clinics} where ${clinics.id} = ${users.clinicId}))`;

/** Takes one slot of an employee's capacity, or returns false if they are full or unavailable (A2). */
async function takeSlots(tx: Tx, employeeId: string, n: number): Promise<boolean> {
  const rows = await tx
    .update(users)
    .set({ load: sql`${users.load} + ${n}`, lastAssignedAt: sql`now()` })
    .where(and(eq(users.id, employeeId), eq(users.availability, 'available'), eq(users.active, true), sql`${users.load} + ${n} <= ${capacityOf}`))
    .returning({ id: users.id });
  return rows.length === 1;
}

async function freeSlot(tx: Tx, employeeId: string) {
  await tx.update(users).set({ load: sql`greatest(${users.load} - 1, 0)` }).where(eq(users.id, employeeId));
}

async function openAssignment(tx: Tx, emit: Emit, session: SessionRef, employeeId: string, reason: AssignmentStartReason, previousEmployeeId: string | null) {
  const [assignment] = await tx.insert(assignments).values({ sessionId: session.id, employeeId, startReason: reason }).returning({ id: assignments.id });
  const [employee] = await tx.select({ displayName: users.displayName }).from(users).where(eq(users.id, employeeId));
  await appendSystemMessage(tx, session.id, { event: 'session.assigned', employeeName: employee?.displayName ?? null }).then((m) =>
    emit({ t: 'message.created', clinicId: session.clinicId, sessionId: session.id, seq: m.seq }),
  );
  await recordAudit(tx, { clinicId: session.clinicId, actorId: null, action: 'assignment.started', sessionId: session.id, subjectId: employeeId });
  emit({ t: 'session.assigned', clinicId: session.clinicId, sessionId: session.id, patientId: session.patientId, employeeId, assignmentId: assignment!.id, reason, previousEmployeeId });
}

/**
 * Gives a waiting session (already row-locked by the caller) to the least loaded available employee, ties to the
 * one idle longest. Returns the employee id, or null when nobody can take it (the session stays waiting).
 */
export async function assignSession(tx: Tx, emit: Emit, session: SessionRef, reason: AssignmentStartReason, opts: { excludeEmployeeId?: string | null; previousEmployeeId?: string | null } = {}) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const candidates = await tx
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          eq(users.clinicId, session.clinicId),
          eq(users.role, 'employee'),
          eq(users.active, true),
          eq(users.availability, 'available'),
          sql`${users.load} < ${capacityOf}`,
          opts.excludeEmployeeId ? sql`${users.id} <> ${opts.excludeEmployeeId}` : undefined,
        ),
      )
      .orderBy(users.load, sql`${users.lastAssignedAt} asc nulls first`, users.id)
      .limit(1)
      .for('update', { skipLocked: true });
    const employeeId = candidates[0]?.id;
    if (!employeeId) return null;
    if (!(await takeSlots(tx, employeeId, 1))) continue;
    await tx
      .update(chatSessions)
      .set({ status: 'active', employeeId, firstAssignedAt: sql`coalesce(${chatSessions.firstAssignedAt}, now())` })
      .where(eq(chatSessions.id, session.id));
    await openAssignment(tx, emit, session, employeeId, reason, opts.previousEmployeeId ?? null);
    return employeeId;
  }
  return null;
}

/**
 * An employee with spare capacity takes the oldest waiting sessions of their clinic, up to capacity: the seed's
 * "employee is dropped into the waiting chat". The claim is one CTE with SKIP LOCKED (RELIABILITY A3).
 */
export async function claimWaiting(tx: Tx, emit: Emit, employeeId: string, reason: AssignmentStartReason = 'employee_available') {
  const [me] = await tx
    .select({ clinicId: users.clinicId, load: users.load, capacity: sql<number>`${capacityOf}`.as('capacity'), availability: users.availability, active: users.active, role: users.role })
    .from(users)
    .where(eq(users.id, employeeId))
    .for('update', { of: users });
  if (!me || me.role !== 'employee' || !me.active || me.availability !== 'available') return [];
  const spare = Number(me.capacity) - me.load;
  if (spare <= 0) return [];
  const cooldown = new Date(Date.now() - REJOIN_COOLDOWN_MS);
  const claimed = await tx.execute<{ id: string }>(sql`
    with c as (
      select id from chat_sessions
      where clinic_id = ${me.clinicId} and status = 'waiting'
        and not (left_by is not distinct from ${employeeId}::uuid and left_at > ${cooldown.toISOString()}::timestamptz)
      order by created_at, id
      limit ${spare}
      for update skip locked
    )
    update chat_sessions s
       set status = 'active', employee_id = ${employeeId}, first_assigned_at = coalesce(s.first_assigned_at, now())
      from c where s.id = c.id
    returning s.id, s.patient_id as "patientId"`);
  const rows = rowsOf<{ id: string; patientId: string }>(claimed);
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return [];
  if (!(await takeSlots(tx, employeeId, ids.length))) throw new Error('claimWaiting: capacity changed under the lock');
  for (const { id, patientId } of rows) await openAssignment(tx, emit, { id, clinicId: me.clinicId, patientId }, employeeId, reason, null);
  emit({ t: 'queue.changed', clinicId: me.clinicId });
  return ids;
}

/** Closes the open assignment of a session, if any, and frees the employee's slot. Returns that employee. */
export async function closeAssignment(tx: Tx, session: SessionRef, endReason: AssignmentEndReason): Promise<string | null> {
  const [closed] = await tx
    .update(assignments)
    .set({ endedAt: sql`now()`, endReason })
    .where(and(eq(assignments.sessionId, session.id), isNull(assignments.endedAt)))
    .returning({ employeeId: assignments.employeeId });
  if (!closed) return null;
  await freeSlot(tx, closed.employeeId);
  await recordAudit(tx, { clinicId: session.clinicId, actorId: null, action: 'assignment.ended', sessionId: session.id, subjectId: closed.employeeId });
  return closed.employeeId;
}

/**
 * The employee holding a (locked) session stops holding it: left, disconnected or moved by an admin. The session
 * goes to another available employee, or back to the queue in its original place.
 */
export async function releaseSession(tx: Tx, emit: Emit, session: SessionRef, endReason: AssignmentEndReason) {
  const previous = await closeAssignment(tx, session, endReason);
  if (!previous) return null;
  await tx.update(chatSessions).set({ status: 'waiting', employeeId: null, leftBy: previous, leftAt: sql`now()` }).where(eq(chatSessions.id, session.id));
  const next = await assignSession(tx, emit, session, 'after_leave', { excludeEmployeeId: previous, previousEmployeeId: previous });
  if (!next) {
    const m = await appendSystemMessage(tx, session.id, { event: 'session.requeued', employeeName: null });
    emit({ t: 'message.created', clinicId: session.clinicId, sessionId: session.id, seq: m.seq });
    emit({ t: 'session.requeued', clinicId: session.clinicId, sessionId: session.id, patientId: session.patientId, previousEmployeeId: previous, reason: endReason });
    emit({ t: 'queue.changed', clinicId: session.clinicId });
  }
  return { previous, next };
}

/** Sessions an employee holds right now. */
export async function heldSessions(tx: Tx, employeeId: string) {
  return tx
    .select({ id: chatSessions.id, clinicId: chatSessions.clinicId })
    .from(chatSessions)
    .where(and(eq(chatSessions.employeeId, employeeId), eq(chatSessions.status, 'active')));
}
