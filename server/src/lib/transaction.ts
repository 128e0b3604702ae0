import type { BusEvent, Emit } from './bus-events';
import type { Bus } from './bus';
import type { Database, Tx } from '../db/client';
import { pgCode } from './errors';

const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Runs `work` in one transaction, retried on serialization failures and deadlocks (so `work` must be
 * idempotent as a whole), then publishes the events it emitted, only after commit (RELIABILITY D3, A8).
 */
export async function inTransaction<T>(db: Database, bus: Bus, work: (tx: Tx, emit: Emit) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const events: BusEvent[] = [];
    try {
      const result = await db.transaction((tx) => work(tx, (e) => void events.push(e)));
      if (events.length) await bus.publish(events).catch(() => {});
      return result;
    } catch (error) {
      if (attempt < 4 && RETRYABLE.has(pgCode(error) ?? '')) continue;
      throw error;
    }
  }
}
