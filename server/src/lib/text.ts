import { AppError } from './errors';

/**
 * Normalizes user text to NFC and refuses what Postgres or a reader cannot take: NUL and other control
 * characters (tab and newlines excepted), lone surrogates. Returns the clean text or throws invalid_request.
 */
export function cleanText(
  value: string,
  field: string,
  { maxLength, allowNewlines = false, refuseBidi = false }: { maxLength?: number; allowNewlines?: boolean; refuseBidi?: boolean } = {},
): string {
  if (!value.isWellFormed()) throw new AppError('invalid_request', { field, problem: 'malformed_unicode' });
  const control = allowNewlines ? /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/ : /[\u0000-\u001F\u007F]/;
  if (control.test(value)) throw new AppError('invalid_request', { field, problem: 'control_characters' });
  if (refuseBidi && BIDI_EMBEDDING.test(value)) throw new AppError('invalid_request', { field, problem: 'bidi_controls' });
  const text = value.normalize('NFC').trim();
  if (text.length === 0) throw new AppError('invalid_request', { field, problem: 'empty' });
  if (maxLength !== undefined && text.length > maxLength) {
    throw field === 'body'
      ? new AppError('message_too_long', { field, maxLength })
      : new AppError('invalid_request', { field, problem: 'too_long', maxLength });
  }
  return text;
}

/**
 * Bidi embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI). Never needed in a one-line
 * reason; in a name or reason they reorder what the console shows after it (a patient's `\u202EyoJ esruN` reads
 * as "Nurse Joy"). Message bodies keep them: patients may write right-to-left text as they wish.
 */
const BIDI_EMBEDDING = /[\u202A-\u202E\u2066-\u2069]/;
/**
 * Invisible format characters (category Cf): every bidi control (the above, LRM, RLM, ALM), zero-width spaces and
 * joiners, the word joiner, the byte-order mark, soft hyphens. In a name they hide, reorder or impersonate.
 */
const FORMAT = /\p{Cf}/u;
/** A character that shows: a letter, digit, punctuation or symbol, minus the blank ones (Hangul fillers, blank braille). */
const VISIBLE = /(?![\u115F\u1160\u3164\uFFA0\u2800])[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * A person's or clinic's name as people will read it beside others: `cleanText`, and no invisible format characters
 * (which also refuses every bidi control), and at least one visible character. Throws invalid_request naming the field.
 */
export function cleanName(value: string, field: string, { maxLength }: { maxLength: number }): string {
  const text = cleanText(value, field, { maxLength });
  // On the text as sent: trim() would drop a leading or trailing byte-order mark unseen.
  if (FORMAT.test(value)) throw new AppError('invalid_request', { field, problem: 'invisible_characters' });
  if (!VISIBLE.test(text)) throw new AppError('invalid_request', { field, problem: 'nothing_visible' });
  return text;
}

const CONTROL = /[\u0000-\u001F\u007F]/;

/** True for text that Postgres and readers can take as it is: well-formed, no control characters at all. */
export function isCleanText(value: string): boolean {
  return value.isWellFormed() && !CONTROL.test(value);
}

/**
 * For a name we must accept rather than refuse (a signed claim): lone surrogates replaced, control and invisible
 * format characters dropped, NFC; '' when nothing visible is left.
 */
export function scrubText(value: string): string {
  const text = value
    .toWellFormed()
    .replace(new RegExp(`${CONTROL.source}|${FORMAT.source}`, 'gu'), '')
    .normalize('NFC')
    .trim();
  return VISIBLE.test(text) ? text : '';
}

/**
 * A route's `transform` for a body with a long text `body` (a message, an internal note): the text as it is stored
 * (NFC, trimmed, as `cleanText` cleans it) before validation, so the schema's limit counts those characters, and
 * longer is 422 `message_too_long`, not a schema failure.
 */
export const storedBodyText =
  (maxLength: number) =>
  ({ body }: { body: unknown }) => {
    const input = body as { body?: unknown } | null;
    if (!input || typeof input.body !== 'string') return;
    const text = (input.body = input.body.normalize('NFC').trim());
    if (text.length > maxLength) throw new AppError('message_too_long', { field: 'body', maxLength });
  };
