import type { Translation } from '../../translations';

/** The server's limits (auth: displayName ≤ 80, sessions: reason ≤ 500 after trimming). */
export const NAME_MAX = 80;
export const REASON_MAX = 500;

export interface PrechatErrors {
  name?: string;
  reason?: string;
  /** The first red-flag question left unanswered (its index). */
  redFlag?: number;
}

/** Field messages for the pre-chat form; empty when it may be sent. `needsName` is false for identified patients. */
export function validatePrechat(values: { name: string; reason: string }, needsName: boolean, t: Translation): PrechatErrors {
  const errors: PrechatErrors = {};
  const name = values.name.trim();
  const reason = values.reason.trim();
  if (needsName && !name) errors.name = t.nameRequired;
  else if (needsName && name.length > NAME_MAX) errors.name = t.nameTooLong(NAME_MAX);
  if (!reason) errors.reason = t.reasonRequired;
  else if (reason.length > REASON_MAX) errors.reason = t.reasonTooLong(REASON_MAX);
  return errors;
}
