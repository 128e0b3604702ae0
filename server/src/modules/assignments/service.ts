import { asc, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Assignment } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Queryable } from '../../db/client';
import { prepared } from '../../db/prepared';
import { assignments, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Actor } from '../auth/actor';
import { readableSession } from '../sessions/access';
import { recordAudit } from '../audit/service';

const receiver = alias(users, 'receiver');

const historyOf = prepared((db) =>
  db
    .select({ a: assignments, name: users.displayName, toName: receiver.displayName })
    .from(assignments)
    .innerJoin(users, eq(users.id, assignments.employeeId))
    .leftJoin(receiver, eq(receiver.id, assignments.transferredToEmployeeId))
    .where(eq(assignments.sessionId, sql.placeholder('sessionId')))
    .orderBy(asc(assignments.startedAt), asc(assignments.id))
    .prepare('assignment_history'),
);

export async function assignmentHistory(q: Queryable, sessionId: string): Promise<Assignment[]> {
  const rows = await historyOf(q, { sessionId });
  return rows.map(({ a, name, toName }) => ({
    id: a.id,
    sessionId: a.sessionId,
    employee: { id: a.employeeId, displayName: name },
    startedAt: a.startedAt.toISOString(),
    endedAt: a.endedAt?.toISOString() ?? null,
    startReason: a.startReason,
    endReason: a.endReason,
    leaveNote: a.leaveNote,
    transferredTo:
      a.endReason === 'transferred'
        ? { employee: a.transferredToEmployeeId ? { id: a.transferredToEmployeeId, displayName: toName ?? '' } : null, teamId: a.transferredToTeamId }
        : null,
  }));
}

/** The liability trail of one session (handover notes included), for staff who can see it. Each read is audited. */
export async function listAssignments(ctx: AppContext, actor: Actor, sessionId: string, ip: string | null): Promise<Assignment[]> {
  if (actor.role === 'patient') throw new AppError('forbidden');
  await readableSession(ctx.db, actor, sessionId);
  const trail = await assignmentHistory(ctx.db, sessionId);
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'assignments.read', sessionId, ip });
  return trail;
}
