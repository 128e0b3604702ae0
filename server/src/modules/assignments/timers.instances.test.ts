/**
 * The assignment deadlines (timers.ts, patient-idle.ts) across instances, on real Postgres only (PGlite's row locks
 * never block): 200 first-reply deadlines, then 200 patient-gone deadlines and 200 inactivity closes, fall due at
 * once while two instances sweep them together, their own sweepers as well as by hand. Each fires exactly once.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { onPostgres } from '../../../../tests/helpers/database';
import { query } from '../../../../tests/helpers/digest';
import { startInstancesWithoutDemoStaff, type Instances } from '../../../../tests/helpers/instances';
import type { TestServer } from '../../../../tests/helpers/server';
import { firePatientDeadlines } from './patient-idle';
import { fireDeadlines } from './timers';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(120_000);

type Who = { token: string; user: { id: string } };
let instances: Instances | undefined;
let servers: TestServer[] = [];
let admin: Who;
const SESSIONS = 200;
const CAPACITY = 50;
/** Every employee made here, by id: the holder of a chat writes in it. */
const staff = new Map<string, Who>();

beforeAll(async () => {
  if (!onPostgres) return;
  instances = await startInstancesWithoutDemoStaff();
  ({ servers, admin } = instances);
}, 60_000);
afterAll(() => instances?.close());

const db = () => servers[0]!.ctx.db;
const server = (i: number) => servers[i % servers.length]!;

async function employees(group: string, n: number): Promise<Who[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const email = `${group}${i}@demo.clinic`;
      const created = await servers[0]!.call('POST', '/api/v1/employees', {
        token: admin.token,
        body: { email, displayName: `${group} ${i}`, password: 'timer-password-1', capacity: CAPACITY },
      });
      expect(created.status).toBe(201);
      const who = (await server(i).call('POST', '/api/v1/auth/login', { body: { email, password: 'timer-password-1' } })).body as Who;
      expect((await server(i).call('PUT', '/api/v1/employees/me/availability', { token: who.token, body: { availability: 'available' } })).status).toBe(200);
      staff.set(who.user.id, who);
      return who;
    }),
  );
}

describe.skipIf(!onPostgres)('first-reply deadlines on two instances (Postgres)', () => {
  test('200 deadlines due at once, both instances sweeping: each fires once, none twice, nothing left doubled', async () => {
    // Nobody answers: 4 × 50 slots hold the 200 sessions; 4 more employees come afterwards to take them over.
    await employees('first', SESSIONS / CAPACITY);
    const patients: Who[] = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => server(i).guest(`Timer patient ${i}`)));
    const starts = await Promise.all(patients.map((p, i) => server(i).call('POST', '/api/v1/sessions', { token: p.token, body: { reason: `timer ${i}` } })));
    expect(starts.filter((r) => r.status !== 201 || r.body.status !== 'active').length).toBe(0);
    await employees('second', SESSIONS / CAPACITY);

    // Every deadline falls due at once. The trail is append-only (a trigger), so the test moves the starts back
    // with triggers off for this one transaction.
    await db().transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`update assignments set started_at = started_at - interval '1 hour' where ended_at is null`);
    });
    // Both instances fire by hand, side by side, while their own sweepers (every 200 ms) do the same.
    const fired = await Promise.all([fireDeadlines(servers[0]!.ctx), fireDeadlines(servers[1]!.ctx), fireDeadlines(servers[0]!.ctx)]);
    expect(fired.reduce((n, f) => n + f.unanswered, 0)).toBeLessThanOrEqual(SESSIONS);
    // Whatever the sweepers still had in hand is done by now: a last pass of each finds nothing due.
    const again = await Promise.all(servers.map((s) => fireDeadlines(s.ctx)));
    expect(again.map((f) => f.unanswered)).toEqual([0, 0]);

    const [counts] = await query<{ unanswered: number; open: number; sessions: number }>(
      db(),
      sql`select (select count(*)::int from assignments where end_reason = 'unanswered') as unanswered,
                 (select count(*)::int from assignments where ended_at is null) as open,
                 (select count(distinct session_id)::int from assignments where ended_at is null) as sessions`,
    );
    expect(counts).toEqual({ unanswered: SESSIONS, open: SESSIONS, sessions: SESSIONS });
    // Each session is now with another employee, never with the one who let it go.
    const holders = await query<{ employee_id: string; left_by: string }>(
      db(),
      sql`select a.employee_id, u.employee_id as left_by from assignments a
            join assignments u on u.session_id = a.session_id and u.end_reason = 'unanswered'
           where a.ended_at is null`,
    );
    expect(holders.length).toBe(SESSIONS);
    expect(holders.filter((h) => h.employee_id === h.left_by).length).toBe(0);
    // Loads agree with the open assignments: every freed slot was freed once.
    const loads = await query<{ id: string }>(
      db(),
      sql`select u.id from users u where u.role = 'employee'
             and u.load <> (select count(*) from assignments a where a.employee_id = u.id and a.ended_at is null)`,
    );
    expect(loads).toEqual([]);
    const audit = await query<{ n: number }>(db(), sql`select count(*)::int as n from audit_log where action = 'assignment.ended' and actor_id is null`);
    expect(audit[0]!.n).toBe(SESSIONS);
  });
});

