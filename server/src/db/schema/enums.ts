import { pgEnum } from 'drizzle-orm/pg-core';

export const roleEnum = pgEnum('role', ['patient', 'employee', 'admin']);
export const availabilityEnum = pgEnum('availability', ['available', 'away', 'offline']);
export const sessionStatusEnum = pgEnum('session_status', ['waiting', 'active', 'ended']);
export const assignmentStartReasonEnum = pgEnum('assignment_start_reason', ['session_started', 'after_leave', 'employee_available', 'admin']);
export const assignmentEndReasonEnum = pgEnum('assignment_end_reason', ['left', 'disconnected', 'session_ended', 'admin', 'unanswered', 'away_timeout']);
export const messageKindEnum = pgEnum('message_kind', ['text', 'system']);
