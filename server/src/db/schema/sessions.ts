import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { clinics } from './clinics';
import { assignmentEndReasonEnum, assignmentStartReasonEnum, sessionPriorityEnum, sessionStatusEnum } from './enums';
import { teams } from './teams';
import { users } from './users';

/** What a patient answered at intake, kept with the question's words at the time (a later edit does not rewrite it). */
export interface IntakeAnswerRecord {
  redFlags: Array<{ id: string; question: string; answer: boolean }>;
}

export const chatSessions = pgTable(
  'chat_sessions',
  {
    id: uuid().primaryKey().defaultRandom(),
    clinicId: uuid()
      .notNull()
      .references(() => clinics.id, { onDelete: 'cascade' }),
    patientId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    employeeId: uuid().references(() => users.id),
    status: sessionStatusEnum().notNull().default('waiting'),
    reason: text().notNull(),
    /** Urgent sessions are served first (queue order: priority, then `createdAt`). Set by the server from the intake answers, or by staff. */
    priority: sessionPriorityEnum().notNull().default('routine'),
    /**
     * The patient's answers to the clinic's red-flag questions, with each question as it was asked. PHI: read only
     * through `GET /sessions/:id/triage` (access-checked, audited); deleted with the session.
     */
    intakeAnswers: jsonb().$type<IntakeAnswerRecord>(),
    /**
     * Started while the clinic was closed by its opening hours: a message left after hours. Set by the server from its
     * own clock at the start, never from the client; staff see these apart ("left overnight"). Queued like any other.
     */
    leftWhileClosed: boolean().notNull().default(false),
    /** The team whose members take it (from the topic chosen at start, or a transfer); null: anyone. */
    teamId: uuid().references(() => teams.id, { onDelete: 'set null' }),
    /** The topic the patient chose at start, in the clinic's words then. */
    topic: text(),
    /** Highest seq handed out; bumped in the same transaction as each message insert (gapless). */
    lastSeq: integer().notNull().default(0),
    /** The employee who last left, and when: they are not picked again for this session at once. */
    leftBy: uuid().references(() => users.id),
    leftAt: timestamp({ withTimezone: true }),
    /** Queue order. A session sent back to the queue keeps its place. */
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    firstAssignedAt: timestamp({ withTimezone: true }),
    /**
     * When staff first wrote in the session (a text message from anyone but its patient), set with that message's
     * insert: the reports' time to first reply reads it instead of searching every session's messages.
     */
    firstReplyAt: timestamp({ withTimezone: true }),
    /** Since when the session waits on its patient (status idle, assignments/patient-idle.ts); null otherwise. */
    idleSince: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
    endedBy: uuid().references(() => users.id),
  },
  (t) => [
    /** The queue, in the order it is served. */
    index('chat_sessions_clinic_id_status_priority_created_at_idx').on(t.clinicId, t.status, t.priority, t.createdAt),
    index('chat_sessions_patient_id_idx').on(t.patientId),
    index('chat_sessions_employee_id_idx').on(t.employeeId).where(sql`${t.employeeId} is not null`),
    /** One open session per patient. */
    uniqueIndex('chat_sessions_patient_id_open_idx').on(t.patientId).where(sql`${t.status} <> 'ended'`),
    /** The sweeper's look for chats waiting on their patient (set exactly while status is idle), without a scan of every session. */
    index('chat_sessions_idle_since_idx').on(t.idleSince).where(sql`${t.idleSince} is not null`),
  ],
);

/**
 * Every period an employee held a session: the liability trail. Append-only apart from closing a period, once;
 * rows go only with their (ended) session. Database triggers enforce both
 * (drizzle/0006_audit_reads_assignments_append_only.sql).
 */
export const assignments = pgTable(
  'assignments',
  {
    id: uuid().primaryKey().defaultRandom(),
    sessionId: uuid()
      .notNull()
      .references(() => chatSessions.id, { onDelete: 'cascade' }),
    employeeId: uuid()
      .notNull()
      .references(() => users.id),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp({ withTimezone: true }),
    startReason: assignmentStartReasonEnum().notNull(),
    endReason: assignmentEndReasonEnum(),
    /**
     * The session's last seq when the period began: the holder has replied once a message of theirs has a higher
     * seq (the unanswered deadline, assignments/timers.ts). Seqs, not times: a message's time is its statement's
     * start, which can precede the assignment it was written under. Null on periods begun before this column.
     */
    startSeq: integer(),
    /** What the employee who left wrote for whoever takes over (shift change). Staff only, never the patient. */
    leaveNote: text(),
    /** Ended by a transfer: to whom (a colleague) or to which team, set with the closing. */
    transferredToEmployeeId: uuid().references(() => users.id),
    /** No foreign key: the trail keeps the id of a team deleted since (a closed row never changes). */
    transferredToTeamId: uuid(),
  },
  (t) => [
    /** At most one open assignment per session, enforced by the database. */
    uniqueIndex('assignments_session_id_open_idx').on(t.sessionId).where(sql`${t.endedAt} is null`),
    index('assignments_session_id_started_at_idx').on(t.sessionId, t.startedAt),
    index('assignments_employee_id_open_idx').on(t.employeeId).where(sql`${t.endedAt} is null`),
  ],
);

/**
 * Every change of a session's priority by staff, with who and why: append-only (no UPDATE; rows go only with
 * their session, by retention), enforced by a trigger like the assignments'.
 */
export const priorityChanges = pgTable(
  'priority_changes',
  {
    id: uuid().primaryKey().defaultRandom(),
    sessionId: uuid()
      .notNull()
      .references(() => chatSessions.id, { onDelete: 'cascade' }),
    changedBy: uuid()
      .notNull()
      .references(() => users.id),
    fromPriority: sessionPriorityEnum().notNull(),
    toPriority: sessionPriorityEnum().notNull(),
    reason: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('priority_changes_session_id_created_at_idx').on(t.sessionId, t.createdAt)],
);
