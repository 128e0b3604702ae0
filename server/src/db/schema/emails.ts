import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { clinics } from './clinics';
import { chatSessions } from './sessions';

/**
 * The address a patient gave (with the clinic's consent text) or their identity token named, to be told of replies in
 * one session. Deleted with the session (cascade), so retention takes it with the chat's other data.
 */
export const sessionContacts = pgTable('session_contacts', {
  sessionId: uuid()
    .primaryKey()
    .references(() => chatSessions.id, { onDelete: 'cascade' }),
  clinicId: uuid()
    .notNull()
    .references(() => clinics.id, { onDelete: 'cascade' }),
  email: text().notNull(),
  /** `form`: typed by the patient under the consent text; `identity`: the identity token's `email` claim. */
  source: text().notNull(),
  /** The consent text the patient was shown, as it was then (null for an identity address). */
  consentText: text(),
  /** False once the patient turned it off. */
  enabled: boolean().notNull().default(true),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * Addresses no email goes to any more, by the SHA-256 of the lower-case address (the address itself is not kept):
 * unsubscribed through a link, or refused for good by the receiving server (an SMTP 5xx).
 */
export const emailSuppressions = pgTable(
  'email_suppressions',
  {
    clinicId: uuid()
      .notNull()
      .references(() => clinics.id, { onDelete: 'cascade' }),
    emailHash: text().notNull(),
    /** `unsubscribed` or `hard_failure`. */
    reason: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.clinicId, t.emailHash] })],
);

/**
 * The email outbox: one row per due event (a staff reply the patient has not seen: `first`, then `reminder`), written
 * in the transaction that stores the reply. `dedupeKey` (session, kind, UTC day) makes a second reply that day join the
 * same row, so a conversation gets at most one first email and one reminder a day, and a row is sent at most once.
 */
export const emailNotifications = pgTable(
  'email_notifications',
  {
    id: uuid().primaryKey().defaultRandom(),
    clinicId: uuid()
      .notNull()
      .references(() => clinics.id, { onDelete: 'cascade' }),
    sessionId: uuid()
      .notNull()
      .references(() => chatSessions.id, { onDelete: 'cascade' }),
    /** `first` or `reminder`. */
    kind: text().notNull(),
    dedupeKey: text().notNull(),
    /** The staff message that made it due: seen once the patient's read marker reaches it. */
    triggerSeq: integer().notNull(),
    /** pending, sent, seen (the patient read it first), skipped (no first email went out), cancelled (no address, consent off, unsubscribed), failed. */
    status: text().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull(),
    /** While an instance sends it: others skip it until then (a dead instance's rows come back). */
    lockedUntil: timestamp({ withTimezone: true }),
    lastError: text(),
    lastAttemptAt: timestamp({ withTimezone: true }),
    sentAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('email_notifications_dedupe_key_idx').on(t.dedupeKey),
    index('email_notifications_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('email_notifications_clinic_id_created_at_idx').on(t.clinicId, t.createdAt),
    index('email_notifications_session_id_idx').on(t.sessionId),
  ],
);

/** The link in an email: its token's hash, single use, 24 hours. Deleted with the session. */
export const resumeLinks = pgTable(
  'resume_links',
  {
    tokenHash: text().primaryKey(),
    notificationId: uuid()
      .notNull()
      .references(() => emailNotifications.id, { onDelete: 'cascade' }),
    sessionId: uuid()
      .notNull()
      .references(() => chatSessions.id, { onDelete: 'cascade' }),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('resume_links_session_id_idx').on(t.sessionId)],
);
