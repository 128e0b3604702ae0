/**
 * The admin's report: for a range of local days, per day or per hour in the clinic's time zone, the chats started,
 * how long they waited for an employee and for a first staff reply (median and 90th percentile), how many were
 * started while the clinic was closed, the assignment periods that ended by reason, and the chats each employee held.
 *
 * Computed in SQL over the tables the chat writes anyway (chat_sessions, assignments): nothing is counted
 * on the side, so a report can be asked for any past range, and it agrees with the transcripts and the audit trail.
 * Each read is one audit row (`report.read`): the report names employees.
 */
import { LIMITS, type Report, type ReportBucketSize, type ReportParams } from '@medchat/sdk/protocol';
import { sql } from 'drizzle-orm';
import { Temporal } from 'temporal-polyfill';
import type { AppContext } from '../../context';
import type { Queryable } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { AppError } from '../../lib/errors';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { csvField } from '../audit/trail';
import { readHours } from '../clinics/hours-service';

/** A checked request: whole local days in the clinic's zone, and the instants they begin and end at. */
export interface ReportRange {
  from: Temporal.PlainDate;
  to: Temporal.PlainDate;
  bucket: ReportBucketSize;
  timeZone: string;
  /** The first instant of `from` and of the day after `to`, in the zone. */
  start: Temporal.ZonedDateTime;
  end: Temporal.ZonedDateTime;
}

/** The years a report may name: Postgres has no year 0, and the day after 9999-12-31 is past what it reads. */
const YEARS = { min: 1900, max: 9998 };

function localDate(value: string, field: 'from' | 'to'): Temporal.PlainDate {
  let date: Temporal.PlainDate;
  try {
    date = Temporal.PlainDate.from(value, { overflow: 'reject' });
  } catch {
    throw new AppError('invalid_request', { field, problem: 'not_a_date' });
  }
  if (date.year < YEARS.min || date.year > YEARS.max) throw new AppError('invalid_request', { field, problem: 'out_of_range', ...YEARS });
  return date;
}

/**
 * Checks what the schema cannot (real dates, `from` not after `to`, the range's length) before anything is read, so
 * a refused request reads and writes nothing. The caps keep one request to at most 366 rows by day or 744 by hour.
 */
export function reportRange(params: ReportParams, timeZone: string): ReportRange {
  const from = localDate(params.from, 'from');
  const to = localDate(params.to, 'to');
  const bucket = params.bucket ?? 'day';
  if (Temporal.PlainDate.compare(from, to) > 0) throw new AppError('invalid_request', { field: 'from', problem: 'after_to' });
  const days = from.until(to, { largestUnit: 'days' }).days + 1;
  if (days > LIMITS.reportDays) throw new AppError('invalid_request', { field: 'to', problem: 'range_too_long', maxDays: LIMITS.reportDays });
  if (bucket === 'hour' && days > LIMITS.reportHourDays)
    throw new AppError('invalid_request', { field: 'bucket', problem: 'too_many_hours', maxDays: LIMITS.reportHourDays });
  const start = from.toZonedDateTime({ timeZone });
  const end = to.add({ days: 1 }).toZonedDateTime({ timeZone });
  return { from, to, bucket, timeZone, start, end };
}

/**
 * Every row of the range, in order, with its label. Days are local dates (23 or 25 hours long on a daylight-saving
 * change); hours are real hours from the first local midnight, so the day the clock springs forward has 23 rows and
 * the day it falls back 25, the repeated hour twice, told apart by its offset. Postgres's `date_trunc(unit, t, zone)`
 * puts each event on the same instants.
 */
export function bucketsOf(range: ReportRange): Array<{ start: Temporal.ZonedDateTime; label: string }> {
  const out: Array<{ start: Temporal.ZonedDateTime; label: string }> = [];
  if (range.bucket === 'day') {
    for (let d = range.from; Temporal.PlainDate.compare(d, range.to) <= 0; d = d.add({ days: 1 }))
      out.push({ start: d.toZonedDateTime({ timeZone: range.timeZone }), label: d.toString() });
    return out;
  }
  for (let z = range.start; Temporal.ZonedDateTime.compare(z, range.end) < 0; z = z.add({ hours: 1 }))
    out.push({ start: z, label: `${z.toPlainDateTime().toString({ smallestUnit: 'minute' })}${z.offset}` });
  return out;
}

type Figures = Report['total'];
/** Median and p90 (one sort for both) as a float8[]; null when nothing was measured. */
type Percentiles = Array<number | string> | string | null;
interface SessionRow {
  ms: number | null;
  started: number;
  after_hours: number;
  urgent: number;
  assigned: number;
  assign_p: Percentiles;
  replied: number;
  reply_p: Percentiles;
}

/**
 * The range's first and last instants as SQL. A text parameter cast to timestamptz is cast again on every row
 * (the cast depends on the session's time zone, so the planner does not fold it); in a scalar subquery it is cast
 * once.
 */
