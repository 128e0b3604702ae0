import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { clinics } from './clinics';
import { chatSessions } from './sessions';
import { users } from './users';

/**
 * Internal notes: staff-only text inside a session (sdk/src/protocol/notes.ts). A table of their own, apart from
 * `messages`, so no path that reads a patient's conversation (history, the socket's replay, transcripts, webhooks)
 * can ever select one. Immutable like messages (drizzle/0016_internal_notes_and_quick_replies.sql); deleted with
 * their session (retention).
 */
export const sessionNotes = pgTable(
  'session_notes',
  {
    id: uuid().primaryKey().defaultRandom(),
    sessionId: uuid()
      .notNull()
      .references(() => chatSessions.id, { onDelete: 'cascade' }),
    authorId: uuid()
      .notNull()
      .references(() => users.id),
    body: text().notNull(),
    /** Employee ids of the colleagues mentioned, each checked to be staff of the session's clinic. */
    mentions: uuid().array().notNull().default(sql`'{}'::uuid[]`),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('session_notes_session_id_created_at_idx').on(t.sessionId, t.createdAt), index('session_notes_mentions_idx').using('gin', t.mentions)],
);

/** A clinic's quick replies (canned answers): a shortcut, unique per clinic whatever its case, and the text it inserts. */
export const quickReplies = pgTable(
  'quick_replies',
  {
    id: uuid().primaryKey().defaultRandom(),
    clinicId: uuid()
      .notNull()
      .references(() => clinics.id, { onDelete: 'cascade' }),
    shortcut: text().notNull(),
    body: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('quick_replies_clinic_id_shortcut_idx').on(t.clinicId, sql`lower(${t.shortcut})`)],
);
