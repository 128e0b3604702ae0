/**
 * The admin's report over sessions, assignments and messages seeded with backdated times, in Europe/Berlin: every
 * figure exact (counts, median and p90 from percentile_cont, after hours from the schedule, end reasons, chats per
 * employee), local days and hours across both daylight-saving changes of 2026, the CSV, who may read it, and the
 * input it refuses without reading or writing anything.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { login, useTestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { refusalChecker } from '../../../../tests/helpers/expect';
import { seedChat } from '../../../../tests/helpers/report-seed';
import { createClinic } from '../clinics/service';

setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
const t = useTestApp();
const refused = refusalChecker(() => t);
let admin: Who, joy: Who, sam: Who, lee: Who, other: Who;
let clinicId: string;
let reasons: string[];

const report = (token: string, qs: string) => t.call('GET', `/api/v1/reports?${qs}`, { token });
const reportActions = async () => (await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from audit_log where action = 'report.read'`))[0]!.n;
const ended = (counts: Record<string, number>) => ({ ...Object.fromEntries(reasons.map((r) => [r, 0])), ...counts });

beforeAll(async () => {
  admin = await login(t, 'admin@demo.clinic');
  joy = await login(t, 'nurse.joy@demo.clinic');
  sam = await login(t, 'nurse.sam@demo.clinic');
  lee = await login(t, 'dr.lee@demo.clinic');
  [{ clinic_id: clinicId }] = (await query<{ clinic_id: string }>(t.ctx.db, sql`select clinic_id from users where id = ${admin.user.id}`)) as [
    { clinic_id: string },
  ];
  reasons = (await query<{ r: string }>(t.ctx.db, sql`select unnest(enum_range(null::assignment_end_reason))::text as r`)).map((r) => r.r);
  // Weekdays 08:00–18:00 in Berlin, closed on Monday 26 October.
  const weekly = [1, 2, 3, 4, 5].map((day) => ({ day, open: '08:00', close: '18:00' }));
  const put = await t.call('PUT', '/api/v1/clinic/hours', {
    token: admin.token,
    body: { hasSchedule: true, timeZone: 'Europe/Berlin', weekly, closures: ['2026-10-26'], afterHoursText: '' },
  });
  expect(put.status).toBe(200);

  const { clinic } = await createClinic(t.ctx.db, {
    name: 'Other',
    siteKey: 'other-reports',
    adminEmail: 'admin@other-reports.clinic',
    adminPassword: 'other-password-1',
  });
  other = (await t.call('POST', '/api/v1/auth/login', { body: { email: 'admin@other-reports.clinic', password: 'other-password-1' } })).body;

  // Spring forward: Berlin is +01:00 until 2026-03-29T01:00Z, +02:00 after. Local midnights: 03-27T23:00Z,
  // 03-28T23:00Z, 03-29T22:00Z, 03-30T22:00Z.
  await seedChat(t.ctx.db, clinicId, '2026-03-27T22:00:00Z', [{ employeeId: joy.user.id, after: 10, until: 600, end: 'session_ended' }], {
    by: joy.user.id,
    after: 20,
  }); // 27th 23:00, outside
  await seedChat(
    t.ctx.db,
    clinicId,
    '2026-03-28T09:00:00Z',
    [{ employeeId: joy.user.id, after: 10, until: 1800, end: 'session_ended' }],
    { by: joy.user.id, after: 30 },
    'urgent',
  ); // Sat 10:00, urgent
  // Sat 23:30; its assignment ends at 00:10 local on the 29th.
  await seedChat(t.ctx.db, clinicId, '2026-03-28T22:30:00Z', [{ employeeId: sam.user.id, after: 20, until: 2400, end: 'session_ended' }], {
    by: sam.user.id,
    after: 40,
  });
  // Sun 00:30 local (still the 28th in UTC): Joy leaves, Sam takes over and is the first to write.
  await seedChat(
    t.ctx.db,
    clinicId,
    '2026-03-28T23:30:00Z',
    [
      { employeeId: joy.user.id, after: 30, until: 120, end: 'left' },
      { employeeId: sam.user.id, after: 120, until: 3600, start: 'after_leave', end: 'session_ended' },
    ],
    { by: sam.user.id, after: 200 },
  );
  await seedChat(t.ctx.db, clinicId, '2026-03-29T21:59:00Z'); // Sun 23:59 CEST, never answered
  await seedChat(t.ctx.db, clinicId, '2026-03-30T07:00:00Z', [{ employeeId: lee.user.id, after: 40, until: 1800, end: 'session_ended' }], {
    by: lee.user.id,
    after: 60,
  }); // Mon 09:00, open
  // Mon 07:00, closed; Joy's connection drops, the admin answers.
  await seedChat(t.ctx.db, clinicId, '2026-03-30T05:00:00Z', [{ employeeId: joy.user.id, after: 50, until: 600, end: 'disconnected' }], {
    by: admin.user.id,
    after: 100,
  });
  await seedChat(t.ctx.db, clinicId, '2026-03-30T16:30:00Z', [{ employeeId: joy.user.id, after: 60, until: 1800, end: 'admin' }], {
    by: joy.user.id,
    after: 70,
  }); // Mon 18:30, closed
  await seedChat(t.ctx.db, clinicId, '2026-03-30T22:00:00Z', [{ employeeId: joy.user.id, after: 10 }]); // Tue 00:00 local, outside
  await seedChat(t.ctx.db, clinic.id, '2026-03-30T07:00:00Z'); // another clinic's

  // Fall back: 02:00–03:00 local happens twice on 25 October, at 00:00Z (+02:00) and at 01:00Z (+01:00).
  await seedChat(t.ctx.db, clinicId, '2026-10-25T00:15:00Z', [{ employeeId: joy.user.id, after: 5 }]);
  await seedChat(t.ctx.db, clinicId, '2026-10-25T01:15:00Z', [{ employeeId: sam.user.id, after: 7 }]);
  await seedChat(t.ctx.db, clinicId, '2026-10-25T01:45:00Z', [{ employeeId: lee.user.id, after: 9 }]);
  await seedChat(t.ctx.db, clinicId, '2026-10-26T09:00:00Z'); // Monday 10:00, a closure date
});

describe('figures', () => {
  test('per local day: counts, after hours, median and p90 of both waits, end reasons, chats per employee', async () => {
    const res = await report(admin.token, 'from=2026-03-28&to=2026-03-30&bucket=day');
    expect(res.status).toBe(200);
    const r = res.body;
    expect({ from: r.from, to: r.to, bucket: r.bucket, timeZone: r.timeZone }).toEqual({
      from: '2026-03-28',
      to: '2026-03-30',
      bucket: 'day',
      timeZone: 'Europe/Berlin',
    });
    expect(r.buckets).toEqual([
      {
        start: '2026-03-27T23:00:00.000Z',
        label: '2026-03-28',
        chatsStarted: 2,
        afterHours: 2,
        urgent: 1,
        firstAssignment: { count: 2, median: 15, p90: 19 },
        firstReply: { count: 2, median: 35, p90: 39 },
        endReasons: ended({ session_ended: 1 }),
      },
      {
        start: '2026-03-28T23:00:00.000Z',
        label: '2026-03-29',
        chatsStarted: 2,
        afterHours: 2,
        urgent: 0,
        firstAssignment: { count: 1, median: 30, p90: 30 },
        firstReply: { count: 1, median: 200, p90: 200 },
        endReasons: ended({ session_ended: 2, left: 1 }),
      },
      {
        start: '2026-03-29T22:00:00.000Z',
        label: '2026-03-30',
        chatsStarted: 3,
        afterHours: 2,
        urgent: 0,
        firstAssignment: { count: 3, median: 50, p90: 58 },
        firstReply: { count: 3, median: 70, p90: 94 },
        endReasons: ended({ session_ended: 1, disconnected: 1, admin: 1 }),
      },
    ]);
    expect(r.total).toEqual({
      chatsStarted: 7,
      afterHours: 6,
      urgent: 1,
      firstAssignment: { count: 6, median: 35, p90: 55 },
      firstReply: { count: 6, median: 65, p90: 150 },
      endReasons: ended({ left: 1, disconnected: 1, session_ended: 4, admin: 1 }),
    });
    expect(r.employees).toEqual([
      { id: joy.user.id, displayName: 'Nurse Joy', chats: 4 },
      { id: sam.user.id, displayName: 'Nurse Sam', chats: 2 },
      { id: lee.user.id, displayName: 'Dr. Lee', chats: 1 },
    ]);
  });

  test('the day the clock springs forward has 23 hourly rows, and a session at 00:30 local is in the first', async () => {
    const r = (await report(admin.token, 'from=2026-03-29&to=2026-03-29&bucket=hour')).body;
    expect(r.buckets.map((b: { label: string }) => b.label)).toEqual([
      '2026-03-29T00:00+01:00',
      '2026-03-29T01:00+01:00',
      ...Array.from({ length: 21 }, (_, i) => `2026-03-29T${String(i + 3).padStart(2, '0')}:00+02:00`),
    ]);
    const started = r.buckets.map((b: { chatsStarted: number }) => b.chatsStarted);
    expect(started).toEqual([1, ...Array(21).fill(0), 1]);
    expect(r.buckets[0].firstAssignment).toEqual({ count: 1, median: 30, p90: 30 });
    expect(r.buckets[22].firstAssignment).toEqual({ count: 0, median: null, p90: null });
    expect(r.total.chatsStarted).toBe(2);
  });

  test('the day the clock falls back has 25 hourly rows, the repeated hour twice, told apart by its offset', async () => {
    const r = (await report(admin.token, 'from=2026-10-25&to=2026-10-25&bucket=hour')).body;
    expect(r.buckets).toHaveLength(25);
    expect(r.buckets.slice(1, 5).map((b: { start: string; label: string }) => [b.start, b.label])).toEqual([
      ['2026-10-24T23:00:00.000Z', '2026-10-25T01:00+02:00'],
      ['2026-10-25T00:00:00.000Z', '2026-10-25T02:00+02:00'],
      ['2026-10-25T01:00:00.000Z', '2026-10-25T02:00+01:00'],
      ['2026-10-25T02:00:00.000Z', '2026-10-25T03:00+01:00'],
    ]);
    expect(r.buckets.at(-1).label).toBe('2026-10-25T23:00+01:00');
    expect(r.buckets[2]).toMatchObject({ chatsStarted: 1, afterHours: 1, firstAssignment: { count: 1, median: 5, p90: 5 } });
    expect(r.buckets[3]).toMatchObject({ chatsStarted: 2, afterHours: 2, firstAssignment: { count: 2, median: 8, p90: 8.8 } });
    // Nobody wrote and the assignments are still open: no reply times, no ended periods.
    expect(r.total.firstReply).toEqual({ count: 0, median: null, p90: null });
    expect(r.total.endReasons).toEqual(ended({}));
    expect(r.employees.map((e: { displayName: string; chats: number }) => [e.displayName, e.chats])).toEqual([
      ['Dr. Lee', 1],
      ['Nurse Joy', 1],
      ['Nurse Sam', 1],
    ]);
  });

  test('a session on a closure date is after hours though it falls within the weekday’s hours; the day is 25 hours long', async () => {
    const r = (await report(admin.token, 'from=2026-10-25&to=2026-10-26')).body;
    expect(r.buckets.map((b: { start: string; chatsStarted: number; afterHours: number }) => [b.start, b.chatsStarted, b.afterHours])).toEqual([
      ['2026-10-24T22:00:00.000Z', 3, 3],
      ['2026-10-25T23:00:00.000Z', 1, 1],
    ]);
  });

  test('without a schedule the clinic never closes, so nothing is after hours', async () => {
    const put = (hasSchedule: boolean) =>
      t.call('PUT', '/api/v1/clinic/hours', {
        token: admin.token,
        body: {
          hasSchedule,
          timeZone: 'Europe/Berlin',
          weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: '08:00', close: '18:00' })),
          closures: ['2026-10-26'],
          afterHoursText: '',
        },
      });
    expect((await put(false)).status).toBe(200);
    try {
      const r = (await report(admin.token, 'from=2026-03-28&to=2026-03-30')).body;
      expect(r.total).toMatchObject({ chatsStarted: 7, afterHours: 0 });
    } finally {
      expect((await put(true)).status).toBe(200);
    }
  });
});

describe('CSV', () => {
  const download = async (qs: string) => {
    const res = await t.app.handle(new Request(`http://localhost/api/v1/reports.csv?${qs}`, { headers: { authorization: `Bearer ${admin.token}` } }));
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  test('a row per day and a total row, a column per end reason, as a download', async () => {
    const { status, headers, text } = await download('from=2026-03-28&to=2026-03-30');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(headers.get('content-disposition')).toBe('attachment; filename="report-2026-03-28-2026-03-30-day.csv"');
    const zeros = (counts: Record<string, number>) => reasons.map((r) => counts[r] ?? 0).join(',');
    expect(text.split('\r\n')).toEqual([
      `start,label,chats_started,after_hours,urgent,first_assignment_count,first_assignment_median_s,first_assignment_p90_s,first_reply_count,first_reply_median_s,first_reply_p90_s,${reasons.map((r) => `ended_${r}`).join(',')}`,
      `2026-03-27T23:00:00.000Z,2026-03-28,2,2,1,2,15,19,2,35,39,${zeros({ session_ended: 1 })}`,
      `2026-03-28T23:00:00.000Z,2026-03-29,2,2,0,1,30,30,1,200,200,${zeros({ session_ended: 2, left: 1 })}`,
      `2026-03-29T22:00:00.000Z,2026-03-30,3,2,0,3,50,58,3,70,94,${zeros({ session_ended: 1, disconnected: 1, admin: 1 })}`,
      `,total,7,6,1,6,35,55,6,65,150,${zeros({ left: 1, disconnected: 1, session_ended: 4, admin: 1 })}`,
      '',
    ]);
  });

  test('empty cells where nothing was measured; hourly rows carry their offset', async () => {
    const { text } = await download('from=2026-10-25&to=2026-10-25&bucket=hour');
    const lines = text.split('\r\n');
    expect(lines).toHaveLength(1 + 25 + 1 + 1);
    expect(lines[1]).toBe(`2026-10-24T22:00:00.000Z,2026-10-25T00:00+02:00,0,0,0,0,,,0,,,${reasons.map(() => 0).join(',')}`);
    expect(lines[4]).toBe(`2026-10-25T01:00:00.000Z,2026-10-25T02:00+01:00,2,2,0,2,8,8.8,0,,,${reasons.map(() => 0).join(',')}`);
  });

  test('table=employees: a row per employee, a name a spreadsheet would run kept as text', async () => {
    await t.ctx.db.execute(sql`update users set display_name = '=Nurse Sam' where id = ${sam.user.id}`);
    try {
      const { headers, text } = await download('from=2026-03-28&to=2026-03-30&table=employees');
      expect(headers.get('content-disposition')).toBe('attachment; filename="report-2026-03-28-2026-03-30-employees.csv"');
      expect(text).toBe(`employee_id,employee,chats\r\n${joy.user.id},Nurse Joy,4\r\n${sam.user.id},'=Nurse Sam,2\r\n${lee.user.id},Dr. Lee,1\r\n`);
    } finally {
      await t.ctx.db.execute(sql`update users set display_name = 'Nurse Sam' where id = ${sam.user.id}`);
    }
  });
});

describe('access', () => {
  test('each read is one audit row naming the admin, the CSV too', async () => {
    const rows = () =>
      query<{ actor_id: string; clinic_id: string }>(t.ctx.db, sql`select actor_id, clinic_id from audit_log where action = 'report.read' order by at`);
    const before = (await rows()).length;
    expect((await report(admin.token, 'from=2026-03-28&to=2026-03-28')).status).toBe(200);
    expect((await t.call('GET', '/api/v1/reports.csv?from=2026-03-28&to=2026-03-28', { token: admin.token })).status).toBe(200);
    const after = await rows();
    expect(after.slice(before)).toEqual([
      { actor_id: admin.user.id, clinic_id: clinicId },
      { actor_id: admin.user.id, clinic_id: clinicId },
    ]);
  });

  test('patients, employees and callers without a token get nothing and write nothing', async () => {
    const patient = (await t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: 'Pat Report' } })).body as Who;
    for (const path of ['/api/v1/reports?from=2026-03-28&to=2026-03-30', '/api/v1/reports.csv?from=2026-03-28&to=2026-03-30']) {
      await refused('GET', path, { token: patient.token }, 403, 'forbidden');
      await refused('GET', path, { token: joy.token }, 403, 'forbidden');
      await refused('GET', path, {}, 401, 'unauthorized');
    }
  });

  test("another clinic's admin sees only their own clinic: nothing of this one", async () => {
    const r = (await report(other.token, 'from=2026-03-28&to=2026-03-30')).body;
    expect(r.timeZone).toBe('UTC');
    expect(r.total).toEqual({
      chatsStarted: 1,
      afterHours: 0,
      urgent: 0,
      firstAssignment: { count: 0, median: null, p90: null },
      firstReply: { count: 0, median: null, p90: null },
      endReasons: ended({}),
    });
    expect(r.employees).toEqual([]);
  });
});

describe('bad input is a 400 invalid_request that reads and writes nothing', () => {
  const cases: Array<[string, string]> = [
    ['from after to', 'from=2026-03-30&to=2026-03-28'],
    ['a day that does not exist', 'from=2026-02-30&to=2026-03-02'],
    ['not a date', 'from=yesterday&to=2026-03-02'],
    ['a year Postgres has not', 'from=0000-01-01&to=0000-01-01'],
    ['the last day Postgres could not follow', 'from=9999-12-31&to=9999-12-31'],
    ['a time instead of a date', 'from=2026-03-01T00:00:00Z&to=2026-03-02'],
    ['a missing end', 'from=2026-03-01'],
    ['an unknown bucket', 'from=2026-03-01&to=2026-03-02&bucket=week'],
    ['more than 366 days', 'from=2026-01-01&to=2027-01-02'],
    ['hours over more than 31 days', 'from=2026-03-01&to=2026-04-01&bucket=hour'],
  ];
  for (const [what, qs] of cases)
    test(what, async () => {
      await refused('GET', `/api/v1/reports?${qs}`, { token: admin.token }, 400, 'invalid_request');
      await refused('GET', `/api/v1/reports.csv?${qs}`, { token: admin.token }, 400, 'invalid_request');
    });

  test('the longest ranges are answered: 366 days by day, 31 by hour', async () => {
    const before = await reportActions();
    const year = await report(admin.token, 'from=2026-01-01&to=2027-01-01');
    expect([year.status, year.body.buckets.length, year.body.total.chatsStarted]).toEqual([200, 366, 13]);
    const month = await report(admin.token, 'from=2026-03-01&to=2026-03-31&bucket=hour');
    // 31 days of 24 hours, less the hour the clock skipped.
    expect([month.status, month.body.buckets.length]).toEqual([200, 31 * 24 - 1]);
    expect(await reportActions()).toBe(before + 2);
  });
});
