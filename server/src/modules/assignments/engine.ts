/**
 * The assignment engine: the seed's rules as transactional steps. Every function runs inside the caller's
 * transaction, which first takes its clinic's queue lock (`lockQueue`), then row locks in one order (session, then
 * employee; free employees with SKIP LOCKED), and emits bus events that are published after commit. The database
 * backs each rule with a constraint: one open assignment per session (partial unique index) and `load < capacity`
 * in the same UPDATE.
 *
 * Urgent first, then first come, first served (ARCHITECTURE.md): the queue lock makes every change to a clinic's
 * queue take turns, across instances, and a session's place (`priority`, then `created_at`) is stamped under it; a
 * free slot goes to the first waiting session in that order it may take, never to one behind it (a routine one
 * while an urgent one waits, or a younger one while an older one of the same priority waits). The one exception is the cool-down: the
 * employee who left a session does not take it again for REJOIN_COOLDOWN_MS, and meanwhile takes younger ones.
 * `fairness.test.ts` proves it on two instances.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AssignmentEndReason, AssignmentStartReason } from '@medchat/sdk/protocol';
import type { Tx } from '../../db/client';
import { prepared, preparedSql } from '../../db/prepared';
import { rowsOf } from '../../db/rows';
import { assignments, chatSessions, clinics, users } from '../../db/schema';
import type { Emit } from '../../lib/bus-events';
import { appendSystemMessage } from '../messages/store';
import { recordAudit, type Cause } from '../audit/service';
import { QUEUE_LOCK_KEY, REJOIN_COOLDOWN_MS } from './rules';
import { mayTake } from './teams';

type SessionRef = { id: string; clinicId: string; patientId: string };

/** In a statement that just assigned a session (alias `s`): seconds since its start when this was its first assignment, else null. */
const waitedIfFirst = sql<
  number | null
>`case when s.first_assigned_at = statement_timestamp() then extract(epoch from statement_timestamp() - s.created_at)::float8 end`;

const queueLock = preparedSql('lock_queue', sql`select pg_advisory_xact_lock(${QUEUE_LOCK_KEY}, hashtext(${sql.placeholder('clinicId')}))`);

/**
 * Takes the clinic's queue lock until the transaction ends. Every transaction that may start, claim or release an
 * assignment takes it first, before any row lock, so they never deadlock on it and the queue changes in turns.
 */
export async function lockQueue(tx: Tx, clinicId: string) {
  await queueLock(tx, { clinicId });
}

// The statements of the assignment path, built once (db/prepared.ts).
const sessionForUpdate = prepared((db) =>
  db
    .select()
    .from(chatSessions)
    .where(eq(chatSessions.id, sql.placeholder('id')))
    .for('update')
    .prepare('session_for_update'),
);

/** Row-locks a session for the rest of the transaction. */
export async function lockSession(tx: Tx, sessionId: string) {
  const [row] = await sessionForUpdate(tx, { id: sessionId });
  return row ?? null;
}

const capacityOf = sql`coalesce(${users.capacity}, (select ${clinics.defaultCapacity} from ${clinics} where ${clinics.id} = ${users.clinicId}))`;

const takeSlotsOf = prepared((db) =>
  db
    .update(users)
    .set({ load: sql`${users.load} + ${sql.placeholder('n')}`, lastAssignedAt: sql`now()` })
    .where(
      and(
        eq(users.id, sql.placeholder('id')),
        eq(users.availability, 'available'),
        eq(users.active, true),
        sql`${users.load} + ${sql.placeholder('n')} <= ${capacityOf}`,
      ),
    )
    .returning({ id: users.id, displayName: users.displayName })
    .prepare('take_slots'),
);

/** Takes n slots of an employee's capacity; null if they are full or unavailable (docs/requirements.md#assignment). Returns their name. */
async function takeSlots(tx: Tx, employeeId: string, n: number): Promise<{ displayName: string } | null> {
  const [row] = await takeSlotsOf(tx, { id: employeeId, n });
  return row ?? null;
}

const freeSlot = prepared((db) =>
  db
    .update(users)
    .set({ load: sql`greatest(${users.load} - 1, 0)` })
    .where(eq(users.id, sql.placeholder('id')))
    .prepare('free_slot'),
);

