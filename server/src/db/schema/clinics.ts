import { sql } from 'drizzle-orm';
import { boolean, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { teamFallbackEnum } from './enums';

/** The tenant. Everything else belongs to exactly one clinic. */
export const clinics = pgTable('clinics', {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull(),
  /** Public key the widget uses to find its clinic (`<medchat-widget site="…">`). */
  siteKey: text().notNull().unique(),
  /** Exact origins (scheme://host[:port]) allowed to open patient sockets and call the API from a browser. */
  allowedOrigins: text().array().notNull().default(sql`'{}'::text[]`),
  /** HS256 secret the clinic's backend signs patient identity tokens with. */
  identitySecret: text().notNull(),
  defaultCapacity: integer().notNull().default(1),
  graceSeconds: integer().notNull().default(30),
  /**
   * An employee who has not written within this many seconds of being assigned loses the session to a colleague
   * (assignments/timers.ts, reason unanswered). Null: off.
   */
  firstReplySeconds: integer().default(120),
  /** An employee away for longer than this has their sessions handed on (reason away_timeout). Null: off. */
  awayTimeoutMinutes: integer().default(30),
  /**
   * Staff wrote last and the patient has had no connection and sent nothing for this long: the assignment closes
   * (reason patient_inactive), the employee's slot is freed and the session waits on the patient, out of the queue
   * (assignments/patient-idle.ts). Null: off.
   */
  patientIdleMinutes: integer().default(30),
  /** A session waiting on its patient this long (patient still away) is closed by the system. Null: never. */
  inactiveCloseHours: integer(),
  emergencyText: text().notNull().default('If this is an emergency, call your local emergency number now.'),
  /** The clinic's phone number as staff give it to patients (quick replies' `{clinic.phone}`). Null: none set. */
  phone: text(),
  retentionDays: integer(),
  brandColor: text(),
  /** Staff must set up two-step sign-in: until they do, their token reaches only the set-up (and sign-out). */
  requireStaffMfa: boolean().notNull().default(false),
  /**
   * `message.created` webhooks carry the message text (PHI leaving MedChat for the clinic's own systems) only when
   * the clinic turned this on; otherwise they carry ids, and the receiver reads the text through the API.
   */
  webhookMessageText: boolean().notNull().default(false),
  /** Staff's desktop notifications may name the patient by first name; off, they name nobody (shown on a lock screen). */
  notificationFirstNames: boolean().notNull().default(false),
  /**
   * A session routed to a team (by its topic) whose members are all offline: `wait` keeps it for the team,
   * `anyone` lets any available employee take it (assignments/teams.ts).
   */
  teamFallback: teamFallbackEnum().notNull().default('anyone'),
  /** Patients may give an address to be told of replies by a content-free email (modules/emails/). */
  emailNotify: boolean().notNull().default(false),
  /** What the patient agrees to by giving an address, in the clinic's words (shown in the pre-chat form). */
  emailConsentText: text().notNull().default('Email me when the clinic replies. The email says only that there is a new message.'),
  /** Minutes a staff reply may stay unseen before the email. */
  emailFirstDelayMinutes: integer().notNull().default(5),
  /** Minutes after the reply before the one reminder, if still unseen. */
  emailReminderMinutes: integer().notNull().default(60),
  /** The clinic's page with the widget that the email's link opens (with `medchat_resume=`); null: no email goes out. */
  emailPageUrl: text(),
  /** The sender's display name; null: the clinic's name. */
  emailSenderName: text(),
  /** Largest attachment, in bytes, and most attachments per message (modules/attachments). */
  attachmentMaxBytes: integer()
    .notNull()
    .default(10 * 1024 * 1024),
  attachmentsPerMessage: integer().notNull().default(5),
  /** HMAC key of the clinic's short-lived attachment links (modules/attachments/links.ts); never leaves the server. */
  linkSigningKey: text().notNull().default(sql`encode(sha256(gen_random_uuid()::text::bytea || gen_random_uuid()::text::bytea), 'hex')`),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
