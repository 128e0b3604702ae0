import { pgEnum } from 'drizzle-orm/pg-core';

export const roleEnum = pgEnum('role', ['patient', 'employee', 'admin']);
export const availabilityEnum = pgEnum('availability', ['available', 'away', 'offline']);
export const sessionStatusEnum = pgEnum('session_status', ['waiting', 'active', 'idle', 'ended']);
export const assignmentStartReasonEnum = pgEnum('assignment_start_reason', [
  'session_started',
  'after_leave',
  'employee_available',
  'admin',
  'patient_returned',
  /** Handed over by its holder to a named colleague or a team (`POST /sessions/:id/transfer`). */
  'transferred',
]);
export const assignmentEndReasonEnum = pgEnum('assignment_end_reason', [
  'left',
  'disconnected',
  'session_ended',
  'admin',
  'unanswered',
  'away_timeout',
  'patient_inactive',
  'transferred',
]);
export const messageKindEnum = pgEnum('message_kind', ['text', 'system']);
/**
 * Declared most urgent first: the queue is ordered by `priority` ascending, then age (assignments/engine.ts), so
 * a new level goes in its place with `ALTER TYPE … ADD VALUE … BEFORE`.
 */
export const sessionPriorityEnum = pgEnum('session_priority', ['urgent', 'routine']);
/** A clinic's choice when a session's team has nobody on shift (no member available or away): wait for the team, or let anyone take it. */
export const teamFallbackEnum = pgEnum('team_fallback', ['wait', 'anyone']);
export const attachmentKindEnum = pgEnum('attachment_kind', ['image', 'pdf']);
