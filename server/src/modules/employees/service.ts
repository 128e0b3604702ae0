import { and, asc, eq, ne, sql } from 'drizzle-orm';
import {
  LIMITS,
  type Availability,
  type AvailabilityParams,
  type EmployeeCreateParams,
  type EmployeePatchParams,
  type AssignmentEndReason,
  type Employee,
  type Me,
} from '@medchat/sdk/protocol';
import type { Tx } from '../../db/client';
import type { AppContext } from '../../context';
import { authTokens, clinics, users } from '../../db/schema';
import type { Emit } from '../../lib/bus-events';
import { AppError, pgCode } from '../../lib/errors';
import { cleanName, cleanText } from '../../lib/text';
import { inTransaction } from '../../lib/transaction';
import { recordAudit, type Cause } from '../audit/service';
import { clearMfa } from '../auth/mfa';
import { getMe } from '../auth/service';
import type { Actor } from '../auth/actor';
import { claimWaiting, heldSessions, lockQueue, lockSession, releaseSession } from '../assignments/engine';

type UserRow = typeof users.$inferSelect;

function toEmployee(u: UserRow, defaultCapacity: number): Employee {
  return {
    id: u.id,
    email: u.email ?? '',
    displayName: u.displayName,
    role: u.role === 'admin' ? 'admin' : 'employee',
    availability: u.availability,
    capacity: u.capacity ?? defaultCapacity,
    load: u.load,
    active: u.active,
    mfaEnabled: u.mfaEnabledAt !== null,
  };
}

/** Releases every session an employee holds, each reassigned by the usual rule. */
async function releaseAll(tx: Tx, emit: Emit, employeeId: string, reason: AssignmentEndReason, by: Cause, notes?: ReadonlyMap<string, string>) {
  for (const s of await heldSessions(tx, employeeId)) {
    const locked = await lockSession(tx, s.id);
    if (locked?.employeeId === employeeId && locked.status === 'active')
      await releaseSession(tx, emit, locked, reason, { by, leaveNote: notes?.get(s.id) ?? null });
  }
}

/**
 * available: take waiting sessions up to capacity. away: keep what you hold, take nothing new (for the clinic's
 * `awayTimeoutMinutes` at most: assignments/timers.ts).
 * offline (end of shift): leave every session, each reassigned (reason left, or disconnected by the sweeper).
 */
export async function applyAvailability(
  tx: Tx,
  emit: Emit,
  employee: { id: string; clinicId: string },
  availability: Availability,
  { releaseReason = 'left', by, notes }: { releaseReason?: AssignmentEndReason; by: Cause; notes?: ReadonlyMap<string, string> },
) {
  // The clock of the away timeout (assignments/timers.ts) runs from the change, not from a repeat of the same value.
  const changedAt = sql`case when ${users.availability} = ${availability} then ${users.availabilityChangedAt} else now() end`;
  await tx.update(users).set({ availability, availabilityChangedAt: changedAt, presenceLostAt: null }).where(eq(users.id, employee.id));
  emit({ t: 'availability.changed', clinicId: employee.clinicId, userId: employee.id, availability });
  if (availability === 'available') await claimWaiting(tx, emit, employee.id);
  if (availability === 'offline') await releaseAll(tx, emit, employee.id, releaseReason, by, notes);
}

/** Going offline (end of shift), `notes` are handover notes by session id, each offered to whoever takes that chat over. */
export async function setAvailability(
  ctx: AppContext,
  actor: Actor,
  availability: Availability,
  ip: string | null,
  notes: AvailabilityParams['notes'] = [],
): Promise<Me> {
  if (actor.role === 'patient') throw new AppError('forbidden');
  const byId = new Map<string, string>();
  for (const [i, n] of notes.entries()) {
    const note = n.note.trim() ? cleanText(n.note, `notes.${i}.note`, { maxLength: LIMITS.leaveNote, allowNewlines: true }) : null;
    if (note) byId.set(n.sessionId, note);
  }
  await inTransaction(ctx, async (tx, emit) => {
    await lockQueue(tx, actor.clinicId);
    await tx.select({ id: users.id }).from(users).where(eq(users.id, actor.id)).for('update');
    await applyAvailability(tx, emit, actor, availability, { by: { actorId: actor.id, ip }, notes: byId });
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'employee.availability_changed', subjectId: actor.id, ip });
  });
  return getMe(ctx.db, actor.id);
}

export async function listEmployees(ctx: AppContext, actor: Actor): Promise<Employee[]> {
  const rows = await ctx.db
    .select({ user: users, defaultCapacity: clinics.defaultCapacity })
    .from(users)
    .innerJoin(clinics, eq(clinics.id, users.clinicId))
    .where(and(eq(users.clinicId, actor.clinicId), ne(users.role, 'patient')))
    .orderBy(asc(users.displayName));
  return rows.map((r) => toEmployee(r.user, r.defaultCapacity));
}

