import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { useTestApp, guest, login } from '../../../../tests/helpers/app';
import { onPostgres } from '../../../../tests/helpers/database';
import { databaseDigest, query } from '../../../../tests/helpers/digest';
import { expectError, refusalChecker } from '../../../../tests/helpers/expect';
import { createClinic } from '../clinics/service';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
const t = useTestApp();
let admin: Who;
let joy: Who;

beforeAll(async () => {
  admin = await login(t, 'admin@demo.clinic');
  joy = await login(t, 'nurse.joy@demo.clinic');
}, 60_000);

const refused = refusalChecker(() => t);

describe('GET/POST /employees', () => {
  test('the admin lists staff (no patients) and creates an employee who can log in', async () => {
    const list = await t.call('GET', '/api/v1/employees', { token: admin.token });
    expect(list.status).toBe(200);
    expect(list.body.employees.map((e: { email: string }) => e.email).sort()).toEqual([
      'admin@demo.clinic',
      'dr.lee@demo.clinic',
      'nurse.joy@demo.clinic',
      'nurse.sam@demo.clinic',
    ]);
    const created = await t.call('POST', '/api/v1/employees', {
      token: admin.token,
      body: { email: 'New.Nurse@demo.clinic', displayName: 'New Nurse', password: 'a-long-password', capacity: 3 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: 'new.nurse@demo.clinic',
      displayName: 'New Nurse',
      role: 'employee',
      capacity: 3,
      load: 0,
      active: true,
      availability: 'offline',
    });
    const res = await t.call('POST', '/api/v1/auth/login', { body: { email: 'new.nurse@demo.clinic', password: 'a-long-password' } });
    expect(res.status).toBe(200);
  });

  test('409 email_taken for an email already used in this clinic, whatever its case', async () => {
    await refused(
      'POST',
      '/api/v1/employees',
      { token: admin.token, body: { email: 'NURSE.JOY@demo.clinic', displayName: 'Dup', password: 'a-long-password' } },
      409,
      'email_taken',
    );
  });

  test.each([
    ['malformed JSON', '{"email":'],
    ['a bad email', { email: 'not-an-email', displayName: 'X', password: 'a-long-password' }],
    ['a short password', { email: 'x@demo.clinic', displayName: 'X', password: 'short' }],
    ['a NUL in the name', { email: 'x@demo.clinic', displayName: 'X\u0000', password: 'a-long-password' }],
    ['a lone surrogate in the name', { email: 'x@demo.clinic', displayName: '\ud800', password: 'a-long-password' }],
    ['a negative capacity', { email: 'x@demo.clinic', displayName: 'X', password: 'a-long-password', capacity: -1 }],
    ['the patient role', { email: 'x@demo.clinic', displayName: 'X', password: 'a-long-password', role: 'patient' }],
  ])('400 invalid_request for %s', async (_n, body) => {
    await refused('POST', '/api/v1/employees', { token: admin.token, body }, 400, 'invalid_request');
  });

  test('401 without a token, 403 for an employee or a patient', async () => {
    const body = { email: 'y@demo.clinic', displayName: 'Y', password: 'a-long-password' };
    await refused('POST', '/api/v1/employees', { body }, 401, 'unauthorized');
    await refused('POST', '/api/v1/employees', { token: joy.token, body }, 403, 'forbidden');
    await refused('GET', '/api/v1/employees', { token: joy.token }, 403, 'forbidden');
    const p = await guest(t);
    await refused('GET', '/api/v1/employees', { token: p.token }, 403, 'forbidden');
  });
});

describe('PATCH /employees/:id', () => {
  test('edits name and capacity; null capacity falls back to the clinic default', async () => {
    const res = await t.call('PATCH', `/api/v1/employees/${joy.user.id}`, { token: admin.token, body: { displayName: 'Nurse Joy R.', capacity: 4 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ displayName: 'Nurse Joy R.', capacity: 4 });
    const back = await t.call('PATCH', `/api/v1/employees/${joy.user.id}`, { token: admin.token, body: { capacity: null } });
    expect(back.body.capacity).toBe(1);
  });

  test.each([
    ['an empty patch', {}],
    ['unknown fields only', { role: 'admin', clinicId: crypto.randomUUID() }],
    ['no body', undefined],
  ])('PATCH with %s changes nothing and answers the employee', async (_n, body) => {
    const before = await databaseDigest(t.ctx.db);
    const res = await t.call('PATCH', `/api/v1/employees/${joy.user.id}`, { token: admin.token, body });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: joy.user.id, email: 'nurse.joy@demo.clinic', role: 'employee', active: true });
    expect(await databaseDigest(t.ctx.db)).toEqual(before);
    await refused('PATCH', `/api/v1/employees/${crypto.randomUUID()}`, { token: admin.token, body }, 404, 'user_not_found');
  });

  test('PATCH with a JSON array (Elysia read it as {}) is refused with 400', async () => {
    await refused('PATCH', `/api/v1/employees/${joy.user.id}`, { token: admin.token, body: '[]' }, 400, 'invalid_request');
  });

  test('raising capacity lets an available employee take waiting sessions at once', async () => {
    const sam = await login(t, 'nurse.sam@demo.clinic');
    await t.call('PUT', '/api/v1/employees/me/availability', { token: sam.token, body: { availability: 'available' } });
    const [a, b] = [await guest(t, 'A'), await guest(t, 'B')];
    const sa = (await t.call('POST', '/api/v1/sessions', { token: a.token, body: { reason: 'a' } })).body;
    const sb = (await t.call('POST', '/api/v1/sessions', { token: b.token, body: { reason: 'b' } })).body;
    expect([sa.employee?.id, sb.status]).toEqual([sam.user.id, 'waiting']);
    await t.call('PATCH', `/api/v1/employees/${sam.user.id}`, { token: admin.token, body: { capacity: 2 } });
    expect((await t.call('GET', `/api/v1/sessions/${sb.id}`, { token: b.token })).body.employee?.id).toBe(sam.user.id);
    for (const [p, s] of [
      [a, sa],
      [b, sb],
    ] as const)
      await t.call('POST', `/api/v1/sessions/${s.id}/end`, { token: p.token });
  });

  test('deactivating an employee revokes their tokens and reassigns their sessions (reason admin)', async () => {
    const lee = await login(t, 'dr.lee@demo.clinic');
    const sam = await login(t, 'nurse.sam@demo.clinic');
    await t.call('PUT', '/api/v1/employees/me/availability', { token: sam.token, body: { availability: 'offline' } });
    await t.call('PUT', '/api/v1/employees/me/availability', { token: lee.token, body: { availability: 'available' } });
    const p = await guest(t, 'Moved');
    const s = (await t.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'x' } })).body;
    expect(s.employee.id).toBe(lee.user.id);
    await t.call('PUT', '/api/v1/employees/me/availability', { token: sam.token, body: { availability: 'available' } });

    const res = await t.call('PATCH', `/api/v1/employees/${lee.user.id}`, { token: admin.token, body: { active: false } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: false, availability: 'offline', load: 0 });
    expectError(await t.call('GET', '/api/v1/auth/me', { token: lee.token }), 401, 'unauthorized');
    expectError(await t.call('POST', '/api/v1/auth/login', { body: { email: 'dr.lee@demo.clinic', password: 'medchat-demo' } }), 401, 'invalid_credentials');
    const history = (await t.call('GET', `/api/v1/sessions/${s.id}/assignments`, { token: admin.token })).body.assignments;
    expect(history.map((a: any) => [a.employee.id, a.startReason, a.endReason])).toEqual([
      [lee.user.id, 'session_started', 'admin'],
      [sam.user.id, 'after_leave', null],
    ]);
    // The audit trail names the admin who moved the session.
    const audit = (await t.call('GET', `/api/v1/sessions/${s.id}/audit`, { token: admin.token })).body.entries;
    expect(audit.filter((e: any) => e.action === 'assignment.ended').map((e: any) => e.actorId)).toEqual([admin.user.id]);
    // Reactivating does not bring old tokens back.
    await t.call('PATCH', `/api/v1/employees/${lee.user.id}`, { token: admin.token, body: { active: true } });
    expectError(await t.call('GET', '/api/v1/auth/me', { token: lee.token }), 401, 'unauthorized');
    await t.call('POST', `/api/v1/sessions/${s.id}/end`, { token: p.token });
  });

  test('404 user_not_found for an unknown id, a patient, or staff of another clinic; 400 bad id or body; 403 employee', async () => {
    const { adminId } = await createClinic(t.ctx.db, {
      name: 'Other',
      siteKey: 'other-admin-test',
      adminEmail: 'admin@other.clinic',
      adminPassword: 'other-password-1',
    });
    const p = await guest(t);
    await refused('PATCH', `/api/v1/employees/${crypto.randomUUID()}`, { token: admin.token, body: { capacity: 2 } }, 404, 'user_not_found');
    await refused('PATCH', `/api/v1/employees/${p.user.id}`, { token: admin.token, body: { capacity: 2 } }, 404, 'user_not_found');
    await refused('PATCH', `/api/v1/employees/${adminId}`, { token: admin.token, body: { active: false } }, 404, 'user_not_found');
    await refused('PATCH', '/api/v1/employees/nope', { token: admin.token, body: { capacity: 2 } }, 400, 'invalid_request');
    await refused('PATCH', `/api/v1/employees/${joy.user.id}`, { token: admin.token, body: { capacity: 51 } }, 400, 'invalid_request');
    await refused('PATCH', `/api/v1/employees/${joy.user.id}`, { token: admin.token, body: { displayName: 'a\u0000' } }, 400, 'invalid_request');
    await refused('PATCH', `/api/v1/employees/${joy.user.id}`, { token: admin.token, body: { active: 'no' } }, 400, 'invalid_request');
    await refused('PATCH', `/api/v1/employees/${joy.user.id}`, { token: joy.token, body: { capacity: 9 } }, 403, 'forbidden');
    await refused('PATCH', `/api/v1/employees/${joy.user.id}`, { body: { capacity: 9 } }, 401, 'unauthorized');
    const [row] = await query<{ capacity: number | null }>(t.ctx.db, sql`select capacity from users where id = ${joy.user.id}`);
    expect(row!.capacity).toBeNull();
  });
});

