/**
 * A clinic's teams and who belongs to them (admins set both), and what staff see of them for a transfer: each team's
 * members, and every colleague's availability and room. A topic of the intake routes chats to a team
 * (clinics/intake-service.ts); the engine gives them only to its members (assignments/teams.ts).
 */
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import { LIMITS, type Colleague, type Team, type TeamMembersParams, type TeamParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Queryable } from '../../db/client';
import { clinicIntake, clinics, teamMembers, teams, users } from '../../db/schema';
import { AppError, pgCode } from '../../lib/errors';
import { cleanName } from '../../lib/text';
import { inTransaction } from '../../lib/transaction';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/actor';
import { lockQueue } from '../assignments/engine';

async function listTeamsOf(q: Queryable, clinicId: string): Promise<Team[]> {
  const rows = await q
    .select({
      id: teams.id,
      name: teams.name,
      memberIds: sql<
        string[]
      >`coalesce(json_agg(${teamMembers.employeeId} order by ${teamMembers.employeeId}) filter (where ${teamMembers.employeeId} is not null), '[]'::json)`,
    })
    .from(teams)
    .leftJoin(teamMembers, eq(teamMembers.teamId, teams.id))
    .where(eq(teams.clinicId, clinicId))
    .groupBy(teams.id)
    .orderBy(asc(teams.name));
  return rows.map((r) => ({ id: r.id, name: r.name, memberIds: r.memberIds }));
}

/** The clinic's teams and its active staff as colleagues (available with room or not, their teams): for staff. */
export async function listTeams(ctx: AppContext, actor: Actor): Promise<{ teams: Team[]; colleagues: Colleague[] }> {
  const list = await listTeamsOf(ctx.db, actor.clinicId);
  const staff = await ctx.db
    .select({
      id: users.id,
      displayName: users.displayName,
      availability: users.availability,
      load: users.load,
      capacity: sql<number>`coalesce(${users.capacity}, ${clinics.defaultCapacity})`.mapWith(Number),
    })
    .from(users)
    .innerJoin(clinics, eq(clinics.id, users.clinicId))
    .where(and(eq(users.clinicId, actor.clinicId), eq(users.role, 'employee'), eq(users.active, true)))
    .orderBy(asc(users.displayName));
  const colleagues = staff.map((u) => ({
    id: u.id,
    displayName: u.displayName,
    availability: u.availability,
    canTake: u.availability === 'available' && u.load < u.capacity,
    teamIds: list.filter((t) => t.memberIds.includes(u.id)).map((t) => t.id),
  }));
  return { teams: list, colleagues };
}

async function teamOf(q: Queryable, actor: Actor, id: string): Promise<Team> {
  const team = (await listTeamsOf(q, actor.clinicId)).find((t) => t.id === id);
  if (!team) throw new AppError('team_not_found');
  return team;
}

const nameOf = (input: TeamParams) => cleanName(input.name, 'name', { maxLength: LIMITS.teamName });

/** A team name is unique in its clinic: a second one is a 409 naming the field. */
async function uniqueName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (pgCode(error) === '23505') throw new AppError('conflict', { field: 'name', problem: 'taken' }, 'The clinic already has a team of this name.');
    throw error;
  }
}

export async function createTeam(ctx: AppContext, actor: Actor, input: TeamParams, ip: string | null): Promise<Team> {
  const name = nameOf(input);
  return uniqueName(() =>
    inTransaction(ctx, async (tx) => {
      const [row] = await tx.insert(teams).values({ clinicId: actor.clinicId, name }).returning({ id: teams.id });
      await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'team.created', subjectId: row!.id, ip });
      return { id: row!.id, name, memberIds: [] };
    }),
  );
}

export async function renameTeam(ctx: AppContext, actor: Actor, id: string, input: TeamParams, ip: string | null): Promise<Team> {
  const name = nameOf(input);
  return uniqueName(() =>
    inTransaction(ctx, async (tx) => {
      const [row] = await tx
        .update(teams)
        .set({ name })
        .where(and(eq(teams.id, id), eq(teams.clinicId, actor.clinicId)))
        .returning({ id: teams.id });
      if (!row) throw new AppError('team_not_found');
      await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'team.updated', subjectId: id, ip });
      return teamOf(tx, actor, id);
    }),
  );
}

/**
 * Deletes a team no topic routes to (else 409 team_in_use). Its waiting and open chats belong to nobody's team from
 * then on (anyone takes them); the trail keeps the id of transfers to it.
 */
export async function deleteTeam(ctx: AppContext, actor: Actor, id: string, ip: string | null): Promise<void> {
  await inTransaction(ctx, async (tx, emit) => {
    await lockQueue(tx, actor.clinicId);
    await teamOf(tx, actor, id);
    const [intake] = await tx.select({ topics: clinicIntake.topics }).from(clinicIntake).where(eq(clinicIntake.clinicId, actor.clinicId));
    if (intake?.topics.some((t) => t.teamId === id)) throw new AppError('team_in_use');
    await tx.delete(teams).where(eq(teams.id, id));
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'team.deleted', subjectId: id, ip });
    emit({ t: 'queue.changed', clinicId: actor.clinicId });
  });
}

/** Sets a team's members (the whole list): employees of this clinic only, else 400 naming the id. */
export async function setTeamMembers(ctx: AppContext, actor: Actor, id: string, input: TeamMembersParams, ip: string | null): Promise<Team> {
  const ids = [...new Set(input.employeeIds)];
  return inTransaction(ctx, async (tx, emit) => {
    // Under the queue lock: who may take a team's chats changes in turn with the engine's picks.
    await lockQueue(tx, actor.clinicId);
    await teamOf(tx, actor, id);
    if (ids.length) {
      const found = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(inArray(users.id, ids), eq(users.clinicId, actor.clinicId), ne(users.role, 'patient')));
      const known = new Set(found.map((u) => u.id));
      const unknown = ids.findIndex((e) => !known.has(e));
      if (unknown >= 0) throw new AppError('invalid_request', { field: `employeeIds.${unknown}`, problem: 'unknown_employee' });
    }
    await tx.delete(teamMembers).where(eq(teamMembers.teamId, id));
    if (ids.length) await tx.insert(teamMembers).values(ids.map((employeeId) => ({ teamId: id, employeeId })));
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'team.members_changed', subjectId: id, ip });
    // New members may take the team's waiting chats now (the matcher runs on this).
    emit({ t: 'queue.changed', clinicId: actor.clinicId });
    return teamOf(tx, actor, id);
  });
}
