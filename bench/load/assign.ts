/**
 * Assignment under a burst (its own process). Employees (capacity `capacity` each) are connected and available on
 * one or more instances; N patients start sessions at once, spread over the instances. Each employee sees
 * `employee.assigned`; the patient ends the session after a hold time, which frees the slot for the queue.
 * A monitor polls Postgres during the run for sessions with more than one open assignment, employees above
 * capacity, and the spread of load (max − min over available employees) while patients wait. At the end, every
 * pair of assignments of one session whose periods overlap counts as a double assignment.
 * Config: BENCH_CONFIG (JSON). Output: JSON lines {progress} … {result} | {error}.
 */
import postgres from 'postgres';
import { call, createGuests, setAvailable, type Staff } from '../lib/api';
import { LoadSocket, ticketUrl } from '../lib/client';
import { startGenerator } from '../lib/generator';
import { errorText, mapLimit, percentile, sleep } from '../lib/util';

interface Config {
  bases: string[];
  wss: string[];
  employees: Array<Staff & { instance: number }>;
  capacity: number;
  sessions: number;
  holdMinMs: number;
  holdMaxMs: number;
  databaseUrl: string;
  timeoutMs: number;
}

const { config: cfg, out, progress } = startGenerator<Config>('assignment');

const sql = postgres(cfg.databaseUrl, { max: 1, onnotice: () => {} });

