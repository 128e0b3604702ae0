import { sql } from 'drizzle-orm';
import { boolean, date, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { clinics } from './clinics';

/** One weekly opening interval, local wall-clock time in the clinic's zone: ISO weekday (1 = Monday), `HH:MM`, close may be `24:00`. */
export interface WeeklyInterval {
  day: number;
  open: string;
  close: string;
}

/**
 * A clinic's opening hours. No row: open around the clock (as before hours existed). Evaluated by
 * `modules/clinics/hours.ts` in the clinic's IANA time zone, daylight-saving changes included.
 */
export const clinicHours = pgTable('clinic_hours', {
  clinicId: uuid()
    .primaryKey()
    .references(() => clinics.id, { onDelete: 'cascade' }),
  /** The schedule applies; false: open around the clock (the hours are kept for later). */
  hasSchedule: boolean().notNull().default(false),
  timeZone: text().notNull().default('UTC'),
  weekly: jsonb().$type<WeeklyInterval[]>().notNull().default(sql`'[]'::jsonb`),
  /** Whole local dates the clinic is closed (holidays), `YYYY-MM-DD`. */
  closures: date({ mode: 'string' }).array().notNull().default(sql`'{}'::date[]`),
  /** What a patient reads while the clinic is closed (the widget adds the next opening and the emergency text). */
  afterHoursText: text().notNull().default(''),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