const insertAssignment = prepared((db) =>
  db
    .insert(assignments)
    // statement_timestamp(), not now(): the time under the queue lock, in the order the changes took turns.
    .values({
      sessionId: sql.placeholder('sessionId'),
      employeeId: sql.placeholder('employeeId'),
      startReason: sql.placeholder('reason'),
      startedAt: sql`statement_timestamp()`,
      // The caller holds the session's row lock, so no message slips in between (timers.ts reads replies by it).
      startSeq: sql`(select ${chatSessions.lastSeq} from ${chatSessions} where ${chatSessions.id} = ${sql.placeholder('sessionId')})`,
    })
    .returning({ id: assignments.id })
    .prepare('insert_assignment'),
);

async function openAssignment(
  tx: Tx,
  emit: Emit,
  session: SessionRef & { waitedSeconds?: number | null },
  employee: { id: string; displayName: string },
  reason: AssignmentStartReason,
  previousEmployeeId: string | null,
) {
  const waited = session.waitedSeconds == null ? {} : { waitedSeconds: Number(session.waitedSeconds) };
  const employeeId = employee.id;
  const [assignment] = await insertAssignment(tx, { sessionId: session.id, employeeId, reason });
  await appendSystemMessage(tx, session.id, { event: 'session.assigned', employeeName: employee.displayName }).then((m) =>
    emit({ t: 'message.created', clinicId: session.clinicId, sessionId: session.id, seq: m.seq }),
  );
  await recordAudit(tx, { clinicId: session.clinicId, actorId: null, action: 'assignment.started', sessionId: session.id, subjectId: employeeId });
  emit({
    t: 'session.assigned',
    clinicId: session.clinicId,
    sessionId: session.id,
    patientId: session.patientId,
    employeeId,
    assignmentId: assignment!.id,
    reason,
    previousEmployeeId,
    ...waited,
  });
}

/**
 * Gives a waiting session (already row-locked by the caller) to the least loaded available employee, ties to the
 * one idle longest, among those for whom no session ahead of it waits (that one is theirs first). Returns the employee
 * id, or null when nobody can take it (the session stays waiting).
 */
export async function assignSession(
  tx: Tx,
  emit: Emit,
  session: SessionRef,
  reason: AssignmentStartReason,
  opts: { excludeEmployeeId?: string | null; previousEmployeeId?: string | null } = {},
) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const [candidate] = await leastLoaded(tx, {
      clinicId: session.clinicId,
      exclude: opts.excludeEmployeeId ?? null,
      sessionId: session.id,
      cooldownMs: REJOIN_COOLDOWN_MS,
    });
    if (!candidate) return null;
    const employee = await takeSlots(tx, candidate.id, 1);
    if (!employee) continue;
    const [marked] = await markActive(tx, { id: session.id, employeeId: candidate.id });
    await openAssignment(
      tx,
      emit,
      { ...session, waitedSeconds: marked?.waitedSeconds },
      { id: candidate.id, displayName: employee.displayName },
      reason,
      opts.previousEmployeeId ?? null,
    );
    return candidate.id;
  }
  return null;
}

const leastLoaded = prepared((db) =>
  db
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        eq(users.clinicId, sql.placeholder('clinicId')),
        eq(users.role, 'employee'),
        eq(users.active, true),
        eq(users.availability, 'available'),
        sql`${users.load} < ${capacityOf}`,
        sql`${users.id} is distinct from ${sql.placeholder('exclude')}::uuid`,
        // A member of the session's team, or anyone when it has none (or its team has nobody on shift and the clinic falls back to anyone: teams.ts).
        sql`exists (select 1 from ${chatSessions} o where o.id = ${sql.placeholder('sessionId')}::uuid and ${mayTake('o', sql`${users.id}`)})`,
        // Nobody ahead in the queue (more urgent, or as urgent and older) waits that this employee may take (the sessions they left are not theirs during the cool-down).
        sql`not exists (
          select 1 from ${chatSessions} w
           where w.clinic_id = ${users.clinicId} and w.status = 'waiting' and w.id <> ${sql.placeholder('sessionId')}::uuid
             and (w.priority, w.created_at) < (select o.priority, o.created_at from ${chatSessions} o where o.id = ${sql.placeholder('sessionId')}::uuid)
             and ${mayTake('w', sql`${users.id}`)}
             and not (w.left_by is not distinct from ${users.id} and w.left_at > statement_timestamp() - ${sql.placeholder('cooldownMs')}::int * interval '1 millisecond'))`,
      ),
    )
    .orderBy(users.load, sql`${users.lastAssignedAt} asc nulls first`, users.id)
    .limit(1)
    .for('update', { skipLocked: true })
    .prepare('least_loaded_employee'),
);

