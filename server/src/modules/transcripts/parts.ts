/**
 * What a transcript says, as parts that each format lays out (the plain text here, the PDF in ./pdf.ts): the clinic,
 * the patient, the times, who held the chat with reasons and handover notes, and every message in order.
 */
import type { AssignmentEndReason, AssignmentStartReason } from '@medchat/sdk/protocol';
import type { Chart } from '../fhir/service';

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

/** A transcript's content, laid out by the plain-text and PDF formats alike. */
export interface TranscriptParts {
  title: string;
  /** Label and value, in order: patient, reason, session, times. */
  fields: Array<[label: string, value: string]>;
  /** Who held the chat: one line each, and the handover note left when handing it on. */
  trail: Array<{ line: string; note: string | null }>;
  messages: Array<{ at: string; who: string; body: string; files: string[] }>;
  end: string;
}

export function transcriptParts({ session: s, trail, messages }: Chart, now: Date): TranscriptParts {
  return {
    title: `${s.clinic.name}: chat transcript`,
    fields: [
      ['Patient', `${s.patient.displayName}${s.patient.externalId ? ` (patient id ${s.patient.externalId})` : ' (guest)'}`],
      ['Reason', s.reason],
      ['Session', s.id],
      ['Started', when(s.createdAt)],
      ['Ended', s.endedAt ? when(s.endedAt) : `not yet (${s.status})`],
      ['Printed', when(now)],
    ],
    trail: trail.map((a) => {
      const end = a.endedAt ? `${when(a.endedAt)}, ${END[a.endReason as keyof typeof END] ?? a.endReason}` : 'now';
      return { line: `${a.employeeName}: ${when(a.startedAt)} to ${end}; ${START[a.startReason as keyof typeof START] ?? a.startReason}`, note: a.leaveNote };
    }),
    messages: messages.map((m) => ({
      at: when(m.createdAt),
      who: m.kind === 'system' ? '*' : `${m.senderName ?? 'unknown'}${m.senderRole === 'patient' ? ' (patient)' : ''}`,
      body: m.body,
      files: m.attachments.map((a) => `${a.name} (${a.contentType}, ${formatSize(a.size)})`),
    })),
    end: `End of transcript (${messages.length} messages).`,
  };
}

export function formatTranscript(parts: TranscriptParts): string {
  const lines = [parts.title, '', ...parts.fields.map(([label, value]) => `${`${label}:`.padEnd(12)}${indent(value)}`), '', 'Who held the chat'];
  if (parts.trail.length === 0) lines.push('  no one');
  for (const a of parts.trail) {
    lines.push(`  ${a.line}`);
    if (a.note) lines.push(`    handover note: ${indent(a.note)}`);
  }
  lines.push('', 'Messages');
  for (const m of parts.messages) {
    lines.push(`  [${m.at}] ${m.who}: ${indent(m.body)}`);
    for (const file of m.files) lines.push(`    attached: ${file}`);
  }
  lines.push('', parts.end, '');
  return lines.join('\n');
}

/** A file's size as people read it: 512 B, 34 KB, 2.4 MB. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
