/**
 * Pure assignment rules, shared by the SQL engine (which applies them with row locks) and its tests.
 */
/**
 * A session that an employee left is not offered to that employee again for this long; meanwhile they take younger
 * sessions, the one way a waiting session is passed (ARCHITECTURE.md).
 */
export const REJOIN_COOLDOWN_MS = 2 * 60 * 1000;

/** The first key of a clinic's queue lock (pg_advisory_xact_lock(key, hashtext(clinic id))); the second is the clinic. */
export const QUEUE_LOCK_KEY = 0x4d43;

export interface Candidate {
  id: string;
  load: number;
  capacity: number;
  lastAssignedAt: Date | null;
}

/** Least loaded first; on a tie, the one idle longest (never assigned counts as idle longest). */
export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.load !== b.load) return a.load - b.load;
  const ta = a.lastAssignedAt?.getTime() ?? -Infinity;
  const tb = b.lastAssignedAt?.getTime() ?? -Infinity;
  return ta === tb ? a.id.localeCompare(b.id) : ta - tb;
}

export function pickEmployee(candidates: readonly Candidate[], excludeId?: string | null): Candidate | null {
  const open = candidates.filter((c) => c.load < c.capacity && c.id !== excludeId);
  return open.sort(compareCandidates)[0] ?? null;
}

export function effectiveCapacity(userCapacity: number | null, clinicDefault: number): number {
  return Math.max(0, userCapacity ?? clinicDefault);
}
