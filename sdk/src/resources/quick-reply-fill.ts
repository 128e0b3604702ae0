import type { QuickReplyVariable } from '../protocol/notes';

/** A quick reply with its variables filled, and where the first one left unfilled sits in `text` (`[start, end)`), or null. */
export interface FilledQuickReply {
  text: string;
  gap: [start: number, end: number] | null;
}

const VARIABLE = /\{(patient\.name|clinic\.name|clinic\.phone|employee\.name)\}/g;

/**
 * Fills a quick reply's variables (`{patient.name}`, `{clinic.name}`, `{clinic.phone}`, `{employee.name}`) with
 * `values`. One without a value (missing, null or blank) is kept as written, never emptied, and the first of them
 * is returned as `gap`, for an editor to select so staff fill it in before sending. Other braces are left alone.
 */
export function fillQuickReply(body: string, values: Partial<Record<QuickReplyVariable, string | null>>): FilledQuickReply {
  let text = '';
  let last = 0;
  let gap: FilledQuickReply['gap'] = null;
  for (const match of body.matchAll(VARIABLE)) {
    text += body.slice(last, match.index);
    const value = values[match[1] as QuickReplyVariable]?.trim();
    if (!value) gap ??= [text.length, text.length + match[0].length];
    text += value || match[0];
    last = match.index + match[0].length;
  }
  return { text: text + body.slice(last), gap };
}
