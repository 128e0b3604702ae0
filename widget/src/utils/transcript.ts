import type { Message } from '@medchat/sdk/patient';
import type { Translation } from '../translations';

export interface TranscriptInput {
  clinicName: string;
  messages: readonly Message[];
  /** The patient's own user id: their lines are labelled with `t.you`. */
  selfId: string | null;
  t: Translation;
  timeZone?: string;
}

/**
 * The conversation as plain text, one line per message: `[2025-05-01 14:05] Nurse Joy: text`. Times are in the
 * reader's time zone. Plain text only: the file is never HTML, so nothing in it can run when opened.
 */
export function formatTranscript({ clinicName, messages, selfId, t, timeZone }: TranscriptInput): string {
  // Swedish short date and time is `2025-05-01 14:05`: ISO order on a 24-hour clock, in any reader's zone.
  const stamp = (iso: string) => new Date(iso).toLocaleString('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'short' });
  const lines = [t.transcriptTitle(clinicName), ''];
  for (const m of [...messages].sort((a, b) => a.seq - b.seq)) {
    if (m.kind === 'system' && m.system) {
      lines.push(`[${stamp(m.createdAt)}] ${t.transcriptSystemName}: ${t.system(m.system.event, m.system.employeeName)}`);
    } else {
      const who = m.sender && m.sender.id === selfId ? t.you : (m.sender?.displayName ?? t.transcriptSystemName);
      // Each file on a line of its own. Continuation lines are indented so a message cannot forge a line that looks like another speaker's.
      const text = [m.body, ...(m.attachments ?? []).map((a) => t.transcriptFile(a.name))].filter(Boolean).join('\n');
      lines.push(`[${stamp(m.createdAt)}] ${who}: ${text.replace(/\r?\n/g, '\n    ')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A file name like `medchat-transcript-2025-05-01.txt`. */
export const transcriptFileName = (now = new Date()) => `medchat-transcript-${now.toISOString().slice(0, 10)}.txt`;
