/**
 * Matches waiting patients with available staff who have room. The engine's transactions take rows with SKIP
 * LOCKED so that they never queue behind each other; the price is that a start can find every free employee
 * row locked by a concurrent transaction (or a freed employee every waiting session row) and commit with a
 * patient waiting beside spare capacity. So after every event that may leave both at once, a matching pass
 * runs for that clinic a moment later, instead of the patient waiting for the sweeper's next round (which
 * remains the backstop for events this instance never heard of).
 */
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/rows';
import type { BusEvent } from '../../lib/bus-events';
import { errorKind } from '../../lib/logger';
import { inTransaction } from '../../lib/transaction';
import { claimWaiting, lockQueue } from './engine';
import { mayTake } from './teams';

/** Available staff with spare capacity take the first waiting sessions of their clinic in queue order, urgent first (one clinic, or all). */
export async function matchWaiting(ctx: AppContext, clinicId?: string) {
  const idle = await ctx.db.execute(sql`
    select u.id, u.clinic_id as "clinicId" from users u join clinics c on c.id = u.clinic_id
    where u.role = 'employee' and u.active and u.availability = 'available'
      and u.load < coalesce(u.capacity, c.default_capacity)
      ${clinicId ? sql`and u.clinic_id = ${clinicId}` : sql``}
      and exists (select 1 from chat_sessions s where s.clinic_id = u.clinic_id and s.status = 'waiting' and ${mayTake('s', sql`u.id`)})
    order by u.load, u.last_assigned_at nulls first limit 50`);
  for (const { id, clinicId } of rowsOf<{ id: string; clinicId: string }>(idle)) {
    await inTransaction(ctx, async (tx, emit) => {
      await lockQueue(tx, clinicId);
      await claimWaiting(tx, emit, id);
    });
  }
}

/**
 * Events after which a clinic may have waiting patients and free staff at the same time (going offline included: the
 * last member of a team on shift leaving lets anyone take its sessions where the clinic falls back to anyone).
 */
const mayLeaveBoth = (e: BusEvent) =>
  e.t === 'queue.changed' || e.t === 'session.waiting' || e.t === 'session.requeued' || (e.t === 'availability.changed' && e.availability !== 'away');

/** Runs a matching pass per clinic `delayMs` after such an event; passes of one clinic never overlap. */
export function startMatcher(ctx: AppContext, delayMs = 20) {
  const scheduled = new Map<string, ReturnType<typeof setTimeout>>();
  const running = new Set<string>();
  const again = new Set<string>();

  const schedule = (clinicId: string) => {
    if (running.has(clinicId)) return void again.add(clinicId);
    if (scheduled.has(clinicId)) return;
    scheduled.set(
      clinicId,
      setTimeout(async () => {
        scheduled.delete(clinicId);
        running.add(clinicId);
        try {
          await matchWaiting(ctx, clinicId);
          ctx.metrics.matcherPasses.inc({ result: 'ok' });
        } catch (error) {
          ctx.metrics.matcherPasses.inc({ result: 'failed' });
          ctx.logger.warn('matcher.failed', errorKind(error));
        } finally {
          running.delete(clinicId);
          if (again.delete(clinicId)) schedule(clinicId);
        }
      }, delayMs),
    );
  };

  const unsubscribe = ctx.bus.subscribe((e) => {
    if (mayLeaveBoth(e)) schedule(e.clinicId);
  });
  return () => {
    unsubscribe();
    for (const timer of scheduled.values()) clearTimeout(timer);
    scheduled.clear();
  };
}
