/**
 * The admin's report over a busy clinic's year: sessions, assignments and messages seeded straight into Postgres
 * (a chat started every ~5 minutes around the clock for a year, four messages each), then the report's queries
 * timed as the server runs them (`computeReport`, through the server's own database client), beside the floor of
 * merely counting the same sessions.
 */
import postgres from 'postgres';
import { openDatabase } from '../../server/src/db/client';
import { computeReport, reportRange } from '../../server/src/modules/reports/service';
import type { Unit } from '../lib/report';
import { P, begin, failRows, freshDatabase, progress, row } from '../lib/suite';
import { errorText, percentile } from '../lib/util';

const TARGET_MS = 1000;
/** Timed runs of each query, after one warm-up; the median is the figure. */
const RUNS = 5;
const YEAR = { from: '2025-01-01', to: '2025-12-31' };
const MONTH = { from: '2025-03-01', to: '2025-03-31' };
const ZONE = 'Europe/Berlin';

export function reportSpecs() {
  const n = P.reportSessions.toLocaleString('en-US');
  return {
    year: {
      id: 'reports.year_by_day',
      label: `report, a year by day over ${n} sessions`,
      unit: 'ms' as Unit,
      target: `≤ ${TARGET_MS} ms`,
      floorLabel: 'count of the sessions',
    },
    month: {
      id: 'reports.month_by_hour',
      label: `report, a month by hour (of ${n} sessions a year)`,
      unit: 'ms' as Unit,
      target: `≤ ${TARGET_MS} ms`,
      floorLabel: 'count of the sessions',
    },
  };
}

/** A year of chats for the demo clinic, with 20 employees and the clinic's hours set (weekdays 08:00–18:00). */
export async function seedYear(url: string, sessions: number): Promise<string> {
  // Its own client, without the server's statement timeout: the inserts take longer than a request may.
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [{ id: clinic }] = (await sql`select id from clinics where site_key = 'demo'`) as unknown as [{ id: string }];
    await sql`insert into clinic_hours (clinic_id, has_schedule, time_zone, weekly)
      values (${clinic}, true, ${ZONE}, ${sql.json([1, 2, 3, 4, 5].map((day) => ({ day, open: '08:00', close: '18:00' })))})`;
    await sql`insert into users (clinic_id, role, display_name, email)
      select ${clinic}, 'employee', 'Bench nurse ' || n, 'bench' || n || '@bench.test' from generate_series(1, 20) n`;
    await sql`insert into users (clinic_id, role, display_name) select ${clinic}, 'patient', 'Bench patient ' || n from generate_series(1, 2000) n`;
    progress(`seeding ${sessions.toLocaleString('en-US')} sessions`);
    // 95 % reach an employee within 5 minutes; ended two hours after they started.
    await sql`
      with p as (select array_agg(id) as ids from users where clinic_id = ${clinic} and role = 'patient'),
           e as (select array_agg(id) as ids from users where clinic_id = ${clinic} and email like 'bench%')
      insert into chat_sessions (clinic_id, patient_id, employee_id, status, reason, last_seq, created_at, first_assigned_at, ended_at)
      select ${clinic}, p.ids[1 + n % 2000], case when a then e.ids[1 + n % 20] end, 'ended', 'bench', case when a then 4 else 1 end, t,
        case when a then t + random() * interval '300 seconds' end, t + interval '2 hours'
      from p, e, (
        select n, ${`${YEAR.from}T00:00:00Z`}::timestamptz + random() * interval '365 days' as t, random() < 0.95 as a from generate_series(1, ${sessions}) n
      ) x`;
    progress('seeding assignments');
    await sql`
      insert into assignments (session_id, employee_id, started_at, ended_at, start_reason, end_reason)
      select id, employee_id, first_assigned_at, first_assigned_at + interval '10 minutes', 'session_started',
        (case when random() < 0.1 then 'left' when random() < 0.03 then 'disconnected' else 'session_ended' end)::assignment_end_reason
      from chat_sessions where clinic_id = ${clinic} and employee_id is not null`;
    progress('seeding messages');
    await sql`
      insert into messages (session_id, seq, sender_id, body, created_at)
      select s.id, g.seq, case when g.seq % 2 = 1 then s.patient_id else s.employee_id end, 'bench',
        case g.seq when 1 then s.created_at + interval '5 seconds' else s.first_assigned_at + g.seq * interval '40 seconds' end
      from chat_sessions s cross join generate_series(1, 4) g(seq)
      where s.clinic_id = ${clinic} and (g.seq = 1 or s.employee_id is not null)`;
    // What the message write path keeps for each session: its first staff text (seq 2 above).
    await sql`update chat_sessions set first_reply_at = first_assigned_at + interval '80 seconds' where clinic_id = ${clinic} and employee_id is not null`;
    await sql`vacuum analyze`;
    return clinic;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function median(fn: () => Promise<unknown>): Promise<{ p50: number; min: number; max: number }> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 50), min: Math.min(...times), max: Math.max(...times) };
}

export async function reportsSection() {
  begin(`reports over ${P.reportSessions.toLocaleString('en-US')} sessions`);
  const specs = reportSpecs();
  try {
    progress('creating the database');
    const url = (await freshDatabase()).url!;
    const clinic = await seedYear(url, P.reportSessions);
    const handle = openDatabase({ url });
    if (handle.kind !== 'postgres') throw new Error('the reports bench needs Postgres');
    try {
      for (const [spec, range, bucket] of [
        [specs.year, YEAR, 'day'],
        [specs.month, MONTH, 'hour'],
      ] as const) {
        progress(`timing ${spec.id}`);
        const r = reportRange({ ...range, bucket }, ZONE);
        let report: Awaited<ReturnType<typeof computeReport>> | undefined;
        const value = await median(async () => (report = await computeReport(handle.db, clinic, r)));
        const start = r.start.toInstant().toString();
        const end = r.end.toInstant().toString();
        const floor = await median(
          () => handle.client`select count(*) from chat_sessions where clinic_id = ${clinic} and created_at >= ${start} and created_at < ${end}`,
        );
        row({
          ...spec,
          value: value.p50,
          floor: floor.p50,
          met: value.p50 <= TARGET_MS,
          note: `median of ${RUNS} after a warm-up (${value.min.toFixed(0)}–${value.max.toFixed(0)} ms); ${report!.buckets.length} rows, ${report!.total.chatsStarted.toLocaleString('en-US')} chats, ${report!.total.afterHours.toLocaleString('en-US')} after hours, in ${ZONE}; four queries (sessions with their first replies, end reasons, the reasons, employees) one after another, as the server runs them`,
        });
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    // drizzle's message begins with an empty line before the query; the database's own words are in its cause.
    failRows(Object.values(specs), [error, (error as Error).cause].filter(Boolean).map(errorText).filter(Boolean).join(': '));
  }
}