const bounds = (r: ReportRange) => ({
  from: sql`(select ${r.start.toInstant().toString()}::timestamptz)`,
  to: sql`(select ${r.end.toInstant().toString()}::timestamptz)`,
});

/** A float8[] as the drivers give it: an array, or Postgres's text form `{1.5,2}` (PGlite without a type parser). */
function pair(value: Percentiles): [number | null, number | null] {
  if (value === null) return [null, null];
  const items = typeof value === 'string' ? value.replace(/[{}]/g, '').split(',') : value;
  const [a, b] = items.map((v) => (v === null || v === 'NULL' ? null : Number(v)));
  return [a ?? null, b ?? null];
}

/** Seconds to the millisecond (percentile_cont interpolates, so a p90 can fall between two waits). */
const seconds = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
const durations = (count: number, p: Percentiles) => {
  const [median, p90] = pair(p);
  return { count, median: seconds(median), p90: seconds(p90) };
};

/**
 * Sessions started in the range, per bucket and in total (`rollup`, the total's bucket is null): the count, those
 * started while closed, the urgent ones, the wait for a first employee and the wait for a first staff reply (`first_reply_at`, set
 * with the first text from anyone but the patient: searching each session's messages instead took a busy clinic's
 * year past a second on its own).
 *
 * A session is after hours when the clinic has a schedule and the local start time is on a closure date or inside
 * none of that weekday's intervals: the schedule as it is now, since the hours' history is not kept. The intervals
 * are joined (a day's intervals never overlap: modules/clinics/hours.ts refuses that), not looked up per session:
 * a lookup per row took a year of a busy clinic past a second (bench/sections/reports.ts).
 */
function sessionFigures(q: Queryable, clinicId: string, r: ReportRange) {
  const tz = r.timeZone;
  const { from, to } = bounds(r);
  return q.execute(sql`
    with ranged as (
      select created_at, first_assigned_at, first_reply_at, priority, created_at at time zone ${tz} as local from chat_sessions
      where clinic_id = ${clinicId} and created_at >= ${from} and created_at < ${to}
    ), schedule as (
      select weekly, closures from clinic_hours where clinic_id = ${clinicId} and has_schedule
    ), slots as (
      select w.day, w.open::time as open, w.close::time as close
      from schedule, jsonb_to_recordset(schedule.weekly) as w(day int, open text, close text)
    ), s as (
      select date_trunc(${r.bucket}, s.created_at, ${tz}) as b,
        extract(epoch from s.first_assigned_at - s.created_at)::float8 as assign_s,
        extract(epoch from s.first_reply_at - s.created_at)::float8 as reply_s,
        s.priority = 'urgent' as urgent,
        (h.closures is not null and (w.day is null or s.local::date = any(h.closures))) as after_hours
      from ranged s
        left join schedule h on true
        left join slots w on w.day = extract(isodow from s.local)::int and s.local::time >= w.open and s.local::time < w.close
    )
    select (extract(epoch from b) * 1000)::float8 as ms, count(*)::int as started,
      count(*) filter (where after_hours)::int as after_hours,
      count(*) filter (where urgent)::int as urgent,
      count(assign_s)::int as assigned,
      percentile_cont(array[0.5, 0.9]) within group (order by assign_s) as assign_p,
      count(reply_s)::int as replied,
      percentile_cont(array[0.5, 0.9]) within group (order by reply_s) as reply_p
    from s group by rollup (b)`);
}

/**
 * The clinic's assignment periods are those of its staff (an employee belongs to one clinic and holds only its
 * sessions): a small set to match against, where joining each period to its session took a year past a second.
 */
const staffOf = (clinicId: string) => sql`(select id from users where clinic_id = ${clinicId} and role <> 'patient')`;

/** Assignment periods that ended in the range, per bucket and reason and per reason in total. */
function endReasonFigures(q: Queryable, clinicId: string, r: ReportRange) {
  const { from, to } = bounds(r);
  return q.execute(sql`
    with e as (
      select date_trunc(${r.bucket}, a.ended_at, ${r.timeZone}) as b, a.end_reason as reason
      from assignments a
      where a.employee_id in ${staffOf(clinicId)} and a.ended_at >= ${from} and a.ended_at < ${to}
    )
    select (extract(epoch from b) * 1000)::float8 as ms, reason::text as reason, count(*)::int as n, grouping(b)::int as total
    from e group by grouping sets ((b, reason), (reason))`);
}

/** Every end reason the database knows, in its order: the report lists each, zero or not. */
const endReasons = (q: Queryable) => q.execute(sql`select unnest(enum_range(null::assignment_end_reason))::text as reason`);

