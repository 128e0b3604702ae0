/**
 * Honest waits: what a waiting patient is told comes from waits measured at their clinic, never from a constant.
 *
 * The method: take the clinic's sessions of the last `HISTORY_DAYS` (the newest `HISTORY_LIMIT`) that waited
 * before their first assignment (assigned within a second of starting means a free slot was there, which a
 * patient who waits now did not find). Each one's place when it joined is 1 + the sessions of that sample that
 * started before it and were still unassigned then. A patient at place `p` is told the 80th percentile (nearest
 * rank) of the measured waits of sessions that joined at place `p` or further back (never an estimate shorter than
 * what most such patients waited); with fewer than `MIN_SAMPLES` of them, no number. No staff available, or the
 * clinic closed by its hours: no number either, and the widget says so in words.
 */
import { and, desc, eq, gt, isNotNull } from 'drizzle-orm';
import type { QueueStatus } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Queryable } from '../../db/client';
import { chatSessions } from '../../db/schema';
import { openingStatus } from '../clinics/hours-service';

export const HISTORY_DAYS = 14;
export const HISTORY_LIMIT = 300;
export const MIN_SAMPLES = 5;
const PERCENTILE = 0.8;

export interface WaitSample {
  createdAt: Date;
  firstAssignedAt: Date;
}

/** Place in the queue on joining and the measured wait (seconds) of each sample that really waited. */
export function measuredWaits(samples: readonly WaitSample[]): Array<{ place: number; seconds: number }> {
  const waited = samples.filter((s) => s.firstAssignedAt.getTime() - s.createdAt.getTime() >= 1000);
  return waited.map((s) => ({
    place: 1 + waited.filter((o) => o.createdAt < s.createdAt && o.firstAssignedAt > s.createdAt).length,
    seconds: Math.round((s.firstAssignedAt.getTime() - s.createdAt.getTime()) / 1000),
  }));
}

/** The estimate for place `place`, or null when too few sessions joined at that place or further back. */
export function estimateWait(waits: ReadonlyArray<{ place: number; seconds: number }>, place: number): number | null {
  const alike = waits
    .filter((w) => w.place >= place)
    .map((w) => w.seconds)
    .sort((a, b) => a - b);
  if (alike.length < MIN_SAMPLES) return null;
  return alike[Math.ceil(PERCENTILE * alike.length) - 1]!;
}

export async function waitHistory(q: Queryable, clinicId: string, now: Date): Promise<WaitSample[]> {
  const since = new Date(now.getTime() - HISTORY_DAYS * 86_400_000);
  const rows = await q
    .select({ createdAt: chatSessions.createdAt, firstAssignedAt: chatSessions.firstAssignedAt })
    .from(chatSessions)
    .where(and(eq(chatSessions.clinicId, clinicId), isNotNull(chatSessions.firstAssignedAt), gt(chatSessions.createdAt, since)))
    .orderBy(desc(chatSessions.createdAt))
    .limit(HISTORY_LIMIT);
  return rows.map((r) => ({ createdAt: r.createdAt, firstAssignedAt: r.firstAssignedAt! }));
}

/**
 * What the clinic's waiting patients are told, read once for all of them: a function from a place in the queue to
 * the status (`now`: the clock, for tests).
 */
export async function queueStatusFor(ctx: AppContext, clinicId: string, now = new Date()): Promise<(position: number) => QueueStatus> {
  const hours = await openingStatus(ctx, clinicId, now);
  const canEstimate = hours.isOpen && hours.isStaffAvailable;
  // The history is read only when a number may be given (a patient waiting with nobody available is the common case).
  const waits = canEstimate ? measuredWaits(await waitHistory(ctx.db, clinicId, now)) : [];
  return (position) => ({
    position,
    estimatedWaitSeconds: canEstimate ? estimateWait(waits, position) : null,
    isStaffAvailable: hours.isStaffAvailable,
  });
}
