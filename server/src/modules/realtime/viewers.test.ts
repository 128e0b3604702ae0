/**
 * Who has a chat open: staff sockets say which session they show (`viewing.start` / `viewing.stop`), and staff
 * following or viewing it get `session.viewers`, pushed; a closed socket stops viewing. A patient can neither say
 * nor hear it. On Postgres, the same across two instances sharing one database and bus.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import type { EventOf, ServerEvent } from '@medchat/sdk/protocol';
import { connections, users } from '../../db/schema';
import { createTestDatabase, onPostgres, type TestDatabase } from '../../../../tests/helpers/database';
import { startTestServer, useTestServer, type TestServer } from '../../../../tests/helpers/server';
import { TestSocket } from '../../../../tests/helpers/socket';
import { until } from '../../../../tests/helpers/until';
import { sweep } from './presence';

setDefaultTimeout(60_000);

type Viewers = EventOf<'session.viewers'>;
const names = (e: ServerEvent) => (e as Viewers).viewers.map((v) => v.displayName);
/**
 * Does `action`, then waits for a `session.viewers` of the session that came after it and names exactly these
 * people, in name order.
 */
async function viewersAfter(ws: TestSocket, sessionId: string, expected: string[], action: () => unknown = () => {}) {
  const mark = ws.events.length;
  await action();
  const matches = (e: ServerEvent) => e.type === 'session.viewers' && e.sessionId === sessionId && JSON.stringify(names(e)) === JSON.stringify(expected);
  await until(() => ws.events.slice(mark).some(matches), `viewers ${expected.join(', ')}`, 10_000).catch((error) => {
    throw new Error(`${error}; got ${JSON.stringify(ws.events.slice(mark).map((e) => (e.type === 'session.viewers' ? names(e) : e.type)))}`);
  });
}
const ADMIN_AND_JOY = ['Dr. Ada Admin', 'Nurse Joy'];

/** A patient's session held by Nurse Joy, on `s`; the patient's socket follows it. */
async function heldSession(s: TestServer) {
  const joy = await s.login('nurse.joy@demo.clinic');
  await s.ctx.db.update(users).set({ capacity: 10 }).where(eq(users.id, joy.user.id));
  await s.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  const patient = await s.guest('Vera Viewed');
  const started = await s.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'A question' } });
  expect(started.body.employee?.displayName).toBe('Nurse Joy');
  return { joy, patient, sessionId: started.body.id as string };
}

describe('session viewers', () => {
  const s = useTestServer({ SWEEP_INTERVAL_MS: String(3600 * 1000) });

  test('the nurse in a chat and an admin reviewing it see each other; closing the socket stops viewing', async () => {
    const { joy, patient, sessionId } = await heldSession(s);
    const admin = await s.login('admin@demo.clinic');
    const [joyWs, adminWs, patientWs] = await Promise.all([
      TestSocket.open(s.wsUrl, joy.token),
      TestSocket.open(s.wsUrl, admin.token),
      TestSocket.open(s.wsUrl, patient.token),
    ]);
    for (const ws of [joyWs, patientWs]) expect((await ws.request({ type: 'subscribe', sessionId, lastSeq: 0 })).type).toBe('ack');

    await viewersAfter(joyWs, sessionId, ['Nurse Joy'], () => joyWs.request({ type: 'viewing.start', sessionId }));
    // The admin opens it (without following it): both hear of both.
    await viewersAfter(joyWs, sessionId, ADMIN_AND_JOY, () => adminWs.request({ type: 'viewing.start', sessionId }));
    await adminWs.waitFor((e) => e.type === 'session.viewers' && JSON.stringify(names(e)) === JSON.stringify(ADMIN_AND_JOY));
    // A second socket of Joy's viewing it too: she is named once.
    const joyTab = await TestSocket.open(s.wsUrl, joy.token);
    await viewersAfter(joyTab, sessionId, ADMIN_AND_JOY, () => joyTab.request({ type: 'viewing.start', sessionId }));
    joyTab.close();

    // The admin's socket closes: Joy sees she is alone again.
    await viewersAfter(joyWs, sessionId, ['Nurse Joy'], () => adminWs.close());
    // viewing.stop names a session the caller may read; on this one, Joy stops and hears no more of it.
    expect(await joyWs.request({ type: 'viewing.stop', sessionId: crypto.randomUUID() })).toMatchObject({ type: 'error', code: 'session_not_found' });
    expect((await joyWs.request({ type: 'viewing.stop', sessionId })).type).toBe('ack');
    const [row] = await s.ctx.db.select({ viewing: connections.viewingSessionId }).from(connections).where(eq(connections.userId, joy.user.id));
    expect(row).toEqual({ viewing: null });

    // The patient followed the chat all along and never heard who viewed it, and may not say it.
    expect(await patientWs.request({ type: 'viewing.start', sessionId })).toMatchObject({ type: 'error', code: 'forbidden' });
    await Bun.sleep(100);
    expect(patientWs.events.filter((e) => e.type === 'session.viewers')).toEqual([]);
    joyWs.close();
    patientWs.close();
  });

  test('staff who may not read the session cannot view it, and hear nothing of it', async () => {
    const { joy, sessionId } = await heldSession(s);
    const sam = await s.login('nurse.sam@demo.clinic');
    const [samWs, joyWs] = await Promise.all([TestSocket.open(s.wsUrl, sam.token), TestSocket.open(s.wsUrl, joy.token)]);
    expect(await samWs.request({ type: 'viewing.start', sessionId })).toMatchObject({ type: 'error', code: 'session_not_found' });
    await viewersAfter(joyWs, sessionId, ['Nurse Joy'], () => joyWs.request({ type: 'viewing.start', sessionId }));
    await Bun.sleep(100);
    expect(samWs.events.filter((e) => e.type === 'session.viewers')).toEqual([]);
    samWs.close();
    joyWs.close();
  });
});

