import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { useTestApp, guest, login } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { authenticate } from '../auth/service';
import { sendMessage } from './service';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const t = useTestApp();
type Who = { token: string; user: { id: string } };
let joy: Who;
const chats: Array<{ patient: Who; sessionId: string }> = [];

beforeAll(async () => {
  joy = await login(t, 'nurse.joy@demo.clinic');
  const admin = await login(t, 'admin@demo.clinic');
  expect((await t.call('PATCH', `/api/v1/employees/${joy.user.id}`, { token: admin.token, body: { capacity: 3 } })).status).toBe(200);
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  for (let i = 0; i < 3; i++) {
    const patient = await guest(t, `Batch ${i}`);
    const started = await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Batch' } });
    chats.push({ patient, sessionId: started.body.id });
  }
});

const send = (who: Who, sessionId: string, clientMsgId: string, body: string) =>
  t.call('POST', `/api/v1/sessions/${sessionId}/messages`, { token: who.token, body: { clientMsgId, body } });

const stored = (sessionId: string) =>
  query<{ seq: number; client_msg_id: string | null; sender_id: string | null; body: string }>(
    t.ctx.db,
    sql`select seq, client_msg_id, sender_id, body from messages where session_id = ${sessionId} order by seq`,
  );

describe('sends stored together', () => {
  test('many sends at once over several sessions: every one stored once, seqs gapless', async () => {
    for (const { patient, sessionId } of chats) {
      expect((await t.call('GET', `/api/v1/sessions/${sessionId}`, { token: patient.token })).body.employee.id).toBe(joy.user.id);
    }
    const sends = chats.flatMap(({ patient, sessionId }) => Array.from({ length: 15 }, (_, i) => () => send(patient, sessionId, `p${i}`, `patient says ${i}`)));
    const results = await Promise.all(sends.map((go) => go()));
    expect(results.every((r) => r.status === 201)).toBe(true);

    for (const { patient, sessionId } of chats) {
      const rows = await stored(sessionId);
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      // Concurrent HTTP requests have no order between them (one socket's frames do: seed-scenario.test.ts).
      const mine = rows.filter((r) => r.sender_id === patient.user.id).map((r) => r.client_msg_id);
      expect(mine.sort()).toEqual(Array.from({ length: 15 }, (_, i) => `p${i}`).sort());
    }
  });

  test('in one batch: a repeat gives the same message once, another body under the same id is a conflict, a refusal fails only itself', async () => {
    const [a, b] = chats as [(typeof chats)[0], (typeof chats)[0]];
    const before = (await stored(a.sessionId)).length;
    const [created, repeat, conflict, otherPatient, unknown, fine] = await Promise.all([
      send(a.patient, a.sessionId, 'dup', 'same words'),
      send(a.patient, a.sessionId, 'dup', 'same words'),
      send(a.patient, a.sessionId, 'dup', 'other words'),
      send(b.patient, a.sessionId, 'intruder', 'not my chat'),
      send(a.patient, crypto.randomUUID(), 'nowhere', 'no such chat'),
      send(b.patient, b.sessionId, 'fine', 'still stored'),
    ]);
    // Concurrent requests have no order: whichever body was stored first wins, the same body again gets that
    // message back, the other body a conflict.
    const rows = await stored(a.sessionId);
    expect(rows).toHaveLength(before + 1);
    const winner = rows.at(-1)!;
    expect(winner).toMatchObject({ client_msg_id: 'dup', seq: before + 1 });
    const bySame = [created!, repeat!];
    if (winner.body === 'same words') {
      expect(bySame.map((r) => r.status).sort()).toEqual([200, 201]);
      expect(bySame[0]!.body.id).toBe(bySame[1]!.body.id);
      expect(conflict!.status).toBe(409);
      expect(conflict!.body.error.code).toBe('idempotency_conflict');
    } else {
      expect(conflict!.status).toBe(201);
      for (const r of bySame) expect(r.body.error.code).toBe('idempotency_conflict');
    }
    expect(otherPatient!.status).toBe(404);
    expect(unknown!.status).toBe(404);
    expect(fine!.status).toBe(201);
  });

  test('sends made in one event-loop turn are decided together, each with its own answer, in order', async () => {
    const [a, b] = chats as [(typeof chats)[0], (typeof chats)[0]];
    const me = (await authenticate(t.ctx.db, a.patient.token))!;
    const stranger = (await authenticate(t.ctx.db, b.patient.token))!;
    await sendMessage(t.ctx, me, a.sessionId, { clientMsgId: 'turn-0', body: 'before' });
    // The batch must decide all of these itself, not give up and fall back to one transaction per message.
    const warnings: string[] = [];
    const warn = t.ctx.logger.warn;
    t.ctx.logger.warn = (event: string) => void warnings.push(event);
    const before = (await stored(a.sessionId)).length;
    const results = await Promise.allSettled([
      sendMessage(t.ctx, me, a.sessionId, { clientMsgId: 'turn-1', body: 'first' }),
      sendMessage(t.ctx, me, a.sessionId, { clientMsgId: 'turn-1', body: 'first' }),
      sendMessage(t.ctx, me, a.sessionId, { clientMsgId: 'turn-1', body: 'changed my mind' }),
      sendMessage(t.ctx, stranger, a.sessionId, { clientMsgId: 'turn-x', body: 'not mine' }),
      sendMessage(t.ctx, me, a.sessionId, { clientMsgId: 'turn-2', body: 'second' }),
      sendMessage(t.ctx, me, a.sessionId, { clientMsgId: 'turn-0', body: 'before' }),
    ]);
    t.ctx.logger.warn = warn;
    expect(warnings).toEqual([]);
    const [first, copy, conflict, stranger_, second, replay] = results;
    expect(first).toMatchObject({ status: 'fulfilled', value: { created: true, message: { seq: before + 1, body: 'first' } } });
    expect(copy).toMatchObject({ status: 'fulfilled', value: { created: false, message: { seq: before + 1 } } });
    expect(conflict).toMatchObject({ status: 'rejected', reason: { code: 'idempotency_conflict' } });
    expect(stranger_).toMatchObject({ status: 'rejected', reason: { code: 'session_not_found' } });
    expect(second).toMatchObject({ status: 'fulfilled', value: { created: true, message: { seq: before + 2 } } });
    expect(replay).toMatchObject({ status: 'fulfilled', value: { created: false, message: { seq: before, body: 'before' } } });
    expect((await stored(a.sessionId)).map((r) => r.client_msg_id).slice(before)).toEqual(['turn-1', 'turn-2']);
  });

  test('sends spread over many turns, while batches are being written, keep each session in send order', async () => {
    const senders = await Promise.all(chats.map(async (c) => ({ ...c, actor: (await authenticate(t.ctx.db, c.patient.token))! })));
    const before = new Map(await Promise.all(chats.map(async (c) => [c.sessionId, (await stored(c.sessionId)).length] as const)));
    const pending: Array<Promise<unknown>> = [];
    for (let turn = 0; turn < 8; turn++) {
      for (let i = 0; i < 5; i++)
        for (const c of senders) pending.push(sendMessage(t.ctx, c.actor, c.sessionId, { clientMsgId: `order-${turn}-${i}`, body: `turn ${turn} line ${i}` }));
      await Bun.sleep(turn % 2);
    }
    await Promise.all(pending);
    const expected = Array.from({ length: 8 }, (_, turn) => Array.from({ length: 5 }, (_, i) => `order-${turn}-${i}`)).flat();
    for (const c of chats) {
      const rows = (await stored(c.sessionId)).slice(before.get(c.sessionId));
      expect(rows.map((r) => r.client_msg_id)).toEqual(expected);
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => before.get(c.sessionId)! + i + 1));
    }
  });

  test('an employee who left can still replay a message sent while holding the session, beside new sends', async () => {
    const c = chats[2]!;
    const holder = joy;
    const sent = await send(holder, c.sessionId, 'before-leaving', 'I will hand you over');
    expect(sent.status).toBe(201);
    expect((await t.call('POST', `/api/v1/sessions/${c.sessionId}/leave`, { token: holder.token, body: {} })).status).toBe(200);

    const [replay, late, patientSend] = await Promise.all([
      send(holder, c.sessionId, 'before-leaving', 'I will hand you over'),
      send(holder, c.sessionId, 'after-leaving', 'one more thing'),
      send(c.patient, c.sessionId, 'still-here', 'thanks'),
    ]);
    expect(replay!.status).toBe(200);
    expect(replay!.body.id).toBe(sent.body.id);
    expect(late!.status).toBe(403);
    expect(late!.body.error.code).toBe('not_assigned');
    expect(patientSend!.status).toBe(201);
    const rows = await stored(c.sessionId);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    expect(rows.filter((r) => r.client_msg_id === 'after-leaving')).toHaveLength(0);
  });
});
