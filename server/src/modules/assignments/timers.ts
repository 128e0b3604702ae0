/**
 * Nothing stalls: the deadlines that take a session from an employee who is not answering it.
 *
 * - **unanswered**: the holder has not written in the session within the clinic's `firstReplySeconds` of the
 *   assignment's start.
 * - **away_timeout**: the holder's availability has been `away` for longer than the clinic's `awayTimeoutMinutes`.
 *
 * Either way the session is released as a leaver's is (engine.ts#releaseSession): to another available employee,
 * never straight back to this one (the rejoin cool-down), or back to the queue in its original place.
 *
 * No timer lives in a process. Each deadline is derived from timestamps in the database (`assignments.started_at`,
 * `users.availability_changed_at`) and the clinic's settings, and the sweeper of every instance looks for the due
 * ones (realtime/presence.ts#sweep, the same shape as the disconnect grace period). Each is fired in its own
 * transaction that takes the clinic's queue lock, then re-checks the deadline on the locked rows (`FOR UPDATE SKIP
 * LOCKED`): whichever instance gets there first fires it, the others find it no longer due, so it fires once
 * across instances, and a restart or a killed instance only delays it to the next sweep. timers.test.ts shows it.
 *
 * The deadlines about a patient who went away (patient_inactive, the inactivity close) are in ./patient-idle.ts.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/rows';
import { inTransaction } from '../../lib/transaction';
import { SYSTEM } from '../audit/service';
import { heldSessions, lockQueue, lockSession, releaseSession } from './engine';

/** Due deadlines fired per sweep and rule, at most; the rest wait for the next sweep. */
const BATCH = 500;

/**
 * An open assignment (alias `a`, its session `s`, clinic `c`) whose first-reply deadline has passed with no message
 * of its holder. A reply is a message with a seq above the session's last seq when the period began; a period begun
 * before `start_seq` existed falls back to the message's time.
 */
const unansweredDue: SQL = sql`
  a.ended_at is null and s.status = 'active' and s.employee_id = a.employee_id
  and c.first_reply_seconds is not null
  and a.started_at <= now() - make_interval(secs => c.first_reply_seconds)
  and not exists (
    select 1 from messages m
     where m.session_id = a.session_id and m.sender_id = a.employee_id
       and (m.seq > a.start_seq or (a.start_seq is null and m.created_at >= a.started_at)))`;

/** An employee (alias `u`, clinic `c`) away for longer than the clinic allows, still holding sessions. */
const awayDue: SQL = sql`
  u.availability = 'away' and c.away_timeout_minutes is not null
  and u.availability_changed_at <= now() - make_interval(mins => c.away_timeout_minutes)
  and exists (select 1 from chat_sessions h where h.employee_id = u.id and h.status = 'active')`;

type Due = { id: string; clinicId: string };

/** Fires every due deadline of every clinic; run by the sweeper of each instance. Returns how many fired here. */
export async function fireDeadlines(ctx: AppContext): Promise<{ unanswered: number; awayTimeout: number }> {
  return { unanswered: await fireUnanswered(ctx), awayTimeout: await fireAwayTimeouts(ctx) };
}

async function fireUnanswered(ctx: AppContext): Promise<number> {
  const due = rowsOf<Due>(
    await ctx.db.execute(sql`
      select a.id, s.clinic_id as "clinicId"
        from assignments a join chat_sessions s on s.id = a.session_id join clinics c on c.id = s.clinic_id
       where ${unansweredDue}
       order by a.started_at limit ${BATCH}`),
  );
  let fired = 0;
  for (const assignment of due) {
    const released = await inTransaction(ctx, async (tx, emit) => {
      await lockQueue(tx, assignment.clinicId);
      // Still open and unanswered under the lock. A session row being written to (a message, maybe the reply) is
      // skipped: the next sweep looks again.
      const [session] = rowsOf<{ id: string; clinicId: string; patientId: string }>(
        await tx.execute(sql`
          select s.id, s.clinic_id as "clinicId", s.patient_id as "patientId"
            from assignments a join chat_sessions s on s.id = a.session_id join clinics c on c.id = s.clinic_id
           where a.id = ${assignment.id} and ${unansweredDue}
             for update of s skip locked`),
      );
      if (!session) return false;
      return (await releaseSession(tx, emit, session, 'unanswered', { by: SYSTEM })) !== null;
    });
    if (released) fired++;
  }
  return fired;
}

async function fireAwayTimeouts(ctx: AppContext): Promise<number> {
  const due = rowsOf<Due>(
    await ctx.db.execute(sql`
      select u.id, u.clinic_id as "clinicId" from users u join clinics c on c.id = u.clinic_id
       where ${awayDue}
       order by u.availability_changed_at limit ${BATCH}`),
  );
  let fired = 0;
  for (const employee of due) {
    fired += await inTransaction(ctx, async (tx, emit) => {
      await lockQueue(tx, employee.clinicId);
      const [locked] = rowsOf<{ id: string }>(
        await tx.execute(sql`
          select u.id from users u join clinics c on c.id = u.clinic_id
           where u.id = ${employee.id} and ${awayDue}
             for update of u skip locked`),
      );
      if (!locked) return 0;
      let released = 0;
      // They stay away: only their sessions move on.
      for (const held of await heldSessions(tx, employee.id)) {
        const session = await lockSession(tx, held.id);
        if (session?.employeeId !== employee.id || session.status !== 'active') continue;
        if (await releaseSession(tx, emit, session, 'away_timeout', { by: SYSTEM })) released++;
      }
      return released;
    });
  }
  return fired;
}