describe.skipIf(!onPostgres)('patient-gone deadlines and inactivity closes on two instances (Postgres)', () => {
  test('200 patients gone at once, then 200 closes due at once, both instances sweeping: each fires once', async () => {
    const count = async () =>
      (
        await query<{ parked: number; idle: number; closes: number; ended: number; systemEnds: number; bad: number }>(
          db(),
          sql`select (select count(*)::int from assignments where end_reason = 'patient_inactive') as parked,
                     (select count(*)::int from chat_sessions where status = 'idle') as idle,
                     (select count(*)::int from messages where system->>'event' = 'session.inactive') as closes,
                     (select count(*)::int from chat_sessions where status = 'ended' and ended_by is null) as ended,
                     (select count(*)::int from audit_log where action = 'session.ended' and actor_id is null) as "systemEnds",
                     (select count(*)::int from users u where u.role = 'employee'
                         and u.load <> (select count(*) from assignments a where a.employee_id = u.id and a.ended_at is null)) as bad`,
        )
      )[0]!;
    await employees('third', SESSIONS / CAPACITY);
    const patients: Who[] = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => server(i).guest(`Gone patient ${i}`)));
    const starts = await Promise.all(patients.map((p, i) => server(i).call('POST', '/api/v1/sessions', { token: p.token, body: { reason: `gone ${i}` } })));
    expect(starts.filter((r) => r.status !== 201 || r.body.status !== 'active').length).toBe(0);
    // Each holder answers, then the patients (who never opened a socket) say nothing more.
    const replies = await Promise.all(
      starts.map((r, i) =>
        server(i).call('POST', `/api/v1/sessions/${r.body.id}/messages`, {
          token: staff.get(r.body.employee.id)!.token,
          body: { clientMsgId: `reply-${i}`, body: 'How can we help?' },
        }),
      ),
    );
    expect(replies.filter((r) => r.status !== 201).length).toBe(0);

    // Every patient-gone deadline falls due at once (messages are immutable: triggers off for this one write).
    await db().transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`update messages set created_at = created_at - interval '1 hour' where body = 'How can we help?'`);
    });
    const fired = await Promise.all([firePatientDeadlines(servers[0]!.ctx), firePatientDeadlines(servers[1]!.ctx), firePatientDeadlines(servers[0]!.ctx)]);
    expect(fired.reduce((n, f) => n + f.patientInactive, 0)).toBeLessThanOrEqual(SESSIONS);
    const again = await Promise.all(servers.map((s) => firePatientDeadlines(s.ctx)));
    expect(again.map((f) => f.patientInactive)).toEqual([0, 0]);
    expect(await count()).toMatchObject({ parked: SESSIONS, idle: SESSIONS, bad: 0 });

    // Then every one of them has waited on its patient past the clinic's inactivity close.
    expect((await servers[1]!.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { inactiveCloseHours: 1 } })).status).toBe(200);
    await db().execute(sql`update chat_sessions set idle_since = now() - interval '2 hours' where status = 'idle'`);
    const closed = await Promise.all([firePatientDeadlines(servers[1]!.ctx), firePatientDeadlines(servers[0]!.ctx), firePatientDeadlines(servers[1]!.ctx)]);
    expect(closed.reduce((n, f) => n + f.inactive, 0)).toBeLessThanOrEqual(SESSIONS);
    const last = await Promise.all(servers.map((s) => firePatientDeadlines(s.ctx)));
    expect(last.map((f) => f.inactive)).toEqual([0, 0]);
    // One closing line, one ended session and one system audit row each: none twice.
    expect(await count()).toEqual({ parked: SESSIONS, idle: 0, closes: SESSIONS, ended: SESSIONS, systemEnds: SESSIONS, bad: 0 });
  });
});
