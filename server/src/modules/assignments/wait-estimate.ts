/**
 * Honest waits: what a waiting patient is told comes from waits measured at their clinic, never from a constant.
 *
 * The method: take the clinic's sessions of the last `HISTORY_DAYS` (the newest `HISTORY_LIMIT`) that waited
 * before their first assignment (assigned within a second of starting means a free slot was there, which a
 * patient who waits now did not find). Each one's place when it joined is 1 + the sessions of that sample ahead of
 * it then: started before it, still unassigned, and as urgent or more (urgent sessions are served first, so an
 * urgent one counts only urgent ones ahead; a routine one counts both). A patient at place `p` is told the 80th
 * percentile (nearest rank) of the measured waits of sessions of their own priority that joined at place `p` or
 * further back (never an estimate shorter than what most such patients waited, and an urgent patient's never from
 * routine waits); with fewer than `MIN_SAMPLES` of them, no number. No staff available, or the
 * clinic closed by its hours: no number either, and the widget says so in words.
 *
 * Per team: a session routed to a team (teams.ts) waits only behind sessions for the same team, so its place and
 * its estimate come from that team's sessions alone (sessions for anyone likewise from theirs), and "staff
 * available" means a member of that team is (or, where the clinic falls back to anyone and no member is on shift,
 * anyone is).
 */
import { and, desc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import type { QueueStatus, SessionPriority } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Queryable } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { chatSessions, clinics } from '../../db/schema';
import { openingStatus } from '../clinics/hours-service';

export const HISTORY_DAYS = 14;
export const HISTORY_LIMIT = 300;
export const MIN_SAMPLES = 5;
const PERCENTILE = 0.8;

export interface WaitSample {
  createdAt: Date;
  firstAssignedAt: Date;
  /** Now (a session's priority may have changed while it waited). */
  priority: SessionPriority;
  /** Now (a transfer may have moved it); null or omitted: for anyone. */
  teamId?: string | null;
}

export interface MeasuredWait {
  place: number;
  seconds: number;
  priority: SessionPriority;
}

/** Whether a session of priority `a` is served before or with one of priority `b` (urgent before routine). */
const asUrgentAs = (a: SessionPriority, b: SessionPriority) => a === 'urgent' || b === 'routine';

/** Place in the queue on joining and the measured wait (seconds) of each sample that really waited. */
export function measuredWaits(samples: readonly WaitSample[]): MeasuredWait[] {
  const waited = samples.filter((s) => s.firstAssignedAt.getTime() - s.createdAt.getTime() >= 1000);
  return waited.map((s) => ({
    place: 1 + waited.filter((o) => o.createdAt < s.createdAt && o.firstAssignedAt > s.createdAt && asUrgentAs(o.priority, s.priority)).length,
    seconds: Math.round((s.firstAssignedAt.getTime() - s.createdAt.getTime()) / 1000),
    priority: s.priority,
  }));
}

/** The estimate for place `place` in the queue of `priority`, or null when too few such sessions joined at that place or further back. */
export function estimateWait(waits: readonly MeasuredWait[], place: number, priority: SessionPriority = 'routine'): number | null {
  const alike = waits
    .filter((w) => w.place >= place && w.priority === priority)
    .map((w) => w.seconds)
    .sort((a, b) => a - b);
  if (alike.length < MIN_SAMPLES) return null;
  return alike[Math.ceil(PERCENTILE * alike.length) - 1]!;
}

export async function waitHistory(q: Queryable, clinicId: string, now: Date): Promise<WaitSample[]> {
  const since = new Date(now.getTime() - HISTORY_DAYS * 86_400_000);
  const rows = await q
    .select({ createdAt: chatSessions.createdAt, firstAssignedAt: chatSessions.firstAssignedAt, priority: chatSessions.priority, teamId: chatSessions.teamId })
    .from(chatSessions)
    .where(and(eq(chatSessions.clinicId, clinicId), isNotNull(chatSessions.firstAssignedAt), gt(chatSessions.createdAt, since)))
    .orderBy(desc(chatSessions.createdAt))
    .limit(HISTORY_LIMIT);
  return rows.map((r) => ({ createdAt: r.createdAt, firstAssignedAt: r.firstAssignedAt!, priority: r.priority, teamId: r.teamId }));
}

/** Per team of the clinic: whether a member is available now, and whether any is on shift (not offline). */
async function teamStaffing(q: Queryable, clinicId: string) {
  const rows = await q.execute(sql`
    select t.id, bool_or(u.availability = 'available') as available, bool_or(u.availability <> 'offline') as "onShift"
      from teams t left join team_members m on m.team_id = t.id left join users u on u.id = m.employee_id and u.active
     where t.clinic_id = ${clinicId} group by t.id`);
  return new Map(rowsOf<{ id: string; available: boolean | null; onShift: boolean | null }>(rows).map((r) => [r.id, r]));
}

/**
 * What the clinic's waiting patients are told, read once for all of them: a function from a place in the queue (and
 * the patient's priority) to the status (`now`: the clock, for tests).
 */
export async function queueStatusFor(
  ctx: AppContext,
  clinicId: string,
  now = ctx.clock(),
): Promise<(position: number, priority?: SessionPriority, teamId?: string | null) => QueueStatus> {
  const hours = await openingStatus(ctx, clinicId, now);
  const [staffing, [clinic]] = await Promise.all([
    teamStaffing(ctx.db, clinicId),
    ctx.db.select({ fallback: clinics.teamFallback }).from(clinics).where(eq(clinics.id, clinicId)),
  ]);
  const staffed = (teamId: string | null) => {
    const team = teamId ? staffing.get(teamId) : undefined;
    if (!hours.isStaffAvailable || !team) return hours.isStaffAvailable;
    return !!team.available || (clinic?.fallback === 'anyone' && !team.onShift);
  };
  // The history is read only when a number may be given (a patient waiting with nobody available is the common case).
  const history = hours.isOpen && hours.isStaffAvailable ? await waitHistory(ctx.db, clinicId, now) : [];
  const waitsOf = new Map<string | null, MeasuredWait[]>();
  const waits = (teamId: string | null) => {
    let measured = waitsOf.get(teamId);
    if (!measured) waitsOf.set(teamId, (measured = measuredWaits(history.filter((s) => (s.teamId ?? null) === teamId))));
    return measured;
  };
  return (position, priority = 'routine', teamId = null) => {
    const isStaffAvailable = staffed(teamId);
    return {
      position,
      estimatedWaitSeconds: hours.isOpen && isStaffAvailable ? estimateWait(waits(teamId), position, priority) : null,
      isStaffAvailable,
    };
  };
}
