import { sql } from 'drizzle-orm';
import type { Database } from '../../server/src/db/client';
import { rowsOf } from '../../server/src/db/rows';

/**
 * The plan Postgres keeps for a prepared statement once it stops planning each call (its generic plan), as EXPLAIN
 * prints it: `text` is the statement with $n parameters, `args` the SQL literals to explain it with.
 */
export function genericPlan(db: Database, text: string, args: string): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local plan_cache_mode = force_generic_plan`);
    await tx.execute(sql.raw(`prepare generic_plan_check as ${text}`));
    const rows = rowsOf<{ 'QUERY PLAN': string }>(await tx.execute(sql.raw(`explain execute generic_plan_check(${args})`)));
    await tx.execute(sql.raw('deallocate generic_plan_check'));
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}
