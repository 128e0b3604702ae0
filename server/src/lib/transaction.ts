import type { AppContext } from '../context';
import type { Tx } from '../db/client';
import type { BusEvent, Emit } from './bus-events';
import { pgCode } from './errors';
import { errorKind } from './logger';

const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Runs `work` in one transaction, retried on serialization failures and deadlocks (so `work` must be
 * idempotent as a whole), then publishes the events it emitted, only after commit (RELIABILITY D3, A8).
 * A failed publish does not undo the commit: it is logged, and receivers catch up on resume and by the sweeper.
 */
export async function inTransaction<T>(ctx: Pick<AppContext, 'db' | 'bus' | 'logger'>, work: (tx: Tx, emit: Emit) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const events: BusEvent[] = [];
    try {
      const result = await ctx.db.transaction((tx) => work(tx, (e) => void events.push(e)));
      if (events.length) await ctx.bus.publish(events).catch((error) => ctx.logger.warn('bus.publish_failed', { events: events.length, ...errorKind(error) }));
      return result;
    } catch (error) {
      if (attempt < 4 && RETRYABLE.has(pgCode(error) ?? '')) continue;
      throw error;
    }
  }
}
