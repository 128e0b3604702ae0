/**
 * The admin's report: for a range of local days, per day or per hour in the clinic's time zone, the chats started,
 * how long they waited for an employee and for a first staff reply (median and 90th percentile), how many were
 * started while the clinic was closed, the assignment periods that ended by reason, and the chats each employee held.
 *
 * Computed in SQL over the tables the chat writes anyway (chat_sessions, assignments, messages): nothing is counted
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

function localDate(value: string, field: 'from' | 'to'): Temporal.PlainDate {
  try {
    return Temporal.PlainDate.from(value, { overflow: 'reject' });
  } catch {
    throw new AppError('invalid_request', { field, problem: 'not_a_date' });
  }
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
interface SessionRow {
  ms: number | null;
  started: number;
  after_hours: number;
  assigned: number;
  assign_median: number | null;
  assign_p90: number | null;
  replied: number;
  reply_median: number | null;
  reply_p90: number | null;
}

/** Seconds to the millisecond (percentile_cont interpolates, so a p90 can fall between two waits). */
const seconds = (v: number | string | null) => (v === null ? null : Math.round(Number(v) * 1000) / 1000);

/**
 * Sessions started in the range, per bucket and in total (`rollup`, the total's bucket is null): the count, those
 * started while closed, and the waits for a first employee and a first staff message. A session is after hours when
 * the clinic has a schedule and its local start time is on a closure date or inside none of that weekday's intervals
 * (the schedule as it is now: the hours' history is not kept). Staff means any sender who is not a patient.
 */
function sessionFigures(q: Queryable, clinicId: string, r: ReportRange) {
  const unit = r.bucket;
  const tz = r.timeZone;
  const from = r.start.toInstant().toString();
  const to = r.end.toInstant().toString();
  return q.execute(sql`
    with ranged as (
      select id, created_at, first_assigned_at from chat_sessions
      where clinic_id = ${clinicId} and created_at >= ${from}::timestamptz and created_at < ${to}::timestamptz
    ), replies as (
      select m.session_id, min(m.created_at) as at
      from messages m join ranged s on s.id = m.session_id join users u on u.id = m.sender_id
      where m.kind = 'text' and u.role <> 'patient'
      group by m.session_id
    ), hours as (
      select weekly, closures from clinic_hours where clinic_id = ${clinicId} and has_schedule
    ), s as (
      select date_trunc(${unit}, s.created_at, ${tz}) as b,
        extract(epoch from s.first_assigned_at - s.created_at)::float8 as assign_s,
        extract(epoch from r.at - s.created_at)::float8 as reply_s,
        (h.weekly is not null and (
          (s.created_at at time zone ${tz})::date = any(h.closures)
          or not exists (
            select 1 from jsonb_to_recordset(h.weekly) as w(day int, open text, close text)
            where w.day = extract(isodow from s.created_at at time zone ${tz})
              and (s.created_at at time zone ${tz})::time >= w.open::time
              and (s.created_at at time zone ${tz})::time < w.close::time
          )
        )) as after_hours
      from ranged s left join replies r on r.session_id = s.id left join hours h on true
    )
    select (extract(epoch from b) * 1000)::float8 as ms, count(*)::int as started,
      count(*) filter (where after_hours)::int as after_hours,
      count(assign_s)::int as assigned,
      percentile_cont(0.5) within group (order by assign_s) as assign_median,
      percentile_cont(0.9) within group (order by assign_s) as assign_p90,
      count(reply_s)::int as replied,
      percentile_cont(0.5) within group (order by reply_s) as reply_median,
      percentile_cont(0.9) within group (order by reply_s) as reply_p90
    from s group by rollup (b)`);
}

/** Assignment periods that ended in the range, per bucket and reason and per reason in total. */
function endReasonFigures(q: Queryable, clinicId: string, r: ReportRange) {
  return q.execute(sql`
    with e as (
      select date_trunc(${r.bucket}, a.ended_at, ${r.timeZone}) as b, a.end_reason::text as reason
      from assignments a join chat_sessions s on s.id = a.session_id
      where s.clinic_id = ${clinicId} and a.ended_at >= ${r.start.toInstant().toString()}::timestamptz and a.ended_at < ${r.end.toInstant().toString()}::timestamptz
    )
    select (extract(epoch from b) * 1000)::float8 as ms, reason, count(*)::int as n, grouping(b)::int as total
    from e group by grouping sets ((b, reason), (reason))`);
}

/** Every end reason the database knows, in its order: the report lists each, zero or not. */
const endReasons = (q: Queryable) => q.execute(sql`select unnest(enum_range(null::assignment_end_reason))::text as reason`);

/** Sessions each employee held in the range: distinct chats with an assignment period that started in it. */
function employeeFigures(q: Queryable, clinicId: string, r: ReportRange) {
  return q.execute(sql`
    select u.id, u.display_name as "displayName", count(distinct a.session_id)::int as chats
    from assignments a join chat_sessions s on s.id = a.session_id join users u on u.id = a.employee_id
    where s.clinic_id = ${clinicId} and a.started_at >= ${r.start.toInstant().toString()}::timestamptz and a.started_at < ${r.end.toInstant().toString()}::timestamptz
    group by u.id, u.display_name
    order by chats desc, u.display_name, u.id`);
}

/** The report's figures for a checked range, without access checks or audit (the bench times this). */
export async function computeReport(q: Queryable, clinicId: string, range: ReportRange): Promise<Report> {
  const sessions = rowsOf<SessionRow>(await sessionFigures(q, clinicId, range));
  const ended = rowsOf<{ ms: number | null; reason: string; n: number; total: number }>(await endReasonFigures(q, clinicId, range));
  const reasons = rowsOf<{ reason: string }>(await endReasons(q)).map((r) => r.reason);
  const employees = rowsOf<{ id: string; displayName: string; chats: number }>(await employeeFigures(q, clinicId, range));

  const figures = (row: SessionRow | undefined, ms: number | null): Figures => {
    const endReasons = Object.fromEntries(reasons.map((reason) => [reason, 0]));
    for (const e of ended) if (ms === null ? e.total === 1 : e.total === 0 && Number(e.ms) === ms) endReasons[e.reason] = e.n;
    return {
      chatsStarted: row?.started ?? 0,
      afterHours: row?.after_hours ?? 0,
      firstAssignment: { count: row?.assigned ?? 0, median: seconds(row?.assign_median ?? null), p90: seconds(row?.assign_p90 ?? null) },
      firstReply: { count: row?.replied ?? 0, median: seconds(row?.reply_median ?? null), p90: seconds(row?.reply_p90 ?? null) },
      endReasons,
    };
  };
  const byBucket = new Map(sessions.filter((s) => s.ms !== null).map((s) => [Number(s.ms), s]));
  return {
    from: range.from.toString(),
    to: range.to.toString(),
    bucket: range.bucket,
    timeZone: range.timeZone,
    buckets: bucketsOf(range).map(({ start, label }) => {
      const ms = start.epochMilliseconds;
      return { start: new Date(ms).toISOString(), label, ...figures(byBucket.get(ms), ms) };
    }),
    total: figures(
      sessions.find((s) => s.ms === null),
      null,
    ),
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