describe.skipIf(!onPostgres)('session viewers across two instances (Postgres)', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    // The sweeper only by hand: the test runs it to clear a dead instance's rows.
    a = await startTestServer({ SWEEP_INTERVAL_MS: String(3600 * 1000) }, database);
    b = await startTestServer({ SWEEP_INTERVAL_MS: String(3600 * 1000) }, database);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  test('a nurse on one instance and an admin on the other see each other open the chat and leave it', async () => {
    const { joy, patient, sessionId } = await heldSession(a);
    const admin = await b.login('admin@demo.clinic');
    const joyWs = await TestSocket.open(a.wsUrl, joy.token);
    const adminWs = await TestSocket.open(b.wsUrl, admin.token);
    const patientWs = await TestSocket.open(b.wsUrl, patient.token);
    expect((await joyWs.request({ type: 'subscribe', sessionId, lastSeq: 0 })).type).toBe('ack');
    expect((await patientWs.request({ type: 'subscribe', sessionId, lastSeq: 0 })).type).toBe('ack');
    await viewersAfter(joyWs, sessionId, ['Nurse Joy'], () => joyWs.request({ type: 'viewing.start', sessionId }));
    await viewersAfter(joyWs, sessionId, ADMIN_AND_JOY, () => adminWs.request({ type: 'viewing.start', sessionId }));
    await adminWs.waitFor((e) => e.type === 'session.viewers' && JSON.stringify(names(e)) === JSON.stringify(ADMIN_AND_JOY));

    // The admin views another chat: on the nurse's instance, she is alone in hers again; and back.
    const other = await heldSession(a);
    await viewersAfter(joyWs, sessionId, ['Nurse Joy'], () => adminWs.request({ type: 'viewing.start', sessionId: other.sessionId }));
    await viewersAfter(joyWs, sessionId, ADMIN_AND_JOY, () => adminWs.request({ type: 'viewing.start', sessionId }));
    // The admin's socket closes on instance B: Joy on A sees it.
    await viewersAfter(joyWs, sessionId, ['Nurse Joy'], () => adminWs.close());

    // A socket of an instance that died (its row's heartbeat stale) still reads as viewing, until a sweep clears it.
    await a.ctx.db.insert(connections).values({
      id: crypto.randomUUID(),
      userId: admin.user.id,
      instanceId: 'dead',
      heartbeatAt: new Date(Date.now() - 3600_000),
      viewingSessionId: sessionId,
    });
    await viewersAfter(joyWs, sessionId, ADMIN_AND_JOY, async () => {
      await joyWs.request({ type: 'viewing.stop', sessionId });
      await joyWs.request({ type: 'viewing.start', sessionId });
    });
    await viewersAfter(joyWs, sessionId, ['Nurse Joy'], () => sweep(b.ctx, b.hub));

    await Bun.sleep(200);
    expect(patientWs.events.filter((e) => e.type === 'session.viewers')).toEqual([]);
    for (const ws of [joyWs, patientWs]) ws.close();
  });
});
