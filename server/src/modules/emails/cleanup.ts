/**
 * The email outbox does not grow for ever: rows settled (sent, seen, skipped, cancelled, failed) are deleted
 * EMAIL_LOG_DAYS after they were made due, with their links (long expired by then), so the admin's list shows the last
 * 30 days; or with their session when retention purges it, whichever comes first. A pending row is never deleted
 * here: it is failed after the retry period first.
 */
import { sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client';
import { rowsOf } from '../../db/rows';

export const EMAIL_LOG_DAYS = 30;
const BATCH = 500;

/** Deletes settled rows older than `days`, a batch per statement until none is left; instances skip each other's rows. */
export async function purgeEmailLog(db: Queryable, days = EMAIL_LOG_DAYS, batch = BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = rowsOf<{ id: string }>(
      await db.execute(sql`
        with old as (
          select n.id from email_notifications n
           where n.status <> 'pending' and n.created_at < now() - make_interval(days => ${days})
           order by n.created_at
           limit ${batch}
           for update of n skip locked)
        delete from email_notifications n using old where n.id = old.id
        returning n.id`),
    ).length;
    total += deleted;
    if (deleted < batch) return total;
  }
}
