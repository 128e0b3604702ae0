/**
 * docs/requirements.md#assignment: the assignment engine under a storm, on real Postgres only (PGlite's row locks never
 * block). Two server instances share one database; 200 patients start at once while 20 employees of capacity 2
 * go away, leave and come back at random. A sampler checks the invariants on consistent snapshots the whole time.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { onPostgres } from '../../../../tests/helpers/database';
import { query } from '../../../../tests/helpers/digest';
import { startInstancesWithoutDemoStaff, type Instances } from '../../../../tests/helpers/instances';
import type { TestServer } from '../../../../tests/helpers/server';
import { until } from '../../../../tests/helpers/until';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
let instances: Instances | undefined;
let servers: TestServer[] = [];
let admin: Who;
const EMPLOYEES = 20;
const CAPACITY = 2;
const PATIENTS = 200;

beforeAll(async () => {
  if (!onPostgres) return;
  // Only the storm's employees take sessions.
  instances = await startInstancesWithoutDemoStaff();
  ({ servers, admin } = instances);
}, 60_000);
afterAll(() => instances?.close());

const db = () => servers[0]!.ctx.db;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
const server = (i: number) => servers[i % servers.length]!;

/** Every invariant on one snapshot each (a single statement sees one snapshot under READ COMMITTED). */
async function violations(): Promise<string[]> {
  const out: string[] = [];
  const doubles = await query<{ session_id: string }>(
    db(),
    sql`select session_id from assignments where ended_at is null group by session_id having count(*) > 1`,
  );
  for (const d of doubles) out.push(`session ${d.session_id} has two open assignments`);
  const loads = await query<{ id: string; load: number; capacity: number; open: number }>(
    db(),
    sql`select u.id, u.load, coalesce(u.capacity, c.default_capacity) as capacity,
               (select count(*)::int from assignments a where a.employee_id = u.id and a.ended_at is null) as open
          from users u join clinics c on c.id = u.clinic_id where u.role = 'employee'`,
  );
  for (const l of loads) {
    if (l.load > l.capacity) out.push(`employee ${l.id} load ${l.load} > capacity ${l.capacity}`);
    if (l.load !== l.open) out.push(`employee ${l.id} load ${l.load} but ${l.open} open assignments`);
  }
  const mismatched = await query<{ id: string }>(
    db(),
    sql`select s.id from chat_sessions s left join assignments a on a.session_id = s.id and a.ended_at is null
         where (s.status = 'active') <> (a.id is not null) or (a.id is not null and a.employee_id <> s.employee_id)`,
  );
  for (const m of mismatched) out.push(`session ${m.id}: status and open assignment disagree`);
  return out;
}

