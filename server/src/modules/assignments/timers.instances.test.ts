/**
 * The assignment deadlines (timers.ts) across instances, on real Postgres only (PGlite's row locks never block): 200
 * first-reply deadlines fall due at once while two instances sweep them together, their own sweepers as well as
 * by hand. Each fires exactly once.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { onPostgres } from '../../../../tests/helpers/database';
import { query } from '../../../../tests/helpers/digest';
import { startInstancesWithoutDemoStaff, type Instances } from '../../../../tests/helpers/instances';
import type { TestServer } from '../../../../tests/helpers/server';
import { fireDeadlines } from './timers';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(120_000);

type Who = { token: string; user: { id: string } };
let instances: Instances | undefined;
let servers: TestServer[] = [];
let admin: Who;
const SESSIONS = 200;
const CAPACITY = 50;

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
