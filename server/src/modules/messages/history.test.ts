import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { useTestApp, guest, login } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { refusalChecker } from '../../../../tests/helpers/expect';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const t = useTestApp();
let patient: { token: string; user: { id: string } };
let joy: { token: string; user: { id: string } };
let admin: { token: string; user: { id: string } };
let sessionId: string;

beforeAll(async () => {
  joy = await login(t, 'nurse.joy@demo.clinic');
  admin = await login(t, 'admin@demo.clinic');
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  patient = await guest(t, 'Reader');
  sessionId = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'History' } })).body.id;
}, 60_000);

const auditCount = async (action: string, actorId: string) =>
  (
    await query<{ n: number }>(
      t.ctx.db,
      sql`select count(*)::int as n from audit_log where session_id = ${sessionId} and action = ${action} and actor_id = ${actorId}`,
    )
  )[0]!.n;

const refused = refusalChecker(() => t);

describe('sequence numbers', () => {
  test('concurrent sends by the patient and the employee get seqs 1..N without gaps or repeats', async () => {
    const before = (await t.call('GET', `/api/v1/sessions/${sessionId}`, { token: patient.token })).body.lastSeq as number;
    const sends = Array.from({ length: 60 }, (_, i) => {
      const who = i % 2 === 0 ? patient : joy;
      return t.call('POST', `/api/v1/sessions/${sessionId}/messages`, { token: who.token, body: { clientMsgId: `c${i}`, body: `message ${i}` } });
    });
    const results = await Promise.all(sends);
    expect(results.map((r) => r.status)).toEqual(Array(60).fill(201));
    const acked = results.map((r) => r.body.seq as number).sort((a, b) => a - b);
    expect(acked).toEqual(Array.from({ length: 60 }, (_, i) => before + i + 1));
    const stored = await query<{ seq: number }>(t.ctx.db, sql`select seq from messages where session_id = ${sessionId} order by seq`);
    expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: before + 60 }, (_, i) => i + 1));
  });
});

