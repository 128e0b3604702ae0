/**
 * Teams in the engine: which waiting sessions an employee may take. A session without a team (no topic chosen, or a
 * clinic without topics) goes to anyone. A session routed to a team (its topic's, or by a transfer) goes to that
 * team's members; when none of them is on shift (every member offline or inactive), the clinic's `teamFallback`
 * decides: `wait` keeps it for the team, `anyone` lets any available employee take it. The rule is one SQL
 * predicate, used by every statement that picks (engine.ts `leastLoaded`, `claimWaiting`; matcher.ts), so the queue
 * order (urgent first, then oldest) holds among the sessions each employee may take.
 */
import { sql, type SQL } from 'drizzle-orm';

/**
 * True when the employee `employee` (an expression of their id) may take the session aliased `session` (a table alias
 * in the surrounding statement, with `team_id` and `clinic_id`).
 */
export function mayTake(session: string, employee: SQL) {
  const s = sql.raw(session);
  return sql`(${s}.team_id is null
    or exists (select 1 from team_members tm where tm.team_id = ${s}.team_id and tm.employee_id = ${employee})
    or ((select c.team_fallback from clinics c where c.id = ${s}.clinic_id) = 'anyone'
        and not exists (select 1 from team_members tm join users x on x.id = tm.employee_id
                         where tm.team_id = ${s}.team_id and x.active and x.availability <> 'offline')))`;
}
