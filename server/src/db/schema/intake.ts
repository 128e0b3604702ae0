import { sql } from 'drizzle-orm';
import { jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { clinics } from './clinics';

/** A clinic's intake questions (protocol/intake.ts). No row: none asked. */
export const clinicIntake = pgTable('clinic_intake', {
  clinicId: uuid()
    .primaryKey()
    .references(() => clinics.id, { onDelete: 'cascade' }),
  /** Red-flag questions in the order asked; a question keeps its id across edits. */
  redFlags: jsonb().$type<Array<{ id: string; text: string }>>().notNull().default(sql`'[]'::jsonb`),
  /** Topics the patient picks from, each routed to a team (teams.ts); empty: no choice asked. */
  topics: jsonb().$type<Array<{ id: string; label: string; teamId: string }>>().notNull().default(sql`'[]'::jsonb`),
  /** Shown at once after a yes; empty: the clinic's `emergencyText`. */
  emergencyInstructions: text().notNull().default(''),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