describe('GET /sessions/:id/messages', () => {
  test('after=N pages forward, before=N pages back, limit bounds the page and hasMore says if there is more', async () => {
    const all = (await t.call('GET', `/api/v1/sessions/${sessionId}/messages?after=0&limit=200`, { token: patient.token })).body;
    const n = all.messages.length;
    expect(all.hasMore).toBe(false);
    const first = await t.call('GET', `/api/v1/sessions/${sessionId}/messages?after=0&limit=10`, { token: patient.token });
    expect(first.status).toBe(200);
    expect(first.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(first.body.hasMore).toBe(true);
    const back = await t.call('GET', `/api/v1/sessions/${sessionId}/messages?before=${n + 1}&limit=5`, { token: joy.token });
    expect(back.body.messages.map((m: { seq: number }) => m.seq)).toEqual([n - 4, n - 3, n - 2, n - 1, n]);
    expect(back.body.hasMore).toBe(true);
    const start = await t.call('GET', `/api/v1/sessions/${sessionId}/messages?before=3`, { token: joy.token });
    expect(start.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);
    expect(start.body.hasMore).toBe(false);
    const dflt = await t.call('GET', `/api/v1/sessions/${sessionId}/messages`, { token: admin.token });
    expect(dflt.body.messages).toHaveLength(50);
  });

  test('every read writes exactly one audit row, for each reader', async () => {
    for (const who of [patient, joy, admin]) {
      const before = await auditCount('messages.read', who.user.id);
      for (let i = 0; i < 3; i++) expect((await t.call('GET', `/api/v1/sessions/${sessionId}/messages?after=0`, { token: who.token })).status).toBe(200);
      expect(await auditCount('messages.read', who.user.id)).toBe(before + 3);
    }
    // The audit rows name ids, never content.
    const rows = await query<Record<string, unknown>>(t.ctx.db, sql`select * from audit_log where session_id = ${sessionId}`);
    expect(JSON.stringify(rows)).not.toContain('message 1');
  });

  test('a session view writes an audit row too', async () => {
    const before = await auditCount('session.viewed', patient.user.id);
    await t.call('GET', `/api/v1/sessions/${sessionId}`, { token: patient.token });
    expect(await auditCount('session.viewed', patient.user.id)).toBe(before + 1);
  });

  test.each([
    ['after and before together', '?after=1&before=5'],
    ['a negative cursor', '?after=-1'],
    ['a cursor that is not a number', '?after=abc'],
    ['limit 0', '?limit=0'],
    ['limit 201', '?limit=201'],
    ['a fractional limit', '?limit=1.5'],
  ])('400 invalid_request for %s, and no audit row', async (_name, qs) => {
    await refused('GET', `/api/v1/sessions/${sessionId}/messages${qs}`, { token: patient.token }, 400, 'invalid_request');
  });

  test('401, 404 (unknown, other patient, employee who never held it, bad id 400); none audited', async () => {
    await refused('GET', `/api/v1/sessions/${sessionId}/messages`, {}, 401, 'unauthorized');
    await refused('GET', `/api/v1/sessions/${crypto.randomUUID()}/messages`, { token: patient.token }, 404, 'session_not_found');
    const other = await guest(t, 'Nosy');
    await refused('GET', `/api/v1/sessions/${sessionId}/messages`, { token: other.token }, 404, 'session_not_found');
    const sam = await login(t, 'nurse.sam@demo.clinic');
    await refused('GET', `/api/v1/sessions/${sessionId}/messages`, { token: sam.token }, 404, 'session_not_found');
    await refused('GET', `/api/v1/sessions/nope/messages`, { token: patient.token }, 400, 'invalid_request');
  });
});

describe('POST /sessions/:id/read', () => {
  test('204; the marker only moves forward and is capped at the last seq', async () => {
    expect((await t.call('POST', `/api/v1/sessions/${sessionId}/read`, { token: patient.token, body: { seq: 5 } })).status).toBe(204);
    expect((await t.call('POST', `/api/v1/sessions/${sessionId}/read`, { token: patient.token, body: { seq: 2 } })).status).toBe(204);
    const [marker] = await query<{ last_read_seq: number }>(
      t.ctx.db,
      sql`select last_read_seq from read_markers where session_id = ${sessionId} and user_id = ${patient.user.id}`,
    );
    expect(marker!.last_read_seq).toBe(5);
    expect((await t.call('POST', `/api/v1/sessions/${sessionId}/read`, { token: joy.token, body: { seq: 1_000_000 } })).status).toBe(204);
    const [joys] = await query<{ last_read_seq: number }>(
      t.ctx.db,
      sql`select last_read_seq from read_markers where session_id = ${sessionId} and user_id = ${joy.user.id}`,
    );
    const session = (await t.call('GET', `/api/v1/sessions/${sessionId}`, { token: joy.token })).body;
    expect(joys!.last_read_seq).toBe(session.lastSeq);
  });

  test('400 for a bad seq or malformed JSON, 401, 403 admin not assigned, 404 other patient', async () => {
    await refused('POST', `/api/v1/sessions/${sessionId}/read`, { token: patient.token, body: { seq: -1 } }, 400, 'invalid_request');
    await refused('POST', `/api/v1/sessions/${sessionId}/read`, { token: patient.token, body: { seq: 'x' } }, 400, 'invalid_request');
    await refused('POST', `/api/v1/sessions/${sessionId}/read`, { token: patient.token, body: '{"seq":' }, 400, 'invalid_request');
    await refused('POST', `/api/v1/sessions/${sessionId}/read`, { body: { seq: 1 } }, 401, 'unauthorized');
    await refused('POST', `/api/v1/sessions/${sessionId}/read`, { token: admin.token, body: { seq: 1 } }, 403, 'not_assigned');
    const other = await guest(t, 'Other');
    await refused('POST', `/api/v1/sessions/${sessionId}/read`, { token: other.token, body: { seq: 1 } }, 404, 'session_not_found');
  });
});