const markActive = prepared((db) =>
  db
    .update(chatSessions)
    .set({
      status: 'active',
      employeeId: sql`${sql.placeholder('employeeId')}`,
      firstAssignedAt: sql`coalesce(${chatSessions.firstAssignedAt}, statement_timestamp())`,
    })
    .where(eq(chatSessions.id, sql.placeholder('id')))
    .returning({
      waitedSeconds: sql<number | null>`case when ${chatSessions.firstAssignedAt} = statement_timestamp()
        then extract(epoch from statement_timestamp() - ${chatSessions.createdAt})::float8 end`,
    })
    .prepare('mark_session_active'),
);

const employeeForUpdate = prepared((db) =>
  db
    .select({
      clinicId: users.clinicId,
      load: users.load,
      capacity: sql<number>`${capacityOf}`.as('capacity'),
      availability: users.availability,
      active: users.active,
      role: users.role,
      displayName: users.displayName,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .for('update', { of: users })
    .prepare('employee_for_update'),
);

/**
 * An employee with spare capacity takes the first waiting sessions of their clinic in queue order (urgent first,
 * then oldest), up to capacity: the seed's
 * "employee is dropped into the waiting chat". The claim is one CTE (rows chosen once, then updated). It waits for
 * a waiting row another transaction holds (a message being stored) instead of skipping it: under the queue lock,
 * skipping would let a younger session pass it.
 */
export async function claimWaiting(tx: Tx, emit: Emit, employeeId: string, reason: AssignmentStartReason = 'employee_available') {
  const [me] = await employeeForUpdate(tx, { id: employeeId });
  if (!me || me.role !== 'employee' || !me.active || me.availability !== 'available') return [];
  const spare = Number(me.capacity) - me.load;
  if (spare <= 0) return [];
  const cooldown = new Date(Date.now() - REJOIN_COOLDOWN_MS);
  const claimed = await tx.execute<{ id: string }>(sql`
    with c as (
      select id from chat_sessions
      where clinic_id = ${me.clinicId} and status = 'waiting'
        and ${mayTake('chat_sessions', sql`${employeeId}::uuid`)}
        and not (left_by is not distinct from ${employeeId}::uuid and left_at > ${cooldown.toISOString()}::timestamptz)
      order by priority, created_at, id
      limit ${spare}
      for update
    )
    update chat_sessions s
       set status = 'active', employee_id = ${employeeId}, first_assigned_at = coalesce(s.first_assigned_at, statement_timestamp())
      from c where s.id = c.id
    returning s.id, s.patient_id as "patientId", ${waitedIfFirst} as "waitedSeconds"`);
  const rows = rowsOf<{ id: string; patientId: string; waitedSeconds: number | null }>(claimed);
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return [];
  const employee = await takeSlots(tx, employeeId, ids.length);
  if (!employee) throw new Error('claimWaiting: capacity changed under the lock');
  for (const { id, patientId, waitedSeconds } of rows)
    await openAssignment(
      tx,
      emit,
      { id, clinicId: me.clinicId, patientId, waitedSeconds },
      { id: employeeId, displayName: employee.displayName },
      reason,
      null,
    );
  emit({ t: 'queue.changed', clinicId: me.clinicId });
  return ids;
}

const closeOpenAssignment = prepared((db) =>
  db
    .update(assignments)
    .set({
      // The statement's time, not the transaction's: it runs under the queue lock, so the trail's times follow the
      // order in which the queue changed (a transaction may start long before it gets the lock).
      endedAt: sql`statement_timestamp()`,
      endReason: sql`${sql.placeholder('endReason')}`,
      leaveNote: sql`${sql.placeholder('leaveNote')}`,
      transferredToEmployeeId: sql`${sql.placeholder('toEmployeeId')}::uuid`,
      transferredToTeamId: sql`${sql.placeholder('toTeamId')}::uuid`,
    })
    .where(and(eq(assignments.sessionId, sql.placeholder('sessionId')), isNull(assignments.endedAt)))
    .returning({ employeeId: assignments.employeeId })
    .prepare('close_assignment'),
);

/** How an assignment ended: who caused it (for the audit row), the handover note left with it, and where a transfer sent it. */
export interface Closing {
  by: Cause;
  leaveNote?: string | null;
  transferredTo?: { employeeId: string | null; teamId: string | null };
}

/**
 * Closes the open assignment of a session, if any, and frees the employee's slot. Returns that employee. The one
 * audit row of the change names who caused it (the employee leaving, the patient ending, an admin) or none (the
 * sweeper).
 */
export async function closeAssignment(
  tx: Tx,
  session: SessionRef,
  endReason: AssignmentEndReason,
  { by, leaveNote = null, transferredTo }: Closing,
): Promise<string | null> {
  const [closed] = await closeOpenAssignment(tx, {
    sessionId: session.id,
    endReason,
    leaveNote,
    toEmployeeId: transferredTo?.employeeId ?? null,
    toTeamId: transferredTo?.teamId ?? null,
  });
  if (!closed) return null;
  await freeSlot(tx, { id: closed.employeeId });
  await recordAudit(tx, {
    clinicId: session.clinicId,
    actorId: by.actorId,
    action: 'assignment.ended',
    sessionId: session.id,
    subjectId: closed.employeeId,
    ip: by.ip,
  });
  return closed.employeeId;
}

/**
 * The employee holding a (locked) session stops holding it: left, disconnected, moved by an admin, or one of the
 * deadlines of timers.ts (unanswered, away_timeout) ran out. The session
 * goes to another available employee, or back to the queue in its original place.
 */
export async function releaseSession(
  tx: Tx,
  emit: Emit,
  session: SessionRef,
  endReason: AssignmentEndReason,
  closing: Closing,
  startReason: AssignmentStartReason = 'after_leave',
) {
  const previous = await closeAssignment(tx, session, endReason, closing);
  if (!previous) return null;
  await tx
    .update(chatSessions)
    .set({ status: 'waiting', employeeId: null, leftBy: previous, leftAt: sql`statement_timestamp()` })
    .where(eq(chatSessions.id, session.id));
  const next = await assignSession(tx, emit, session, startReason, { excludeEmployeeId: previous, previousEmployeeId: previous });
  if (!next) {
    const m = await appendSystemMessage(tx, session.id, { event: 'session.requeued', employeeName: null });
    emit({ t: 'message.created', clinicId: session.clinicId, sessionId: session.id, seq: m.seq });
    emit({
      t: 'session.requeued',
      clinicId: session.clinicId,
      sessionId: session.id,
      patientId: session.patientId,
      previousEmployeeId: previous,
      reason: endReason,
    });
    emit({ t: 'queue.changed', clinicId: session.clinicId });
  }
  return { previous, next };
}

/**
 * The holder of a (locked) session hands it over (`POST /sessions/:id/transfer`, checked by the caller under the
 * queue lock): to a named colleague, who takes it at once (a slot of theirs, as any assignment: `load < capacity`
 * in the same UPDATE, so a colleague who filled up meanwhile refuses it), or to a team, whose members take it as
 * a waiting session of that team (an available member with room at once, else it waits for them in its original
 * place). Both at once: the colleague takes it, and it belongs to the team from then on. The closed assignment
 * records where it went, with the note.
 */
export async function transferSession(tx: Tx, emit: Emit, session: SessionRef, to: { employeeId: string | null; teamId: string | null }, closing: Closing) {
  if (to.teamId) await tx.update(chatSessions).set({ teamId: to.teamId }).where(eq(chatSessions.id, session.id));
  if (!to.employeeId) return releaseSession(tx, emit, session, 'transferred', { ...closing, transferredTo: to }, 'transferred');
  const previous = await closeAssignment(tx, session, 'transferred', { ...closing, transferredTo: to });
  if (!previous) return null;
  const employee = await takeSlots(tx, to.employeeId, 1);
  if (!employee) return 'full' as const;
  await markActive(tx, { id: session.id, employeeId: to.employeeId });
  await openAssignment(tx, emit, session, { id: to.employeeId, displayName: employee.displayName }, 'transferred', previous);
  return { previous, next: to.employeeId };
}

/** Locks an employee's row and reads what a transfer to them depends on. */
export async function lockEmployee(tx: Tx, employeeId: string) {
  const [row] = await employeeForUpdate(tx, { id: employeeId });
  return row ?? null;
}

/** Sessions an employee holds right now. */
export async function heldSessions(tx: Tx, employeeId: string) {
  return tx
    .select({ id: chatSessions.id, clinicId: chatSessions.clinicId })
    .from(chatSessions)
    .where(and(eq(chatSessions.employeeId, employeeId), eq(chatSessions.status, 'active')));
}
