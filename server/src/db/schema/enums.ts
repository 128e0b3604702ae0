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
]);
export const assignmentEndReasonEnum = pgEnum('assignment_end_reason', [
  'left',
  'disconnected',
  'session_ended',
  'admin',
  'unanswered',
  'away_timeout',
  'patient_inactive',
]);
export const messageKindEnum = pgEnum('message_kind', ['text', 'system']);
