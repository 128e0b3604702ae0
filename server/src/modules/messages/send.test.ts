import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { useTestApp, guest, login } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { refusalChecker } from '../../../../tests/helpers/expect';
import { appendMessage } from './store';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const t = useTestApp();
let patient: { token: string; user: { id: string } };
let joy: { token: string; user: { id: string } };
let sam: { token: string; user: { id: string } };
let sessionId: string;
const path = () => `/api/v1/sessions/${sessionId}/messages`;

beforeAll(async () => {
  joy = await login(t, 'nurse.joy@demo.clinic');
  sam = await login(t, 'nurse.sam@demo.clinic');
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  patient = await guest(t, 'Sender');
  const started = await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Cough' } });
  sessionId = started.body.id;
  expect(started.body.employee.id).toBe(joy.user.id);
}, 60_000);

const messageRows = async (clientMsgId: string) =>
  (await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from messages where session_id = ${sessionId} and client_msg_id = ${clientMsgId}`))[0]!.n;

/** Sends a request that must be refused, and checks that it changed nothing in the database. */
const refused = refusalChecker(() => t);

describe('POST /sessions/:id/messages', () => {
  test('201 for a new message, 200 with the same message for a replay', async () => {
    const first = await t.call('POST', path(), { token: patient.token, body: { clientMsgId: 'a1', body: 'Hello  ' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ sessionId, body: 'Hello', clientMsgId: 'a1', kind: 'text', sender: { id: patient.user.id, role: 'patient' } });
    const again = await t.call('POST', path(), { token: patient.token, body: { clientMsgId: 'a1', body: 'Hello' } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  test('the same clientMsgId 20× in a row gives one row and the same id and seq', async () => {
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await t.call('POST', path(), { token: patient.token, body: { clientMsgId: 'seq-20', body: 'twenty' } }));
    expect(results.map((r) => r.status)).toEqual([201, ...Array(19).fill(200)]);
    expect(new Set(results.map((r) => `${r.body.id}/${r.body.seq}`)).size).toBe(1);
    expect(await messageRows('seq-20')).toBe(1);
  });

  test('the same clientMsgId 20× in parallel gives one row and the same id and seq', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.call('POST', path(), { token: joy.token, body: { clientMsgId: 'par-20', body: 'parallel' } })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => `${r.body.id}/${r.body.seq}`)).size).toBe(1);
    expect(await messageRows('par-20')).toBe(1);
  });

  test('the same clientMsgId from two senders is two messages', async () => {
    const a = await t.call('POST', path(), { token: patient.token, body: { clientMsgId: 'shared', body: 'from patient' } });
    const b = await t.call('POST', path(), { token: joy.token, body: { clientMsgId: 'shared', body: 'from joy' } });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
  });

  test('409 idempotency_conflict: same clientMsgId, another body; nothing stored', async () => {
    await refused('POST', path(), { token: patient.token, body: { clientMsgId: 'a1', body: 'Something else' } }, 409, 'idempotency_conflict');
    expect(await messageRows('a1')).toBe(1);
  });

  test('4,000 characters are stored whole; 4,001 are refused with 422 message_too_long', async () => {
    const max = 'x'.repeat(3999) + 'é';
    const ok = await t.call('POST', path(), { token: patient.token, body: { clientMsgId: 'max', body: max } });
    expect(ok.status).toBe(201);
    expect(ok.body.body).toBe(max);
    const page = await t.call('GET', `${path()}?after=${ok.body.seq - 1}&limit=1`, { token: patient.token });
    expect(page.body.messages[0].body.length).toBe(4000);
    await refused('POST', path(), { token: patient.token, body: { clientMsgId: 'over', body: 'x'.repeat(4001) } }, 422, 'message_too_long');
  });

  test('text is normalized to NFC, and the limit counts the normalized text', async () => {
    const decomposed = 'e\u0301'.repeat(4000); // 8,000 code units, 4,000 characters after NFC
    const res = await t.call('POST', path(), { token: patient.token, body: { clientMsgId: 'nfc', body: decomposed } });
    expect(res.status).toBe(201);
    expect(res.body.body).toBe('\u00e9'.repeat(4000));
  });

  test.each([
    ['malformed JSON', '{"clientMsgId": "x", "body": '],
    ['a JSON array', '[]'],
    ['a missing body', { clientMsgId: 'm1' }],
    ['an empty body', { clientMsgId: 'm1', body: '' }],
    ['a blank body', { clientMsgId: 'm1', body: '   \n ' }],
    ['a NUL in the body', { clientMsgId: 'm1', body: 'a\u0000b' }],
    ['a control character in the body', { clientMsgId: 'm1', body: 'bell\u0007' }],
    ['DEL in the body', { clientMsgId: 'm1', body: 'del\u007f' }],
    ['a lone high surrogate', { clientMsgId: 'm1', body: 'broken \ud800 text' }],
    ['a lone low surrogate', { clientMsgId: 'm1', body: '\udc00' }],
    ['a NUL in the clientMsgId', { clientMsgId: 'm\u00001', body: 'ok' }],
    ['a newline in the clientMsgId', { clientMsgId: 'm\n1', body: 'ok' }],
    ['a clientMsgId over 64 characters', { clientMsgId: 'c'.repeat(65), body: 'ok' }],
    ['a body of the wrong type', { clientMsgId: 'm1', body: 42 }],
  ])('400 invalid_request for %s; nothing stored', async (_name, body) => {
    await refused('POST', path(), { token: patient.token, body }, 400, 'invalid_request');
  });

  test('a lone surrogate written raw in the JSON text is refused too', async () => {
    await refused('POST', path(), { token: patient.token, body: '{"clientMsgId":"raw","body":"x\\udfff"}' }, 400, 'invalid_request');
  });

  test('400 for a session id that is not a uuid', async () => {
    await refused('POST', '/api/v1/sessions/not-a-uuid/messages', { token: patient.token, body: { clientMsgId: 'm1', body: 'hi' } }, 400, 'invalid_request');
  });

  test('401 without a token or with an unknown one', async () => {
    await refused('POST', path(), { body: { clientMsgId: 'm1', body: 'hi' } }, 401, 'unauthorized');
    await refused('POST', path(), { token: 'nope', body: { clientMsgId: 'm1', body: 'hi' } }, 401, 'unauthorized');
  });

  test('404 for a session that does not exist or that the caller cannot see', async () => {
    await refused(
      'POST',
      `/api/v1/sessions/${crypto.randomUUID()}/messages`,
      { token: patient.token, body: { clientMsgId: 'm1', body: 'hi' } },
      404,
      'session_not_found',
    );
    const other = await guest(t, 'Other');
    await refused('POST', path(), { token: other.token, body: { clientMsgId: 'm1', body: 'hi' } }, 404, 'session_not_found');
    await refused('POST', path(), { token: sam.token, body: { clientMsgId: 'm1', body: 'hi' } }, 404, 'session_not_found');
  });

  test('403 not_assigned for an admin who can read but does not hold the session', async () => {
    const admin = await login(t, 'admin@demo.clinic');
    await refused('POST', path(), { token: admin.token, body: { clientMsgId: 'm1', body: 'hi' } }, 403, 'not_assigned');
  });

  test('seqs stay gapless 1..N whatever was refused on the way', async () => {
    const page = await t.call('GET', `${path()}?after=0&limit=200`, { token: patient.token });
    const seqs = page.body.messages.map((m: { seq: number }) => m.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
  });

  test('after the session ended: 409 session_ended for a new message, a replay still answers 200', async () => {
    const p = await guest(t, 'Ender');
    const s = await t.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'Quick' } });
    const first = await t.call('POST', `/api/v1/sessions/${s.body.id}/messages`, { token: p.token, body: { clientMsgId: 'e1', body: 'bye' } });
    expect(first.status).toBe(201);
    expect((await t.call('POST', `/api/v1/sessions/${s.body.id}/end`, { token: p.token })).status).toBe(200);
    await refused('POST', `/api/v1/sessions/${s.body.id}/messages`, { token: p.token, body: { clientMsgId: 'e2', body: 'more' } }, 409, 'session_ended');
    const replay = await t.call('POST', `/api/v1/sessions/${s.body.id}/messages`, { token: p.token, body: { clientMsgId: 'e1', body: 'bye' } });
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(first.body.id);
  });

  test("the session's first staff reply is kept with the message that is it, by the batch and the one-message path alike", async () => {
    await t.call('PUT', '/api/v1/employees/me/availability', { token: sam.token, body: { availability: 'available' } });
    const p = await guest(t, 'First reply');
    const s = (await t.call('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'First reply' } })).body;
    const firstReplyAt = async () =>
      (await query<{ at: string | null }>(t.ctx.db, sql`select first_reply_at::text as at from chat_sessions where id = ${s.id}`))[0]!.at;
    const send = (token: string, clientMsgId: string) =>
      t.call('POST', `/api/v1/sessions/${s.id}/messages`, { token, body: { clientMsgId, body: clientMsgId } });
    expect((await send(p.token, 'patient-1')).status).toBe(201);
    expect(await firstReplyAt()).toBeNull();
    const holder = [joy, sam].find((e) => e.user.id === s.employee?.id);
    if (!holder) throw new Error(`the session went to ${JSON.stringify(s.employee)}, not Joy or Sam`);
    expect((await send(holder.token, 'staff-1')).status).toBe(201);
    const [first] = await query<{ at: string }>(
      t.ctx.db,
      sql`select created_at::text as at from messages where session_id = ${s.id} and client_msg_id = 'staff-1'`,
    );
    expect(await firstReplyAt()).toBe(first!.at);
    expect((await send(holder.token, 'staff-2')).status).toBe(201);
    expect((await send(p.token, 'patient-2')).status).toBe(201);
    expect(await firstReplyAt()).toBe(first!.at);

    // The one-message path (store.ts), which a batch leaves some sends to: a system line is not a reply, staff text is.
    const other = await guest(t, 'First reply, one by one');
    const o = (await t.call('POST', '/api/v1/sessions', { token: other.token, body: { reason: 'One by one' } })).body;
    const at = async () => (await query<{ at: string | null }>(t.ctx.db, sql`select first_reply_at::text as at from chat_sessions where id = ${o.id}`))[0]!.at;
    await t.ctx.db.transaction((tx) => appendMessage(tx, { sessionId: o.id, sender: null, kind: 'system', body: 'Joined' }));
    await t.ctx.db.transaction((tx) =>
      appendMessage(tx, { sessionId: o.id, sender: { id: other.user.id, role: 'patient', displayName: 'P' }, kind: 'text', body: 'hi' }),
    );
    expect(await at()).toBeNull();
    const reply = await t.ctx.db.transaction((tx) =>
      appendMessage(tx, { sessionId: o.id, sender: { id: joy.user.id, role: 'employee', displayName: 'Joy' }, kind: 'text', body: 'Hello' }),
    );
    expect(Date.parse((await at())!)).toBe(Date.parse(reply.createdAt));
  });
});

describe('a replay of a stored message', () => {
  test('publishes it again: the instance that stored it may have died before its publish reached the others', async () => {
    const first = await t.call('POST', path(), { token: patient.token, body: { clientMsgId: 'republish-1', body: 'Stored once' } });
    expect(first.status).toBe(201);
    const heard: unknown[] = [];
    const stop = t.ctx.bus.subscribe((e) => e.t === 'message.created' && e.sessionId === sessionId && heard.push(e.seq));
    try {
      const again = await t.call('POST', path(), { token: patient.token, body: { clientMsgId: 'republish-1', body: 'Stored once' } });
      expect(again.status).toBe(200);
      expect(heard).toEqual([first.body.seq]);
      expect(await messageRows('republish-1')).toBe(1);
    } finally {
      stop();
    }
  });
});
