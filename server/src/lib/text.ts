import { AppError } from './errors';

/**
 * Normalizes user text to NFC and refuses what Postgres or a reader cannot take: NUL and other control
 * characters (tab and newlines excepted), lone surrogates. Returns the clean text or throws invalid_request.
 */
export function cleanText(value: string, field: string, { maxLength, allowNewlines = false }: { maxLength?: number; allowNewlines?: boolean } = {}): string {
  if (!value.isWellFormed()) throw new AppError('invalid_request', { field, problem: 'malformed_unicode' });
  const control = allowNewlines ? /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/ : /[\u0000-\u001F\u007F]/;
  if (control.test(value)) throw new AppError('invalid_request', { field, problem: 'control_characters' });
  const text = value.normalize('NFC').trim();
  if (text.length === 0) throw new AppError('invalid_request', { field, problem: 'empty' });
  if (maxLength !== undefined && text.length > maxLength) {
    throw field === 'body' ? new AppError('message_too_long', { field, maxLength }) : new AppError('invalid_request', { field, problem: 'too_long', maxLength });
  }
  return text;
}

const CONTROL = /[\u0000-\u001F\u007F]/;

/** True for text that Postgres and readers can take as it is: well-formed, no control characters at all. */
export function isCleanText(value: string): boolean {
  return value.isWellFormed() && !CONTROL.test(value);
}

/** For text we must accept rather than refuse (e.g. a signed claim): lone surrogates replaced, control characters dropped, NFC. */
export function scrubText(value: string): string {
  return value.toWellFormed().replace(new RegExp(CONTROL.source, 'g'), '').normalize('NFC').trim();
}
