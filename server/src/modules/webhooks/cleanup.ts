/**
 * The outbox does not grow for ever: events whose deliveries are all settled (delivered or failed) are deleted
 * WEBHOOK_LOG_DAYS after they happened, with their deliveries, so the delivery log shows the last 30 days. A
 * `message.created` event may carry message text (where the clinic opted in), so it goes no later than that, or
 * with its session when retention purges it (retention/service.ts), whichever comes first. A pending delivery is
 * never deleted here: it is given up (failed) after the retry period first.
 */
import { sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client';
import { rowsOf } from '../../db/rows';

/** How long delivered and failed events stay in the outbox (and the delivery log). */
export const WEBHOOK_LOG_DAYS = 30;
/** Events deleted per statement: short transactions, and the next batch only once this one committed. */
const BATCH = 500;

/**
 * Deletes settled events older than `days`, oldest first, a batch per statement until none is left. Instances may
 * run it at once: each skips the rows another is deleting. Returns how many events it deleted.
 */
export async function purgeWebhookLog(db: Queryable, days = WEBHOOK_LOG_DAYS, batch = BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = rowsOf<{ id: string }>(
      await db.execute(sql`
        with old as (
          select e.id from webhook_events e
           where e.created_at < now() - make_interval(days => ${days})
             and not exists (select 1 from webhook_deliveries d where d.event_id = e.id and d.status = 'pending')
           order by e.created_at
           limit ${batch}
           for update of e skip locked)
        delete from webhook_events e using old where e.id = old.id
        returning e.id`),
    ).length;
    total += deleted;
    if (deleted < batch) return total;
  }
}
