import { describe, expect, test } from 'bun:test';
import type { ClinicHours } from '@medchat/sdk/protocol';
import { openState, validateHours } from './hours';

const weekdays = (open: string, close: string) => [1, 2, 3, 4, 5].map((day) => ({ day, open, close }));
const hours = (over: Partial<ClinicHours> = {}): ClinicHours => ({
  hasSchedule: true,
  timeZone: 'America/New_York',
  weekly: weekdays('09:00', '17:00'),
  closures: [],
  afterHoursText: '',
  ...over,
});
const iso = (d: Date | null) => d?.toISOString() ?? null;
const at = (s: string) => new Date(s);

describe('opening hours', () => {
  test('no schedule, or a schedule turned off: open around the clock', () => {
    expect(openState(null, new Date())).toEqual({ isOpen: true, nextOpenAt: null, closesAt: null });
    expect(openState(hours({ hasSchedule: false }), at('2026-06-07T03:00:00Z')).isOpen).toBe(true);
  });

  test('open inside an interval (closing time given), closed outside it (next opening given), in the clinic’s zone', () => {
    // Wednesday 2026-06-10, New York is UTC-4 in summer.
    const open = openState(hours(), at('2026-06-10T14:00:00Z'));
    expect(open).toMatchObject({ isOpen: true });
    expect(iso(open.closesAt)).toBe('2026-06-10T21:00:00.000Z');
    expect(iso(open.nextOpenAt)).toBe('2026-06-11T13:00:00.000Z');
    // 17:00 sharp is closed (an interval ends where it says), 08:59 too.
    expect(openState(hours(), at('2026-06-10T21:00:00Z')).isOpen).toBe(false);
    const early = openState(hours(), at('2026-06-10T12:59:00Z'));
    expect(early).toMatchObject({ isOpen: false, closesAt: null });
    expect(iso(early.nextOpenAt)).toBe('2026-06-10T13:00:00.000Z');
    // Friday evening: next opening is Monday.
    expect(iso(openState(hours(), at('2026-06-12T22:00:00Z')).nextOpenAt)).toBe('2026-06-15T13:00:00.000Z');
  });

  test('several intervals a day; back-to-back days count as one opening', () => {
    const split = hours({
      weekly: [
        { day: 3, open: '08:00', close: '12:00' },
        { day: 3, open: '14:00', close: '18:00' },
      ],
    });
    const lunch = openState(split, at('2026-06-10T17:00:00Z')); // 13:00 local
    expect(lunch.isOpen).toBe(false);
    expect(iso(lunch.nextOpenAt)).toBe('2026-06-10T18:00:00.000Z');
    const night = hours({
      weekly: [
        { day: 3, open: '20:00', close: '24:00' },
        { day: 4, open: '00:00', close: '06:00' },
      ],
    });
    const s = openState(night, at('2026-06-11T03:00:00Z')); // Wednesday 23:00 local
    expect(s.isOpen).toBe(true);
    expect(iso(s.closesAt)).toBe('2026-06-11T10:00:00.000Z'); // Thursday 06:00 local
  });

  test('closures close whole local dates; the next opening skips them', () => {
    const holiday = hours({ closures: ['2026-07-03'] }); // a Friday
    expect(openState(holiday, at('2026-07-03T15:00:00Z')).isOpen).toBe(false);
    expect(iso(openState(holiday, at('2026-07-02T22:00:00Z')).nextOpenAt)).toBe('2026-07-06T13:00:00.000Z');
    // Closed for weeks: still found.
    const dates = Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(2026, 6, 1 + i)).toISOString().slice(0, 10));
    expect(iso(openState(hours({ closures: dates }), at('2026-07-01T12:00:00Z')).nextOpenAt)).toBe('2026-08-10T13:00:00.000Z');
    // Nothing ever opens: no next opening.
    expect(openState(hours({ weekly: [] }), at('2026-07-01T12:00:00Z'))).toEqual({ isOpen: false, nextOpenAt: null, closesAt: null });
  });

  test('the day the clock springs forward (New York, 2026-03-08): 23 hours long, times keep their wall-clock meaning', () => {
    const sunday = hours({
      weekly: [
        { day: 7, open: '01:00', close: '04:00' },
        { day: 7, open: '09:00', close: '17:00' },
      ],
    });
    // 01:00 EST is 06:00Z; 04:00 EDT is 08:00Z: the opening lasted two hours, not three.
    const night = openState(sunday, at('2026-03-08T06:30:00Z'));
    expect(night.isOpen).toBe(true);
    expect(iso(night.closesAt)).toBe('2026-03-08T08:00:00.000Z');
    // 09:00 EDT is 13:00Z (the day before it would have been 14:00Z).
    expect(iso(openState(sunday, at('2026-03-08T09:00:00Z')).nextOpenAt)).toBe('2026-03-08T13:00:00.000Z');
    expect(iso(openState(sunday, at('2026-03-01T09:00:00Z')).nextOpenAt)).toBe('2026-03-01T14:00:00.000Z');
    // An opening inside the skipped hour (02:30 does not exist) opens when the clock reaches 03:30 EDT.
    const skipped = hours({ weekly: [{ day: 7, open: '02:30', close: '05:00' }] });
    expect(iso(openState(skipped, at('2026-03-08T05:00:00Z')).nextOpenAt)).toBe('2026-03-08T07:30:00.000Z');
  });

  test('the day the clock falls back (New York, 2026-11-01): 25 hours long', () => {
    const sunday = hours({
      weekly: [
        { day: 7, open: '00:00', close: '03:00' },
        { day: 7, open: '09:00', close: '17:00' },
      ],
    });
    // 00:00 EDT is 04:00Z, 03:00 EST is 08:00Z: open four hours; at 07:30Z (02:30 EST, the second 01:30 is 06:30Z) still open.
    const night = openState(sunday, at('2026-11-01T07:30:00Z'));
    expect(night.isOpen).toBe(true);
    expect(iso(night.closesAt)).toBe('2026-11-01T08:00:00.000Z');
    // 09:00 EST is 14:00Z (the Sunday before, EDT, 13:00Z).
    expect(iso(openState(sunday, at('2026-11-01T09:00:00Z')).nextOpenAt)).toBe('2026-11-01T14:00:00.000Z');
    expect(iso(openState(sunday, at('2026-10-25T09:00:00Z')).nextOpenAt)).toBe('2026-10-25T13:00:00.000Z');
  });

  test('Europe/Madrid across its spring change (2026-03-29): an evening opening keeps its local hour', () => {
    const daily = hours({ timeZone: 'Europe/Madrid', weekly: [6, 7, 1].map((day) => ({ day, open: '18:00', close: '20:00' })) });
    expect(iso(openState(daily, at('2026-03-28T12:00:00Z')).nextOpenAt)).toBe('2026-03-28T17:00:00.000Z'); // CET
    expect(iso(openState(daily, at('2026-03-29T12:00:00Z')).nextOpenAt)).toBe('2026-03-29T16:00:00.000Z'); // CEST
  });

  test('validation: a known zone, real dates, intervals that close after they open and do not overlap', () => {
    const bad = (over: Partial<ClinicHours>) => () => validateHours(hours(over));
    expect(bad({ timeZone: 'Mars/Olympus' })).toThrow();
    expect(bad({ closures: ['2026-02-30'] })).toThrow();
    expect(bad({ weekly: [{ day: 1, open: '10:00', close: '09:00' }] })).toThrow();
    expect(
      bad({
        weekly: [
          { day: 1, open: '09:00', close: '12:00' },
          { day: 1, open: '11:00', close: '13:00' },
        ],
      }),
    ).toThrow();
    const ok = validateHours(
      hours({
        weekly: [
          { day: 2, open: '14:00', close: '24:00' },
          { day: 1, open: '09:00', close: '12:00' },
        ],
        closures: ['2026-12-25', '2026-01-01', '2026-12-25'],
      }),
    );
    expect(ok.weekly.map((w) => w.day)).toEqual([1, 2]);
    expect(ok.closures).toEqual(['2026-01-01', '2026-12-25']);
  });
});
