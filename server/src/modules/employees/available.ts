import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { users } from '../../db/schema';

/** Employees of the clinic available now (the public clinic status, wait estimates). */
export async function availableStaff(ctx: AppContext, clinicId: string): Promise<number> {
  const [row] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.clinicId, clinicId), eq(users.role, 'employee'), eq(users.active, true), eq(users.availability, 'available')));
  return row?.n ?? 0;
}
