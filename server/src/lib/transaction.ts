import type { AppContext } from '../context';
import type { Tx } from '../db/client';
import type { BusEvent, Emit } from './bus-events';
import { pgCode } from './errors';
import { errorKind } from './logger';
import type { Metrics } from './metrics';

const RETRYABLE = new Set(['40001', '40P01']);

/** Assignments are counted once, by the instance whose transaction made them (every instance hears the event). */
function countCommitted(metrics: Metrics, events: readonly BusEvent[]) {
  for (const e of events) {
    if (e.t !== 'session.assigned') continue;
    metrics.assignments.inc({ reason: e.reason });
    if (e.waitedSeconds !== undefined) metrics.assignmentWait.observe(e.waitedSeconds);
  }
}

/**
 * Runs `work` in one transaction, retried on serialization failures and deadlocks (so `work` must be
 * idempotent as a whole), then publishes the events it emitted, only after commit (docs/requirements.md#delivery, #assignment).
 * `ctx.beforeCommit` sees the events inside the transaction. A failed publish does not undo the commit: it is logged, and receivers catch up on resume and by the sweeper.
 */
export async function inTransaction<T>(
  ctx: Pick<AppContext, 'db' | 'bus' | 'logger' | 'metrics' | 'beforeCommit'>,
  work: (tx: Tx, emit: Emit) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const events: BusEvent[] = [];
    try {
      const result = await ctx.db.transaction(async (tx) => {
        const value = await work(tx, (e) => void events.push(e));
        // What must commit with the change, or not at all (the webhook outbox).
        if (events.length && ctx.beforeCommit) await ctx.beforeCommit(tx, events);
        return value;
      });
      countCommitted(ctx.metrics, events);
      if (events.length) await ctx.bus.publish(events).catch((error) => ctx.logger.warn('bus.publish_failed', { events: events.length, ...errorKind(error) }));
      return result;
    } catch (error) {
      if (attempt < 4 && RETRYABLE.has(pgCode(error) ?? '')) continue;
      throw error;
    }
  }
}