async function employeeView(tx: Tx, id: string): Promise<Employee> {
  const [row] = await tx
    .select({ user: users, defaultCapacity: clinics.defaultCapacity })
    .from(users)
    .innerJoin(clinics, eq(clinics.id, users.clinicId))
    .where(eq(users.id, id));
  return toEmployee(row!.user, row!.defaultCapacity);
}

export async function createEmployee(ctx: AppContext, actor: Actor, input: EmployeeCreateParams, ip: string | null): Promise<Employee> {
  const email = cleanText(input.email, 'email', { maxLength: LIMITS.email }).toLowerCase();
  const displayName = cleanName(input.displayName, 'displayName', { maxLength: LIMITS.employeeName });
  const passwordHash = await Bun.password.hash(input.password, { algorithm: 'argon2id' });
  try {
    return await inTransaction(ctx, async (tx) => {
      const [row] = await tx
        .insert(users)
        .values({ clinicId: actor.clinicId, role: input.role ?? 'employee', email, displayName, passwordHash, capacity: input.capacity ?? null })
        .returning({ id: users.id });
      await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'employee.created', subjectId: row!.id, ip });
      return employeeView(tx, row!.id);
    });
  } catch (error) {
    if (pgCode(error) === '23505') throw new AppError('email_taken');
    throw error;
  }
}

/**
 * A clinic keeps at least one active admin, or nobody can administer it: an admin never deactivates their own
 * account, and deactivating another admin needs the acting admin to be active still. The clinic's active admins are
 * locked in id order before anything else, so two admins deactivating each other at once run one after the other,
 * and the second finds itself deactivated (admin.test.ts, "two admins deactivating each other").
 */
async function assertAnotherAdminStays(tx: Tx, actor: Actor, targetId: string) {
  if (targetId === actor.id) throw new AppError('conflict', undefined, 'You cannot deactivate your own account; another admin can.');
  const admins = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.clinicId, actor.clinicId), eq(users.role, 'admin'), eq(users.active, true)))
    .orderBy(asc(users.id))
    .for('update');
  if (!admins.some((a) => a.id === actor.id)) throw new AppError('forbidden', undefined, 'Your account was deactivated.');
}

/** Edits an employee. Deactivating one revokes their tokens and reassigns their sessions (reason admin). */
export async function updateEmployee(ctx: AppContext, actor: Actor, id: string, input: EmployeePatchParams, ip: string | null): Promise<Employee> {
  const displayName = input.displayName === undefined ? undefined : cleanName(input.displayName, 'displayName', { maxLength: LIMITS.employeeName });
  const isEmpty = displayName === undefined && input.capacity === undefined && input.active === undefined && input.mfaEnabled === undefined;
  return inTransaction(ctx, async (tx, emit) => {
    await lockQueue(tx, actor.clinicId);
    if (input.active === false) await assertAnotherAdminStays(tx, actor, id);
    const [target] = await tx.select().from(users).where(eq(users.id, id)).for('update');
    if (!target || target.clinicId !== actor.clinicId || target.role === 'patient') throw new AppError('user_not_found');
    // Nothing to change (an empty patch; Elysia also turns a body that is not an object into {}): nothing written.
    // drizzle refuses an UPDATE without values, which was a 500.
    if (isEmpty) return employeeView(tx, id);
    // One's own goes off with the password and a code (POST /employees/me/mfa/disable), never with a token alone.
    if (input.mfaEnabled === false && id === actor.id)
      throw new AppError('conflict', undefined, 'Turn off your own two-step sign-in with your password and a code.');
    if (displayName !== undefined || input.capacity !== undefined || input.active !== undefined)
      await tx.update(users).set({ displayName, capacity: input.capacity, active: input.active }).where(eq(users.id, id));
    if (input.mfaEnabled === false && target.mfaSecret !== null) await clearMfa(tx, { clinicId: actor.clinicId, actorId: actor.id, subjectId: id, ip });
    if (input.active === false && target.active) {
      await tx.update(authTokens).set({ revokedAt: sql`now()` }).where(eq(authTokens.userId, id));
      emit({ t: 'token.revoked', clinicId: target.clinicId, userId: id, tokenHash: null });
      await applyAvailability(tx, emit, target, 'offline', { releaseReason: 'admin', by: { actorId: actor.id, ip } });
    } else if (target.availability === 'available') {
      await claimWaiting(tx, emit, id);
    }
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'employee.updated', subjectId: id, ip });
    return employeeView(tx, id);
  });
}