/** Sessions each employee held in the range: distinct chats with an assignment period that started in it. */
function employeeFigures(q: Queryable, clinicId: string, r: ReportRange) {
  const { from, to } = bounds(r);
  return q.execute(sql`
    select u.id, u.display_name as "displayName", c.chats
    from (
      select a.employee_id, count(distinct a.session_id)::int as chats from assignments a
      where a.employee_id in ${staffOf(clinicId)} and a.started_at >= ${from} and a.started_at < ${to}
      group by a.employee_id
    ) c join users u on u.id = c.employee_id
    order by c.chats desc, u.display_name, u.id`);
}

/** A bucket's key: its first instant in ms, or `total` for the rollup's row. */
const key = (ms: number | null) => (ms === null ? 'total' : String(Number(ms)));
const byBucket = <T extends { ms: number | null }>(rows: T[]) => new Map(rows.map((r) => [key(r.ms), r]));

/** The report's figures for a checked range, without access checks or audit (the bench times this). */
export async function computeReport(q: Queryable, clinicId: string, range: ReportRange): Promise<Report> {
  // One after another on one connection: a report may take a second, and must not hold several of the pool's
  // connections, which the chat needs, meanwhile.
  const sessions = byBucket(rowsOf<SessionRow>(await sessionFigures(q, clinicId, range)));
  const ended = rowsOf<{ ms: number | null; reason: string; n: number; total: number }>(await endReasonFigures(q, clinicId, range));
  const reasons = rowsOf<{ reason: string }>(await endReasons(q)).map((r) => r.reason);
  const employees = rowsOf<{ id: string; displayName: string; chats: number }>(await employeeFigures(q, clinicId, range));

  const figures = (ms: number | null): Figures => {
    const row = sessions.get(key(ms));
    const endReasons = Object.fromEntries(reasons.map((reason) => [reason, 0]));
    for (const e of ended) if (ms === null ? e.total === 1 : e.total === 0 && Number(e.ms) === ms) endReasons[e.reason] = e.n;
    return {
      chatsStarted: row?.started ?? 0,
      afterHours: row?.after_hours ?? 0,
      urgent: row?.urgent ?? 0,
      firstAssignment: durations(row?.assigned ?? 0, row?.assign_p ?? null),
      firstReply: durations(row?.replied ?? 0, row?.reply_p ?? null),
      endReasons,
    };
  };
  return {
    from: range.from.toString(),
    to: range.to.toString(),
    bucket: range.bucket,
    timeZone: range.timeZone,
    buckets: bucketsOf(range).map(({ start, label }) => {
      const ms = start.epochMilliseconds;
      return { start: new Date(ms).toISOString(), label, ...figures(ms) };
    }),
    total: figures(null),
    employees,
  };
}

/** The report for an admin of the clinic, in the clinic's time zone; audited once the request has passed its checks. */
export async function readReport(ctx: AppContext, actor: Actor, params: ReportParams, ip: string | null): Promise<Report> {
  if (actor.role !== 'admin') throw new AppError('forbidden');
  const { timeZone } = await readHours(ctx.db, actor.clinicId);
  const range = reportRange(params, timeZone);
  const report = await computeReport(ctx.db, actor.clinicId, range);
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'report.read', ip });
  return report;
}

const BUCKET_COLUMNS = [
  'start',
  'label',
  'chats_started',
  'after_hours',
  'urgent',
  'first_assignment_count',
  'first_assignment_median_s',
  'first_assignment_p90_s',
  'first_reply_count',
  'first_reply_median_s',
  'first_reply_p90_s',
];

const cell = (v: string | number | null) => csvField(v === null ? null : String(v));
const line = (cells: Array<string | number | null>) => `${cells.map(cell).join(',')}\r\n`;

/**
 * The report as CSV, for a spreadsheet: a row per bucket and a last row `total` (empty start), a column per end
 * reason (`ended_left`…); or, with `table=employees`, a row per employee. Names go through the audit export's
 * field rule, so a name a spreadsheet would run as a formula stays text.
 */
export function reportCsv(report: Report, table: 'buckets' | 'employees'): string {
  if (table === 'employees') return line(['employee_id', 'employee', 'chats']) + report.employees.map((e) => line([e.id, e.displayName, e.chats])).join('');
  const reasons = Object.keys(report.total.endReasons);
  const row = (start: string, label: string, f: Figures) =>
    line([
      start,
      label,
      f.chatsStarted,
      f.afterHours,
      f.urgent,
      f.firstAssignment.count,
      f.firstAssignment.median,
      f.firstAssignment.p90,
      f.firstReply.count,
      f.firstReply.median,
      f.firstReply.p90,
      ...reasons.map((r) => f.endReasons[r] ?? 0),
    ]);
  return (
    line([...BUCKET_COLUMNS, ...reasons.map((r) => `ended_${r}`)]) +
    report.buckets.map((b) => row(b.start, b.label, b)).join('') +
    row('', 'total', report.total)
  );
}