try {
  const k = cfg.bases.length;
  progress(`connecting ${cfg.employees.length} employees to ${k} instance(s)`);
  const assignedAt = new Map<string, number>();
  const assignedTo = new Map<string, string>();
  const patientOf = new Map<string, { token: string; instance: number }>();
  const endSentAt: number[] = [];
  const ends: Promise<unknown>[] = [];
  let endErrors = 0;
  let firstEndError: string | undefined;
  const hold = () => cfg.holdMinMs + Math.random() * (cfg.holdMaxMs - cfg.holdMinMs);

  const scheduleEnd = (sessionId: string) => {
    const patient = patientOf.get(sessionId);
    if (!patient || !assignedAt.has(sessionId)) return;
    setTimeout(() => {
      endSentAt.push(performance.now());
      ends.push(
        call(cfg.bases[patient.instance]!, 'POST', `/api/v1/sessions/${sessionId}/end`, { token: patient.token }).catch((error) => {
          endErrors++;
          firstEndError ??= errorText(error);
        }),
      );
    }, hold());
  };
  const observe = (sessionId: string, employeeId: string | undefined, at: number) => {
    if (assignedAt.has(sessionId)) return;
    assignedAt.set(sessionId, at);
    if (employeeId) assignedTo.set(sessionId, employeeId);
    scheduleEnd(sessionId);
  };

  const sockets = await Promise.all(
    cfg.employees.map(async (e) => {
      const sock = await LoadSocket.open(await ticketUrl(cfg.wss[e.instance]!, e.token));
      sock.onFrame = (f, at) => {
        if (f.type === 'employee.assigned') observe(f.session.id, e.id, at);
      };
      return sock;
    }),
  );
  await mapLimit(cfg.employees, 8, (e) => setAvailable(cfg.bases[e.instance]!, e.token));
  progress(`creating ${cfg.sessions} guest patients`);
  const guests = await createGuests(cfg.bases[0]!, cfg.sessions);
  await sleep(300);

  // The monitor: one consistent snapshot per poll.
  const samples: Array<{ waiting: number; spread: number; double_open: number; over_capacity: number }> = [];
  let monitoring = true;
  const monitor = (async () => {
    while (monitoring) {
      const [row] = await sql`
        select
          (select count(*)::int from chat_sessions where status = 'waiting') as waiting,
          (select coalesce(max(load) - min(load), 0)::int from users where role = 'employee' and availability = 'available' and email like 'bench.%') as spread,
          (select count(*)::int from (select session_id from assignments where ended_at is null group by session_id having count(*) > 1) d) as double_open,
          (select count(*)::int from users u join clinics c on c.id = u.clinic_id where u.role = 'employee' and u.load > coalesce(u.capacity, c.default_capacity)) as over_capacity`;
      samples.push(row as any);
      await sleep(25);
    }
  })();

  progress(`${cfg.sessions} sessions starting at once on ${k} instance(s)`);
  const t0 = performance.now();
  let startErrors = 0;
  let firstStartError: string | undefined;
  const starts = guests.map(async (g, i) => {
    const instance = i % k;
    try {
      const s = await call(cfg.bases[instance]!, 'POST', '/api/v1/sessions', { token: g.token, body: { reason: 'benchmark' } });
      patientOf.set(s.id, { token: g.token, instance });
      if (s.status === 'active') observe(s.id, s.employee?.id, performance.now());
      else scheduleEnd(s.id);
    } catch (error) {
      startErrors++;
      firstStartError ??= errorText(error);
    }
  });
  const startsDone = Promise.all(starts).then(() => performance.now());
  const until = t0 + cfg.timeoutMs;
  let lastReport = 0;
  while (assignedAt.size < cfg.sessions - startErrors && performance.now() < until) {
    if (performance.now() - lastReport > 1000) {
      lastReport = performance.now();
      progress(`assignment on ${k} instance(s): ${assignedAt.size}/${cfg.sessions} assigned`);
    }
    await sleep(10);
  }
  const burstMs = (await startsDone) - t0;
  const allAssigned = assignedAt.size;
  await sleep(Math.max(0, cfg.holdMaxMs) + 200);
  await Promise.all(ends);
  monitoring = false;
  await monitor;

  // Double assignments: overlapping periods of one session; and sessions held more than once.
  const [final] = await sql`
    select
      (select count(*)::int from assignments a join assignments b on a.session_id = b.session_id and a.id < b.id
         and a.started_at < coalesce(b.ended_at, 'infinity') and b.started_at < coalesce(a.ended_at, 'infinity')) as overlaps,
      (select count(*)::int from (select session_id from assignments group by session_id having count(*) > 1) m) as multi,
      (select count(*)::int from assignments) as total`;
  const perEmployee = await sql`
    select u.email, count(a.id)::int as n from users u left join assignments a on a.employee_id = u.id
    where u.role = 'employee' and u.email like 'bench.%' group by u.email`;
  await sql.end({ timeout: 2 });

  // Capacity moments: every slot at t0, then one more per end sent. The k-th assignment waits on the k-th slot.
  const slots = [...Array.from({ length: cfg.employees.length * cfg.capacity }, () => t0), ...endSentAt].sort((a, b) => a - b);
  const assigned = [...assignedAt.values()].sort((a, b) => a - b);
  const lags = assigned.map((t, i) => Math.max(0, t - (slots[i] ?? t)));
  const ideal = (slots[Math.min(assigned.length, cfg.sessions) - 1] ?? t0) - t0;
  const lastAssigned = assigned.length ? assigned[assigned.length - 1]! - t0 : null;
  const waitingSamples = samples.filter((s) => s.waiting > 0);
  const counts = perEmployee.map((r: any) => r.n as number);
  for (const s of sockets) s.close();
  out({
    result: {
      sessions: cfg.sessions,
      instances: k,
      assigned: allAssigned,
      allAssigned: allAssigned === cfg.sessions,
      timeToAllMs: allAssigned === cfg.sessions ? lastAssigned : null,
      idealMs: ideal,
      burstMs,
      assignmentsPerSecond: lastAssigned ? (allAssigned / lastAssigned) * 1000 : null,
      idealPerSecond: ideal > 0 ? (allAssigned / ideal) * 1000 : null,
      lagMaxMs: percentile(lags, 100),
      lagP99Ms: percentile(lags, 99),
      lagP50Ms: percentile(lags, 50),
      doubleAssignments: final!.overlaps + Math.max(0, ...samples.map((s) => s.double_open)),
      sessionsHeldTwice: final!.multi,
      overCapacitySamples: samples.filter((s) => s.over_capacity > 0).length,
      spreadWhileWaiting: waitingSamples.length ? Math.max(...waitingSamples.map((s) => s.spread)) : null,
      samples: samples.length,
      samplesWhileWaiting: waitingSamples.length,
      perEmployeeMin: counts.length ? Math.min(...counts) : null,
      perEmployeeMax: counts.length ? Math.max(...counts) : null,
      startErrors,
      firstStartError,
      endErrors,
      firstEndError,
    },
  });
  await sleep(200);
  process.exit(0);
} catch (error) {
  out({ error: errorText(error) });
  await sql.end({ timeout: 1 }).catch(() => {});
  process.exit(1);
}
