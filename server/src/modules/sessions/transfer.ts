/**
 * Transfer: the employee holding a session hands it to a named colleague or to a team, with a handover note
 * (`POST /api/v1/sessions/:id/transfer`). Everything is checked under the clinic's queue lock and the colleague's
 * row lock, so a refusal names why at that moment: the colleague is the caller, is not available, has no room, or
 * is not a member of the team named with them. The trail (the closed assignment) records `transferred` with from,
 * to and the note; the receiver gets the note with the `employee.assigned` frame; the patient sees the system line
 * naming whoever joins.
 */
import { and, eq } from 'drizzle-orm';
import { LIMITS, type Session, type SessionTransferParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { teamMembers, teams } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { cleanText } from '../../lib/text';
import { inTransaction } from '../../lib/transaction';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { claimWaiting, lockEmployee, lockQueue, transferSession as transferInEngine } from '../assignments/engine';
import { assertCanWrite, lockReadable } from './access';
import { getSessionView } from './views';

/** A handover note as stored: cleaned, or null when empty. */
export const handoverNote = (note: string | undefined) => (note?.trim() ? cleanText(note, 'note', { maxLength: LIMITS.leaveNote, allowNewlines: true }) : null);

export async function transferSession(ctx: AppContext, actor: Actor, sessionId: string, input: SessionTransferParams, ip: string | null): Promise<Session> {
  const { toEmployeeId = null, toTeamId = null } = input;
  if (!toEmployeeId && !toTeamId) throw new AppError('invalid_request', { field: 'toEmployeeId', problem: 'missing_target' }, 'Name a colleague or a team.');
  const leaveNote = handoverNote(input.note);
  return inTransaction(ctx, async (tx, emit) => {
    await lockQueue(tx, actor.clinicId);
    const row = await lockReadable(tx, actor, sessionId);
    assertCanWrite(actor, row);
    if (toTeamId) {
      const [team] = await tx
        .select({ id: teams.id })
        .from(teams)
        .where(and(eq(teams.id, toTeamId), eq(teams.clinicId, actor.clinicId)));
      if (!team) throw new AppError('team_not_found');
    }
    if (toEmployeeId) {
      if (toEmployeeId === actor.id) throw new AppError('transfer_to_self');
      const colleague = await lockEmployee(tx, toEmployeeId);
      if (!colleague || colleague.clinicId !== actor.clinicId || colleague.role === 'patient') throw new AppError('user_not_found');
      const name = colleague.displayName;
      if (toTeamId) {
        const [member] = await tx
          .select({ id: teamMembers.employeeId })
          .from(teamMembers)
          .where(and(eq(teamMembers.teamId, toTeamId), eq(teamMembers.employeeId, toEmployeeId)));
        if (!member) throw new AppError('not_team_member', { employeeId: toEmployeeId, teamId: toTeamId }, `${name} is not a member of that team.`);
      }
      if (!colleague.active || colleague.availability !== 'available')
        throw new AppError(
          'colleague_unavailable',
          { employeeId: toEmployeeId, availability: colleague.active ? colleague.availability : 'inactive' },
          `${name} is ${colleague.active ? colleague.availability : 'deactivated'}: they take no chats now.`,
        );
      if (colleague.load >= Number(colleague.capacity))
        throw new AppError(
          'colleague_at_capacity',
          { employeeId: toEmployeeId, load: colleague.load, capacity: Number(colleague.capacity) },
          `${name} already has ${colleague.load} of ${Number(colleague.capacity)} chats.`,
        );
    }
    const done = await transferInEngine(tx, emit, row, { employeeId: toEmployeeId, teamId: toTeamId }, { by: { actorId: actor.id, ip }, leaveNote });
    // Checked above under the same locks; kept as the engine's own guard.
    if (done === 'full') throw new AppError('colleague_at_capacity');
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'session.transferred', sessionId, subjectId: toEmployeeId, ip });
    await claimWaiting(tx, emit, actor.id);
    const session = await getSessionView(tx, sessionId);
    if (!session) throw new AppError('session_not_found');
    return session;
  });
}
