/**
 * Patient gone: the deadlines of a chat whose patient went quiet after staff wrote, and the way back.
 *
 * - **patient_inactive**: staff wrote last, and the patient has had no socket and sent nothing for the clinic's
 *   `patientIdleMinutes`, counted from the later of staff's last message and the moment the patient's last socket
 *   went (`users.presence_lost_at`). The assignment closes (reason `patient_inactive`), the employee's slot is freed
 *   and given to the next waiting patient, and the session waits on its patient (status `idle`, `idle_since`): open
 *   (only the patient ends a chat), held by nobody, out of the queue and of every queue position and estimate.
 * - **returned**: the patient writes again (reconnecting alone is not enough: a patient who only reads is not asking
 *   for anyone). The session is back in the queue in its original place (`created_at`) and the engine assigns it as
 *   any other. The writer's caller does it at once (`returnToQueue`); the sweeper catches any the process did not
 *   get to (killed between the message's commit and this step): an idle session whose last text is the patient's.
 * - **inactive**: a clinic with `inactiveCloseHours` closes a session that waited on its absent patient that long
 *   (counted like the first, from the later of `idle_since` and the patient's leaving), with a closing line the
 *   patient sees. The system ends it: no actor in the audit row, `ended_by` null.
 *
 * "No socket" is durable and shared by all instances: each socket is a row in `connections`, heartbeated by its
 * instance; a closed socket deletes its row and, when it was the patient's last, stamps `presence_lost_at`; the
 * sweeper deletes the rows of a dead instance (kill -9) and stamps it with their last heartbeat. So a deadline
 * never fires while the patient has a live socket anywhere, and a crash never leaves them "connected".
 *
 * Like timers.ts, no timer lives in a process: the sweeper of every instance finds the due ones and fires each in a
 * transaction that takes the clinic's queue lock and re-checks it on the locked row (`FOR UPDATE SKIP LOCKED`), so
 * each fires once across instances.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/rows';
import type { Emit } from '../../lib/bus-events';
import { inTransaction } from '../../lib/transaction';
import { appendSystemMessage } from '../messages/store';
import { recordAudit, SYSTEM } from '../audit/service';
import type { Tx } from '../../db/client';
import { assignSession, claimWaiting, closeAssignment, lockQueue, lockSession } from './engine';

/** Due deadlines fired per sweep and rule, at most; the rest wait for the next sweep. */
const BATCH = 500;

/** The patient (of session `s`) has no socket on any live instance. */
const patientAway = sql`not exists (select 1 from connections k where k.user_id = s.patient_id)`;

/** The newest text message of session `s`, as `last` (sender_id, created_at), joined laterally. */
const lastText = sql`left join lateral (
    select m.sender_id, m.created_at from messages m where m.session_id = s.id and m.kind = 'text' order by m.seq desc limit 1
  ) last on true`;

/**
 * An open assignment `a` of session `s` (clinic `c`, patient `p`, last text `last`) whose patient is gone: staff
 * wrote last, and nothing from the patient, no socket of theirs, for `patientIdleMinutes`.
 */
const patientGoneDue: SQL = sql`
  a.ended_at is null and s.status = 'active' and s.employee_id = a.employee_id
  and c.patient_idle_minutes is not null
  and last.sender_id is not null and last.sender_id <> s.patient_id
  and greatest(last.created_at, p.presence_lost_at) <= now() - make_interval(mins => c.patient_idle_minutes)
  and ${patientAway}`;

/** A session `s` waiting on its patient for `inactiveCloseHours`, the patient still away and silent. */
const inactiveDue: SQL = sql`
  s.idle_since is not null and s.status = 'idle' and c.inactive_close_hours is not null
  and greatest(s.idle_since, p.presence_lost_at) <= now() - make_interval(hours => c.inactive_close_hours)
  and last.sender_id is distinct from s.patient_id
  and ${patientAway}`;

/** A session `s` waiting on its patient in which the patient has written: it belongs in the queue. */
const returnedDue: SQL = sql`s.idle_since is not null and s.status = 'idle' and last.sender_id = s.patient_id`;

const from = sql`chat_sessions s join clinics c on c.id = s.clinic_id join users p on p.id = s.patient_id ${lastText}`;

type Due = { id: string; clinicId: string };
type Locked = { id: string; clinicId: string; patientId: string };

/** Fires the patient-gone deadlines, the inactivity closes and any missed return; run by the sweeper. */
export async function firePatientDeadlines(ctx: AppContext): Promise<{ patientInactive: number; inactive: number; returned: number }> {
  return { returned: await fireReturned(ctx), patientInactive: await firePatientGone(ctx), inactive: await fireInactive(ctx) };
}

