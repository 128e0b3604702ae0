import { and, eq, ne } from 'drizzle-orm';
import type { Person } from '@medchat/sdk/protocol';
import type { Queryable } from '../../db/client';
import { connections, users } from '../../db/schema';

/**
 * The staff who have the session open in a console now (`viewing.start`), on any instance (each socket's
 * connection row says what it shows), each person once, by name.
 */
export async function viewersOf(q: Queryable, sessionId: string): Promise<Person[]> {
  return q
    .selectDistinct({ id: users.id, displayName: users.displayName })
    .from(connections)
    .innerJoin(users, eq(users.id, connections.userId))
    .where(and(eq(connections.viewingSessionId, sessionId), ne(users.role, 'patient')))
    .orderBy(users.displayName, users.id);
}
