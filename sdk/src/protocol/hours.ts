/**
 * A clinic's opening hours: what an admin sets (`GET/PUT /api/v1/clinic/hours`) and what everyone may know of
 * them now (`OpeningStatus`, in the public clinic lookup and the `clinic.opened` / `clinic.closed` frames).
 */
import { Type, type Static } from '@sinclair/typebox';

export const HOURS_LIMITS = {
  afterHoursText: 1000,
  /** Opening intervals in a week (several a day). */
  intervals: 70,
  /** Closed dates kept at once. */
  closures: 400,
  timeZone: 64,
} as const;

/** Local wall-clock time `HH:MM` (24-hour). */
const Time = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

/** One opening interval in the clinic's own time zone. Intervals of a day may not overlap. */
export const WeeklyInterval = Type.Object({
  /** ISO weekday: 1 is Monday, 7 Sunday. */
  day: Type.Integer({ minimum: 1, maximum: 7 }),
  open: Time,
  /** After `open`; `24:00` is the end of the day. */
  close: Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' }),
});
export type WeeklyInterval = Static<typeof WeeklyInterval>;

/** The clinic's hours as an admin sets them; the `PUT` body and the `GET` answer. */
export const ClinicHours = Type.Object({
  /** The schedule applies; false: the clinic is open around the clock (the default). */
  hasSchedule: Type.Boolean(),
  /** An IANA time zone, e.g. `Europe/Madrid`; the intervals and closures are in its local time. */
  timeZone: Type.String({ minLength: 1, maxLength: HOURS_LIMITS.timeZone }),
  weekly: Type.Array(WeeklyInterval, { maxItems: HOURS_LIMITS.intervals }),
  /** Whole local dates the clinic is closed (holidays), `YYYY-MM-DD`. */
  closures: Type.Array(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }), { maxItems: HOURS_LIMITS.closures }),
  /** What patients read while the clinic is closed; the widget adds the next opening and the emergency text. */
  afterHoursText: Type.String({ maxLength: HOURS_LIMITS.afterHoursText }),
});
export type ClinicHours = Static<typeof ClinicHours>;

const Instant = Type.Union([Type.String({ description: 'ISO 8601 time, UTC' }), Type.Null()]);

/** Whether the clinic is open now, and when that changes. */
export const OpeningStatus = Type.Object({
  isOpen: Type.Boolean(),
  /** Some member of staff is available now. */
  isStaffAvailable: Type.Boolean(),
  /** The next opening after now (after the current closing, when open); null when there is none in the coming year, or around the clock. */
  nextOpenAt: Instant,
  /** When the clinic closes, while open; null when closed or open around the clock. */
  closesAt: Instant,
  /** The clinic's own words for patients while it is closed (may be empty). */
  afterHoursText: Type.String(),
});
export type OpeningStatus = Static<typeof OpeningStatus>;
