/**
 * Opening hours, evaluated (pure: the caller passes the time). Intervals and closures are local wall-clock times
 * in the clinic's IANA zone; each day's intervals become instants with Temporal (`temporal-polyfill`), so a
 * daylight-saving change moves them with the clock: on the day the clock springs forward a day is 23 hours long
 * and a time inside the skipped hour means the first instant after it (Temporal's `compatible`); on the day it
 * falls back, a repeated time means its first occurrence.
 */
import type { ClinicHours, WeeklyInterval } from '@medchat/sdk/protocol';
import { Temporal } from 'temporal-polyfill';
import { AppError } from '../../lib/errors';

/** How far ahead the next opening is looked for (a closure list can close the clinic for weeks). */
const HORIZON_DAYS = 370;

export interface OpenState {
  isOpen: boolean;
  nextOpenAt: Date | null;
  closesAt: Date | null;
}

/** Around the clock: what a clinic without a schedule is. */
const ALWAYS: OpenState = { isOpen: true, nextOpenAt: null, closesAt: null };

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** Is this an IANA zone (or UTC) that Temporal knows? */
export function isTimeZone(zone: string): boolean {
  try {
    Temporal.Now.zonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks what the schema cannot: a known zone, real dates, intervals that close after they open and do not
 * overlap within a day. Returns the hours in a canonical order (intervals by day and time, closures sorted, unique).
 */
export function validateHours(hours: ClinicHours): ClinicHours {
  if (!isTimeZone(hours.timeZone)) throw new AppError('invalid_request', { field: 'timeZone', problem: 'unknown_time_zone' });
  const weekly = [...hours.weekly].sort((a, b) => a.day - b.day || minutes(a.open) - minutes(b.open));
  weekly.forEach((iv, i) => {
    if (minutes(iv.close) <= minutes(iv.open)) throw new AppError('invalid_request', { field: `weekly.${i}`, problem: 'closes_before_it_opens' });
    const prev = weekly[i - 1];
    if (prev && prev.day === iv.day && minutes(prev.close) > minutes(iv.open))
      throw new AppError('invalid_request', { field: `weekly.${i}`, problem: 'overlaps_another_interval' });
  });
  for (const [i, d] of hours.closures.entries()) {
    try {
      Temporal.PlainDate.from(d, { overflow: 'reject' });
    } catch {
      throw new AppError('invalid_request', { field: `closures.${i}`, problem: 'not_a_date' });
    }
  }
  return { ...hours, weekly: weekly.map(({ day, open, close }) => ({ day, open, close })), closures: [...new Set(hours.closures)].sort() };
}

/** The instant a local date and `HH:MM` (or `24:00`, the next midnight) fall on in the zone. */
function instant(date: Temporal.PlainDate, hhmm: string, timeZone: string): number {
  const day = hhmm === '24:00' ? date.add({ days: 1 }) : date;
  const time = hhmm === '24:00' ? new Temporal.PlainTime() : Temporal.PlainTime.from(hhmm);
  return day.toZonedDateTime({ timeZone, plainTime: time }).epochMilliseconds;
}

/**
 * Whether the clinic is open at `now`, when it closes if so, and when it next opens. Back-to-back intervals
 * (Monday until 24:00, Tuesday from 00:00) count as one opening.
 */
export function openState(hours: Pick<ClinicHours, 'hasSchedule' | 'timeZone' | 'weekly' | 'closures'> | null, now: Date): OpenState {
  if (!hours?.hasSchedule) return ALWAYS;
  const { timeZone } = hours;
  const byDay = new Map<number, WeeklyInterval[]>();
  for (const iv of hours.weekly) byDay.set(iv.day, [...(byDay.get(iv.day) ?? []), iv]);
  for (const list of byDay.values()) list.sort((a, b) => minutes(a.open) - minutes(b.open));
  const closed = new Set(hours.closures);
  const at = now.getTime();
  const today = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone).toPlainDate();

  // Openings in time order, merged when one starts where the last ended; decided at the first that lies after now.
  let chain: [number, number] | null = null;
  let closesAt: number | null = null;
  for (let i = -1; i <= HORIZON_DAYS; i++) {
    const date = today.add({ days: i });
    if (closed.has(date.toString())) continue;
    for (const iv of byDay.get(date.dayOfWeek) ?? []) {
      const start = instant(date, iv.open, timeZone);
      const end = instant(date, iv.close, timeZone);
      if (chain && start <= chain[1]) {
        chain[1] = Math.max(chain[1], end);
        continue;
      }
      if (chain && chain[0] <= at && at < chain[1]) closesAt = chain[1];
      if (start > at) return state(closesAt, start);
      chain = [start, end];
    }
  }
  if (chain && chain[0] <= at && at < chain[1]) closesAt = chain[1];
  return state(closesAt, null);
}

const state = (closesAt: number | null, nextOpenAt: number | null): OpenState => ({
  isOpen: closesAt !== null,
  closesAt: closesAt === null ? null : new Date(closesAt),
  nextOpenAt: nextOpenAt === null ? null : new Date(nextOpenAt),
});
