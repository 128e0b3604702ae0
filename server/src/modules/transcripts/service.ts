/**
 * A session's transcript for filing in a chart: plain text with the clinic, the patient (and the clinic's own
 * patient id when known), the times, every message in order and the custody record with reasons and handover notes.
 * For staff who may read the session and admins; each download is one audit row (`transcript.downloaded`).
 */
import type { AssignmentEndReason, AssignmentStartReason } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { AppError } from '../../lib/errors';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { loadCharts, type Chart } from '../fhir/service';
import { readableSession } from '../sessions/access';

const START: Record<AssignmentStartReason, string> = {
  session_started: 'assigned at the start',
  after_leave: 'took over',
  employee_available: 'took it from the queue',
  admin: 'assigned by an admin',
  patient_returned: 'took it when the patient wrote again',
  transferred: 'took it by transfer',
};
const END: Record<AssignmentEndReason, string> = {
  left: 'left (handed over)',
  disconnected: 'disconnected',
  session_ended: 'until the end',
  admin: 'removed by an admin',
  transferred: 'transferred it',
  unanswered: 'no reply in time (handed on)',
  away_timeout: 'away too long (handed on)',
  patient_inactive: 'the patient went quiet',
};

/** UTC, to the second: `2026-03-01 14:05:09 UTC`. */
const when = (d: Date) => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
/** Text as stored, with every line after the first indented under its header. */
const indent = (text: string) => text.replace(/\r?\n/g, '\n    ');

export function formatTranscript({ session: s, trail, messages }: Chart, now: Date): string {
  const lines = [
    `${s.clinic.name}: chat transcript`,
    '',
    `Patient:    ${s.patient.displayName}${s.patient.externalId ? ` (patient id ${s.patient.externalId})` : ' (guest)'}`,
    `Reason:     ${indent(s.reason)}`,
    `Session:    ${s.id}`,
    `Started:    ${when(s.createdAt)}`,
    `Ended:      ${s.endedAt ? when(s.endedAt) : `not yet (${s.status})`}`,
    `Printed:    ${when(now)}`,
    '',
    'Who held the chat',
  ];
  if (trail.length === 0) lines.push('  no one');
  for (const a of trail) {
    const end = a.endedAt ? `${when(a.endedAt)}, ${END[a.endReason as keyof typeof END] ?? a.endReason}` : 'now';
    lines.push(`  ${a.employeeName}: ${when(a.startedAt)} to ${end}; ${START[a.startReason as keyof typeof START] ?? a.startReason}`);
    if (a.leaveNote) lines.push(`    handover note: ${indent(a.leaveNote)}`);
  }
  lines.push('', 'Messages');
  for (const m of messages) {
    const who = m.kind === 'system' ? '*' : `${m.senderName ?? 'unknown'}${m.senderRole === 'patient' ? ' (patient)' : ''}`;
    lines.push(`  [${when(m.createdAt)}] ${who}: ${indent(m.body)}`);
  }
  lines.push('', `End of transcript (${messages.length} messages).`, '');
  return lines.join('\n');
}

export async function downloadTranscript(ctx: AppContext, actor: Actor, sessionId: string, ip: string | null) {
  if (actor.role === 'patient') throw new AppError('forbidden');
  await readableSession(ctx.db, actor, sessionId);
  const [chart] = await loadCharts(ctx.db, actor.clinicId, [sessionId]);
  if (!chart) throw new AppError('session_not_found');
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'transcript.downloaded', sessionId, ip });
  return formatTranscript(chart, new Date());
}