describe('the clinic keeps an active admin', () => {
  test('409 conflict when an admin deactivates their own account; nothing changes', async () => {
    await refused('PATCH', `/api/v1/employees/${admin.user.id}`, { token: admin.token, body: { active: false } }, 409, 'conflict');
    expect((await t.call('GET', '/api/v1/auth/me', { token: admin.token })).status).toBe(200);
  });

  test('an admin deactivates another admin; the one left cannot deactivate themselves', async () => {
    const created = await t.call('POST', '/api/v1/employees', {
      token: admin.token,
      body: { email: 'second.admin@demo.clinic', displayName: 'Second Admin', password: 'a-long-password', role: 'admin' },
    });
    const second = (await t.call('POST', '/api/v1/auth/login', { body: { email: 'second.admin@demo.clinic', password: 'a-long-password' } })).body as Who;
    const res = await t.call('PATCH', `/api/v1/employees/${admin.user.id}`, { token: second.token, body: { active: false } });
    expect(res.status).toBe(200);
    await refused('PATCH', `/api/v1/employees/${second.user.id}`, { token: second.token, body: { active: false } }, 409, 'conflict');
    // Put the demo admin back for the other tests (a deactivation revoked its tokens).
    await t.call('PATCH', `/api/v1/employees/${admin.user.id}`, { token: second.token, body: { active: true } });
    admin = await login(t, 'admin@demo.clinic');
    expect((await t.call('PATCH', `/api/v1/employees/${created.body.id}`, { token: admin.token, body: { active: false } })).status).toBe(200);
  });

  // Two admins deactivating each other at the same moment must not both succeed (Postgres: PGlite never races).
  test.skipIf(!onPostgres)('two admins deactivating each other at once leave one active admin', async () => {
    for (let round = 0; round < 5; round++) {
      const email = `race.${round}@demo.clinic`;
      const created = await t.call('POST', '/api/v1/employees', {
        token: admin.token,
        body: { email, displayName: 'Race', password: 'a-long-password', role: 'admin' },
      });
      const other = (await t.call('POST', '/api/v1/auth/login', { body: { email, password: 'a-long-password' } })).body as Who;
      const [a, b] = await Promise.all([
        t.call('PATCH', `/api/v1/employees/${other.user.id}`, { token: admin.token, body: { active: false } }),
        t.call('PATCH', `/api/v1/employees/${admin.user.id}`, { token: other.token, body: { active: false } }),
      ]);
      // Exactly one wins. The other is refused: 403 when it waited on the admins' lock, or 401 when the winner's
      // deactivation of its caller committed before its token was checked.
      expect([a.status, b.status].filter((s) => s === 200)).toHaveLength(1);
      expect([401, 403]).toContain(a.status === 200 ? b.status : a.status);
      const [row] = await query<{ n: number }>(
        t.ctx.db,
        sql`select count(*)::int as n from users where role = 'admin' and active and clinic_id = (select clinic_id from users where id = ${admin.user.id})`,
      );
      expect(row!.n).toBe(1);
      if (b.status === 200) {
        await t.call('PATCH', `/api/v1/employees/${admin.user.id}`, { token: other.token, body: { active: true } });
        admin = await login(t, 'admin@demo.clinic');
        await t.call('PATCH', `/api/v1/employees/${created.body.id}`, { token: admin.token, body: { active: false } });
      }
    }
  });
});
