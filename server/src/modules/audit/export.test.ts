/**
 * The admin's export of the clinic's audit log (GET /api/v1/audit) and a session's trail: every row of the range
 * exactly once across pages, in order, as JSON lines or CSV; nothing of another clinic; the export itself audited;
 * bad input refused with the envelope and nothing written. The trail pages instead of stopping at 500.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { guest, login, useTestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { refusalChecker } from '../../../../tests/helpers/expect';
import { createClinic } from '../clinics/service';

// A fresh database per file: allow for a loaded CI machine.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
const t = useTestApp();
let admin: Who;
let clinicId: string;
let otherClinicId: string;
const BASE = '2026-01-01T00:00:00.000Z';
const SEEDED = 1200;

beforeAll(async () => {
  admin = await login(t, 'admin@demo.clinic');
  [{ clinic_id: clinicId }] = (await query<{ clinic_id: string }>(t.ctx.db, sql`select clinic_id from users where id = ${admin.user.id}`)) as [
    { clinic_id: string },
  ];
  otherClinicId = (
    await createClinic(t.ctx.db, { name: 'Other', siteKey: 'other-audit', adminEmail: 'admin@other-audit.clinic', adminPassword: 'other-password-1' })
  ).clinic.id;
  // A day of rows, one a minute, with 60 rows sharing one instant (ties are broken by id across page edges), a
  // client address a spreadsheet would run, and rows of another clinic interleaved.
  await t.ctx.db.execute(sql`
    insert into audit_log (clinic_id, action, at, ip)
    select ${clinicId}, 'auth.login', ${BASE}::timestamptz + (case when n between 400 and 459 then 400 else n end) * interval '1 minute',
           case when n = 7 then '=HYPERLINK("http://x"),"1"' else '10.0.0.' || (n % 250) end
      from generate_series(1, ${SEEDED}) n`);
  await t.ctx.db.execute(sql`
    insert into audit_log (clinic_id, action, at) select ${otherClinicId}, 'auth.login', ${BASE}::timestamptz + n * interval '1 minute' from generate_series(1, 300) n`);
}, 60_000);

const refused = refusalChecker(() => t);

async function get(path: string, token = admin.token) {
  const res = await t.app.handle(new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}` } }));
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const range = { from: BASE, to: '2026-01-02T00:00:00.000Z' };
const expectedIds = async () =>
  (
    await query<{ id: string }>(
      t.ctx.db,
      sql`select id from audit_log where clinic_id = ${clinicId} and at >= ${range.from}::timestamptz and at < ${range.to}::timestamptz order by at, id`,
    )
  ).map((r) => r.id);

/** Follows X-Next-Cursor from the first page to the last; returns each page's body. */
async function allPages(format: 'jsonl' | 'csv', limit: number) {
  const pages: string[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ ...range, format, limit: String(limit), ...(cursor ? { cursor } : {}) });
    const res = await get(`/api/v1/audit?${params}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toStartWith(format === 'csv' ? 'text/csv' : 'application/x-ndjson');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    pages.push(res.text);
    cursor = res.headers.get('x-next-cursor');
    if (cursor) expect(res.headers.get('link')).toContain(`cursor=${cursor}`);
  } while (cursor);
  return pages;
}

describe('GET /audit (admin export)', () => {
  test('JSON lines: every row of the range once, in order, across pages of at most the limit', async () => {
    const exportsBefore = (
      await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from audit_log where action = 'audit.exported' and actor_id = ${admin.user.id}`)
    )[0]!.n;
    const pages = await allPages('jsonl', 250);
    const entries = pages.flatMap((p) =>
      p
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    );
    for (const p of pages) expect(p.split('\n').filter(Boolean).length).toBeLessThanOrEqual(250);
    expect(pages.length).toBe(Math.ceil(SEEDED / 250));
    expect(entries.map((e) => e.id)).toEqual(await expectedIds());
    expect(entries[0]).toEqual({
      id: expect.any(String),
      actorId: null,
      action: 'auth.login',
      sessionId: null,
      sessionIds: null,
      subjectId: null,
      ip: '10.0.0.1',
      at: '2026-01-01T00:01:00.000Z',
    });
    // Each page is an export of its own, audited.
    const exportsAfter = (
      await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from audit_log where action = 'audit.exported' and actor_id = ${admin.user.id}`)
    )[0]!.n;
    expect(exportsAfter - exportsBefore).toBe(pages.length);
  });

  test('CSV: a header, the same rows, and fields a spreadsheet would run made inert', async () => {
    const pages = await allPages('csv', 500);
    const lines = pages.flatMap((p) => p.split('\r\n').filter(Boolean));
    expect(lines.filter((l) => l.startsWith('id,')).length).toBe(pages.length);
    expect(pages[0]!.split('\r\n')[0]).toBe('id,at,action,actorId,sessionId,sessionIds,subjectId,ip');
    const rows = lines.filter((l) => !l.startsWith('id,'));
    expect(rows.map((l) => l.slice(0, 36))).toEqual(await expectedIds());
    expect(rows.find((l) => l.includes('HYPERLINK'))).toEndWith(`,auth.login,,,,,"'=HYPERLINK(""http://x""),""1"""`);
  });

  test("from and to bound the range; the clinic's own rows only", async () => {
    const res = await get(`/api/v1/audit?from=2026-01-01T00:10:00.000Z&to=2026-01-01T00:20:00.000Z`);
    const entries = res.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(entries.map((e) => e.at)).toEqual(Array.from({ length: 10 }, (_, i) => `2026-01-01T00:${String(10 + i).padStart(2, '0')}:00.000Z`));
    expect(res.headers.get('x-next-cursor')).toBeNull();
    const other = (await t.call('POST', '/api/v1/auth/login', { body: { email: 'admin@other-audit.clinic', password: 'other-password-1' } })).body as Who;
    const theirs = await get(`/api/v1/audit?${new URLSearchParams(range)}`, other.token);
    expect(theirs.text.split('\n').filter(Boolean).length).toBe(300);
  });

  test('refusals: 401, 403 for staff and patients, 400 for a bad cursor, format, date or range; nothing written', async () => {
    const joy = await login(t, 'nurse.joy@demo.clinic');
    const p = await guest(t);
    await refused('GET', '/api/v1/audit', {}, 401, 'unauthorized');
    await refused('GET', '/api/v1/audit', { token: joy.token }, 403, 'forbidden');
    await refused('GET', '/api/v1/audit', { token: p.token }, 403, 'forbidden');
    for (const bad of [
      'cursor=nope',
      `cursor=${Buffer.from("x'|y").toString('base64url')}`,
      'format=xml',
      'from=yesterday',
      'limit=0',
      'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
    ])
      await refused('GET', `/api/v1/audit?${bad}`, { token: admin.token }, 400, 'invalid_request');
  });
});

describe('GET /sessions/:id/audit (a session trail)', () => {
  test('pages by cursor instead of stopping at 500 entries', async () => {
    const pat = await guest(t);
    const session = (await t.call('POST', '/api/v1/sessions', { token: pat.token, body: { reason: 'Long trail' } })).body;
    await t.ctx.db.execute(
      sql`insert into audit_log (clinic_id, action, session_id, at) select ${clinicId}, 'session.viewed', ${session.id}, now() - interval '1 hour' + n * interval '1 ms' from generate_series(1, 700) n`,
    );
    const trail = async () =>
      (await query<{ id: string }>(t.ctx.db, sql`select id from audit_log where session_id = ${session.id} order by at, id`)).map((r) => r.id);
    expect((await trail()).length).toBeGreaterThan(700);
    const first = await t.call('GET', `/api/v1/sessions/${session.id}/audit`, { token: admin.token });
    expect(first.body.entries).toHaveLength(500);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.call('GET', `/api/v1/sessions/${session.id}/audit?cursor=${first.body.nextCursor}`, { token: admin.token });
    expect(second.body.nextCursor).toBeNull();
    // Every row once, in order: the first read's own row included, the second's (written after its page) not yet.
    expect([...first.body.entries, ...second.body.entries].map((e: { id: string }) => e.id)).toEqual((await trail()).slice(0, -1));
    await refused('GET', `/api/v1/sessions/${session.id}/audit?cursor=garbage`, { token: admin.token }, 400, 'invalid_request');
  });
});