describe.skipIf(!onPostgres)('the assignment engine under a storm (Postgres)', () => {
  test('200 starts and 20 employees coming and going: invariants hold at every sample, and it settles', async () => {
    const staff: Who[] = await Promise.all(
      Array.from({ length: EMPLOYEES }, async (_, i) => {
        const email = `storm${i}@demo.clinic`;
        const res = await servers[0]!.call('POST', '/api/v1/employees', {
          token: admin.token,
          body: { email, displayName: `Storm ${i}`, password: 'storm-password-1', capacity: CAPACITY },
        });
        expect(res.status).toBe(201);
        return (await server(i).call('POST', '/api/v1/auth/login', { body: { email, password: 'storm-password-1' } })).body;
      }),
    );
    await Promise.all(staff.map((e, i) => server(i).call('PUT', '/api/v1/employees/me/availability', { token: e.token, body: { availability: 'available' } })));
    const patients: Who[] = await Promise.all(Array.from({ length: PATIENTS }, (_, i) => server(i).guest(`Storm patient ${i}`)));

    const statuses: number[] = [];
    const found: string[] = [];
    let samples = 0;
    let running = true;
    const sampler = (async () => {
      while (running) {
        found.push(...(await violations()));
        samples++;
        await Bun.sleep(20);
      }
    })();

    // Employees churn: away, offline (leaves everything), leave one session, back to available.
    const chaos = staff.map((e, i) =>
      (async () => {
        while (running) {
          const action = pick(['away', 'offline', 'leave', 'available', 'available'] as const);
          const s = server(i + Math.floor(Math.random() * 2));
          if (action === 'leave') {
            const held = await s.call('GET', '/api/v1/sessions?status=active', { token: e.token });
            const mine = (held.body?.sessions ?? []).filter((x: { employee: { id: string } | null }) => x.employee?.id === e.user.id);
            if (mine.length)
              statuses.push((await s.call('POST', `/api/v1/sessions/${pick(mine as Array<{ id: string }>).id}/leave`, { token: e.token, body: {} })).status);
          } else {
            statuses.push((await s.call('PUT', '/api/v1/employees/me/availability', { token: e.token, body: { availability: action } })).status);
          }
          await Bun.sleep(20 + Math.random() * 80);
        }
      })(),
    );

    const starts = await Promise.all(patients.map((p, i) => server(i).call('POST', '/api/v1/sessions', { token: p.token, body: { reason: `storm ${i}` } })));
    expect(starts.filter((r) => r.status !== 201).map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
    // A few patients give up while the churn goes on.
    const enders = patients.slice(0, 20);
    await Promise.all(
      enders.map((p, i) =>
        server(i)
          .call('POST', `/api/v1/sessions/${starts[i]!.body.id}/end`, { token: p.token })
          .then((r) => statuses.push(r.status)),
      ),
    );
    await Bun.sleep(3000);
    running = false;
    await Promise.all([...chaos, sampler]);

    expect(statuses.filter((st) => st >= 500)).toEqual([]);
    expect(statuses.filter((st) => st !== 200 && st !== 409)).toEqual([]);
    expect(found).toEqual([]);
    expect(samples).toBeGreaterThan(10);
    // The storm did churn: many hand-overs and re-queues happened while the sampler watched.
    const [churn] = await query<{ left: number; claimed: number }>(
      db(),
      sql`select count(*) filter (where end_reason = 'left')::int as left, count(*) filter (where start_reason = 'employee_available')::int as claimed from assignments`,
    );
    expect(churn!.left).toBeGreaterThan(20);
    expect(churn!.claimed).toBeGreaterThan(20);

    // Settle: everyone available; the sweeper and the claims fill every slot while patients wait.
    await Promise.all(staff.map((e, i) => server(i).call('PUT', '/api/v1/employees/me/availability', { token: e.token, body: { availability: 'available' } })));
    const settled = await until(
      async () => {
        const [row] = await query<{ waiting: number; active: number; spare: number }>(
          db(),
          sql`select (select count(*)::int from chat_sessions where status = 'waiting') as waiting,
                   (select count(*)::int from chat_sessions where status = 'active') as active,
                   (select coalesce(sum(coalesce(u.capacity, 1) - u.load), 0)::int from users u
                     where u.role = 'employee' and u.active and u.availability = 'available') as spare`,
        );
        return row!.spare === 0 || row!.waiting === 0 ? row : null;
      },
      'every free slot to be filled',
      30_000,
    );
    expect(settled!.active).toBe(Math.min(EMPLOYEES * CAPACITY, PATIENTS - enders.length));
    expect(settled!.waiting).toBe(PATIENTS - enders.length - settled!.active);
    expect(await violations()).toEqual([]);
  }, 120_000);

  test('waiting sessions are taken oldest first', async () => {
    // Everyone off: the queue only grows.
    const staff = await query<{ email: string }>(db(), sql`select email from users where email like 'storm%'`);
    const tokens: Who[] = await Promise.all(
      staff.map(async (e) => (await servers[0]!.call('POST', '/api/v1/auth/login', { body: { email: e.email, password: 'storm-password-1' } })).body),
    );
    await Promise.all(tokens.map((e) => servers[0]!.call('PUT', '/api/v1/employees/me/availability', { token: e.token, body: { availability: 'offline' } })));
    // End everything still open, then queue new sessions one after another.
    const open = await query<{ id: string; patient_id: string }>(db(), sql`select id, patient_id from chat_sessions where status <> 'ended'`);
    await db().execute(sql`update chat_sessions set status = 'ended', employee_id = null, ended_at = now() where status <> 'ended'`);
    expect(open.length).toBeGreaterThan(0);
    const queued: string[] = [];
    for (let i = 0; i < 6; i++) {
      const p = await server(i).guest(`Fifo ${i}`);
      const r = await server(i).call('POST', '/api/v1/sessions', { token: p.token, body: { reason: `fifo ${i}` } });
      expect(r.body.status).toBe('waiting');
      queued.push(r.body.id);
    }
    const one = tokens[0]!;
    const two = tokens[1]!;
    await servers[1]!.call('PUT', '/api/v1/employees/me/availability', { token: one.token, body: { availability: 'available' } });
    const heldBy = async (who: Who) =>
      (await query<{ id: string }>(db(), sql`select id from chat_sessions where employee_id = ${who.user.id} and status = 'active' order by created_at`)).map(
        (r) => r.id,
      );
    expect(await heldBy(one)).toEqual(queued.slice(0, 2));
    await servers[0]!.call('PUT', '/api/v1/employees/me/availability', { token: two.token, body: { availability: 'available' } });
    expect(await heldBy(two)).toEqual(queued.slice(2, 4));
  });

  test('teams under churn on two instances: chats go only to their team, transfers between members and teams keep every invariant', async () => {
    const call = (i: number, method: string, path: string, token: string, body?: unknown) => server(i).call(method, path, { token, body });
    await servers[0]!.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { teamFallback: 'wait' } });
    const teams: string[] = [];
    const members: Who[][] = [];
    for (const [t, name] of ['Nursing', 'Pharmacy'].entries()) {
      teams.push((await call(0, 'POST', '/api/v1/teams', admin.token, { name })).body.id);
      members.push(
        await Promise.all(
          Array.from({ length: 5 }, async (_, i) => {
            const email = `team${t}-${i}@demo.clinic`;
            await call(0, 'POST', '/api/v1/employees', admin.token, { email, displayName: `${name} ${i}`, password: 'storm-password-1', capacity: 2 });
            return (await server(i).call('POST', '/api/v1/auth/login', { body: { email, password: 'storm-password-1' } })).body as Who;
          }),
        ),
      );
      expect((await call(0, 'PUT', `/api/v1/teams/${teams[t]}/members`, admin.token, { employeeIds: members[t]!.map((m) => m.user.id) })).status).toBe(200);
    }
    const intake = await call(0, 'PUT', '/api/v1/clinic/intake', admin.token, {
      redFlags: [],
      emergencyInstructions: '',
      topics: teams.map((teamId, i) => ({ label: `Topic ${i}`, teamId })),
    });
    const topics: string[] = intake.body.topics.map((t: { id: string }) => t.id);
    // The storm's employees (members of no team) are available too: they must take none of these chats.
    const everyone = members.flat();
    await Promise.all(everyone.map((e, i) => call(i, 'PUT', '/api/v1/employees/me/availability', e.token, { availability: 'available' })));

    /** A chat of a team held by someone outside it (the clinic waits for its teams). */
    const strays = () =>
      query<{ id: string }>(
        db(),
        sql`select s.id from chat_sessions s where s.status = 'active' and s.team_id is not null
             and not exists (select 1 from team_members m where m.team_id = s.team_id and m.employee_id = s.employee_id)`,
      );
    const found: string[] = [];
    const statuses: number[] = [];
    let running = true;
    const sampler = (async () => {
      while (running) {
        found.push(...(await violations()), ...(await strays()).map((r) => `session ${r.id} held outside its team`));
        await Bun.sleep(20);
      }
    })();
    const chaos = everyone.map((e, i) =>
      (async () => {
        const team = i < 5 ? 0 : 1;
        while (running) {
          const s = server(i + Math.floor(Math.random() * 2));
          const held = (await s.call('GET', '/api/v1/sessions?status=active', { token: e.token })).body?.sessions ?? [];
          const mine = held.filter((x: { employee: { id: string } | null }) => x.employee?.id === e.user.id) as Array<{ id: string }>;
          const action = pick(['colleague', 'colleague', 'team', 'team', 'away', 'available', 'available', 'offline'] as const);
          if ((action === 'colleague' || action === 'team') && mine.length) {
            const id = pick(mine).id;
            const target = action === 'team' ? { toTeamId: teams[1 - team] } : { toEmployeeId: pick(members[team]!).user.id, toTeamId: teams[team] };
            statuses.push((await s.call('POST', `/api/v1/sessions/${id}/transfer`, { token: e.token, body: { ...target, note: `from ${i}` } })).status);
          } else if (action !== 'colleague' && action !== 'team') {
            statuses.push((await s.call('PUT', '/api/v1/employees/me/availability', { token: e.token, body: { availability: action } })).status);
          }
          await Bun.sleep(20 + Math.random() * 60);
        }
      })(),
    );
    const patients: Who[] = await Promise.all(Array.from({ length: 60 }, (_, i) => server(i).guest(`Team patient ${i}`)));
    const starts = await Promise.all(
      patients.map((p, i) =>
        server(i).call('POST', '/api/v1/sessions', { token: p.token, body: { reason: `team ${i}`, intake: { redFlags: [], topic: topics[i % 2] } } }),
      ),
    );
    expect(starts.filter((r) => r.status !== 201).map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
    await Bun.sleep(5000);
    running = false;
    await Promise.all([...chaos, sampler]);

    expect(statuses.filter((st) => st >= 500)).toEqual([]);
    // Refusals are the documented ones (a colleague full or away, oneself, a chat no longer held).
    expect(statuses.filter((st) => st !== 200 && st !== 409 && st !== 403)).toEqual([]);
    expect(found).toEqual([]);
    const [moved] = await query<{ n: number }>(db(), sql`select count(*)::int as n from assignments where end_reason = 'transferred'`);
    // Transfers did happen while the sampler watched (each employee tries one every few tens of milliseconds when holding a chat).
    expect(moved!.n).toBeGreaterThan(3);
    expect(await violations()).toEqual([]);
    expect(await strays()).toEqual([]);
  }, 120_000);

  test('concurrent starts by one patient across two instances give one session', async () => {
    const p = await servers[0]!.guest('Twice');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => server(i).call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'double' } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const [row] = await query<{ n: number }>(db(), sql`select count(*)::int as n from chat_sessions where patient_id = ${p.user.id}`);
    expect(row!.n).toBe(1);
  });
});
