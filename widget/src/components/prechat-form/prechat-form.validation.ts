import type { Translation } from '../../translations';

/** The server's limits (auth: displayName ≤ 80, sessions: reason ≤ 500 after trimming). */
export const NAME_MAX = 80;
export const REASON_MAX = 500;
/** The server's check of an address, loosely: something, @, a domain with a dot (it refuses the rest with a 400). */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface PrechatErrors {
  name?: string;
  reason?: string;
  email?: string;
  /** The first red-flag question left unanswered (its index). */
  redFlag?: number;
}

/**
 * Field messages for the pre-chat form; empty when it may be sent. `needsName` is false for identified patients;
 * `email` is undefined unless the patient ticked the clinic's consent and was asked for an address.
 */
export function validatePrechat(values: { name: string; reason: string; email?: string }, needsName: boolean, t: Translation): PrechatErrors {
  const errors: PrechatErrors = {};
  const name = values.name.trim();
  const reason = values.reason.trim();
  if (needsName && !name) errors.name = t.nameRequired;
  else if (needsName && name.length > NAME_MAX) errors.name = t.nameTooLong(NAME_MAX);
  if (!reason) errors.reason = t.reasonRequired;
  else if (reason.length > REASON_MAX) errors.reason = t.reasonTooLong(REASON_MAX);
  if (values.email !== undefined && !EMAIL.test(values.email.trim())) errors.email = t.emailInvalid;
  return errors;
}