async function firePatientGone(ctx: AppContext): Promise<number> {
  const due = rowsOf<Due>(
    await ctx.db.execute(sql`
      select s.id, s.clinic_id as "clinicId" from ${from} join assignments a on a.session_id = s.id
       where ${patientGoneDue} order by a.started_at limit ${BATCH}`),
  );
  let fired = 0;
  for (const { id, clinicId } of due) {
    const parked = await inTransaction(ctx, async (tx, emit) => {
      await lockQueue(tx, clinicId);
      // Still due under the lock; a session row being written to (maybe the patient's message) is skipped.
      const [session] = rowsOf<Locked>(
        await tx.execute(sql`
          select s.id, s.clinic_id as "clinicId", s.patient_id as "patientId" from ${from} join assignments a on a.session_id = s.id
           where s.id = ${id} and ${patientGoneDue}
             for update of s skip locked`),
      );
      return session ? park(tx, emit, session) : false;
    });
    if (parked) fired++;
  }
  return fired;
}

/** Closes the assignment (reason patient_inactive), frees the slot for the next waiting patient, and the session waits on its patient. */
async function park(tx: Tx, emit: Emit, session: Locked): Promise<boolean> {
  const previous = await closeAssignment(tx, session, 'patient_inactive', { by: SYSTEM });
  if (!previous) return false;
  await tx.execute(sql`update chat_sessions set status = 'idle', employee_id = null, idle_since = statement_timestamp() where id = ${session.id}`);
  emit({ t: 'session.idle', clinicId: session.clinicId, sessionId: session.id, patientId: session.patientId, previousEmployeeId: previous });
  emit({ t: 'queue.changed', clinicId: session.clinicId });
  await claimWaiting(tx, emit, previous);
  return true;
}

async function fireInactive(ctx: AppContext): Promise<number> {
  const due = rowsOf<Due>(
    await ctx.db.execute(sql`select s.id, s.clinic_id as "clinicId" from ${from} where ${inactiveDue} order by s.idle_since limit ${BATCH}`),
  );
  let fired = 0;
  for (const { id, clinicId } of due) {
    const closed = await inTransaction(ctx, async (tx, emit) => {
      await lockQueue(tx, clinicId);
      const [session] = rowsOf<Locked>(
        await tx.execute(sql`
          select s.id, s.clinic_id as "clinicId", s.patient_id as "patientId" from ${from}
           where s.id = ${id} and ${inactiveDue}
             for update of s skip locked`),
      );
      if (!session) return false;
      await tx.execute(
        sql`update chat_sessions set status = 'ended', employee_id = null, idle_since = null, ended_at = now(), ended_by = null where id = ${id}`,
      );
      const m = await appendSystemMessage(tx, id, { event: 'session.inactive', employeeName: null });
      emit({ t: 'message.created', clinicId, sessionId: id, seq: m.seq });
      emit({ t: 'session.ended', clinicId, sessionId: id, patientId: session.patientId, previousEmployeeId: null });
      emit({ t: 'queue.changed', clinicId });
      // The system closed it, not the patient: no actor.
      await recordAudit(tx, { clinicId, actorId: SYSTEM.actorId, action: 'session.ended', sessionId: id, ip: SYSTEM.ip });
      return true;
    });
    if (closed) fired++;
  }
  return fired;
}

/** The sweeper's backstop: idle sessions in which the patient wrote, whose return this process or another missed. */
async function fireReturned(ctx: AppContext): Promise<number> {
  const due = rowsOf<{ id: string }>(await ctx.db.execute(sql`select s.id from ${from} where ${returnedDue} order by s.created_at limit ${BATCH}`));
  let fired = 0;
  for (const { id } of due) if (await returnToQueue(ctx, id)) fired++;
  return fired;
}

/**
 * The patient wrote in a session that waited on them: back to the queue in its original place, and to an
 * employee at once if one is free for it (start reason patient_returned). False when it was not waiting on them.
 */
export async function returnToQueue(ctx: AppContext, sessionId: string): Promise<boolean> {
  const [found] = rowsOf<{ clinicId: string }>(
    await ctx.db.execute(sql`select clinic_id as "clinicId" from chat_sessions where id = ${sessionId} and status = 'idle'`),
  );
  if (!found) return false;
  return inTransaction(ctx, async (tx, emit) => {
    await lockQueue(tx, found.clinicId);
    const session = await lockSession(tx, sessionId);
    if (session?.status !== 'idle') return false;
    await tx.execute(sql`update chat_sessions set status = 'waiting', idle_since = null where id = ${sessionId}`);
    const ref = { id: session.id, clinicId: session.clinicId, patientId: session.patientId };
    const employee = await assignSession(tx, emit, ref, 'patient_returned');
    // Nobody free: it waits as a new chat does (the patient's queue status follows from `session.waiting`).
    if (!employee) emit({ t: 'session.waiting', clinicId: ref.clinicId, sessionId, patientId: ref.patientId });
    emit({ t: 'queue.changed', clinicId: ref.clinicId });
    return true;
  });
}
