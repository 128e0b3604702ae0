import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { clinics } from './clinics';
import { availabilityEnum, roleEnum } from './enums';

/** Patients, employees and admins. Staff log in with email + password; patients hold tokens only. */
export const users = pgTable(
  'users',
  {
    id: uuid().primaryKey().defaultRandom(),
    clinicId: uuid()
      .notNull()
      .references(() => clinics.id, { onDelete: 'cascade' }),
    role: roleEnum().notNull(),
    displayName: text().notNull(),
    email: text(),
    passwordHash: text(),
    /** The clinic's own patient id, from a signed identity token. */
    externalId: text(),
    /**
     * Identified patients: the `email` claim of their last identity token, copied to a session they start to be told
     * of replies (modules/emails/). Refreshed on every sign-in; cleared by retention with their last session.
     */
    identityEmail: text(),
    /** Per-employee override of the clinic's default capacity. */
    capacity: integer(),
    availability: availabilityEnum().notNull().default('offline'),
    /** When `availability` last took a different value: the away timeout counts from it (assignments/timers.ts). */
    availabilityChangedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Number of sessions currently held: changed only by atomic UPDATEs in the assignment engine. */
    load: integer().notNull().default(0),
    /** For the tie-break "idle longest": when this employee last received a session. */
    lastAssignedAt: timestamp({ withTimezone: true }),
    /**
     * Set when the user's last socket closed (or its instance died); cleared on reconnect. Staff: drives the
     * disconnect grace period. Patients: the patient-gone deadline counts from it (assignments/patient-idle.ts).
     */
    presenceLostAt: timestamp({ withTimezone: true }),
    active: boolean().notNull().default(true),
    /** Staff two-step sign-in: the TOTP secret (base32), set when enrolment starts; on once confirmed. */
    mfaSecret: text(),
    mfaEnabledAt: timestamp({ withTimezone: true }),
    /** The last TOTP time step accepted: a code is good once (RFC 6238 §5.2). */
    mfaLastStep: integer(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_clinic_id_email_idx').on(t.clinicId, t.email).where(sql`${t.email} is not null`),
    // Login finds staff by email alone (the clinic comes from the account): without this, a scan of every user,
    // patients included.
    index('users_email_idx').on(t.email).where(sql`${t.email} is not null`),
    uniqueIndex('users_clinic_id_external_id_idx').on(t.clinicId, t.externalId).where(sql`${t.externalId} is not null`),
    index('users_clinic_id_availability_idx').on(t.clinicId, t.availability).where(sql`${t.role} <> 'patient'`),
  ],
);

/** Opaque bearer tokens, stored as SHA-256 hashes so a database leak does not leak sessions. */
export const authTokens = pgTable(
  'auth_tokens',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text().notNull().unique(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('auth_tokens_user_id_idx').on(t.userId)],
);

/**
 * Single-use tickets that open a socket (`POST /api/v1/socket/ticket`), so the long-lived token never travels in a
 * URL, where proxies log it. Stored as SHA-256 hashes, valid 30 s, bound to the token that asked for one (its user
 * and clinic, and its revocation); the upgrade spends one with `DELETE … RETURNING`, atomic across instances.
 */
export const socketTickets = pgTable(
  'socket_tickets',
  {
    ticketHash: text().primaryKey(),
    tokenHash: text()
      .notNull()
      .references(() => authTokens.tokenHash, { onDelete: 'cascade' }),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index('socket_tickets_expires_at_idx').on(t.expiresAt)],
);
