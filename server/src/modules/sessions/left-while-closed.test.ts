/**
 * Messages left after hours: a chat started while the clinic is closed by its hours is allowed, marked
 * `leftWhileClosed` by the server's clock (never the client's word), and queued like any other. When a nurse comes
 * on shift next morning they are assigned urgent first, then oldest first. The clock is the context's (`ctx.clock`),
 * moved by the test from night to morning.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { ClinicHours } from '@medchat/sdk/protocol';
import { guest, login, useTestApp } from '../../../../tests/helpers/app';

setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
const t = useTestApp();
let admin: Who;
let joy: Who;
let chest: string;

// Weekdays 09:00–17:00 in Madrid. Tuesday 2 March 2027: 03:00 there is night, 09:30 is morning.
const NIGHT = new Date('2027-03-02T02:00:00Z');
const MORNING = new Date('2027-03-02T08:30:00Z');
const HOURS: ClinicHours = {
  hasSchedule: true,
  timeZone: 'Europe/Madrid',
  weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: '09:00', close: '17:00' })),
  closures: [],
  afterHoursText: 'We answer from 9 on weekdays.',
};

const setClock = (at: Date) => {
  t.ctx.clock = () => at;
};
const start = async (name: string, reason: string, urgent = false, extra: Record<string, unknown> = {}) => {
  const p = await guest(t, name);
  const res = await t.call('POST', '/api/v1/sessions', {
    token: p.token,
    body: { reason, ...(urgent ? { intake: { redFlags: [{ id: chest, answer: true }] } } : {}), ...extra },
  });
  return { ...res, patient: p };
};
const queue = async () => (await t.call('GET', '/api/v1/queue', { token: joy.token })).body;

beforeAll(async () => {
  [admin, joy] = (await Promise.all([login(t, 'admin@demo.clinic'), login(t, 'nurse.joy@demo.clinic')])) as [Who, Who];
  expect((await t.call('PUT', '/api/v1/clinic/hours', { token: admin.token, body: HOURS })).status).toBe(200);
  const intake = await t.call('PUT', '/api/v1/clinic/intake', {
    token: admin.token,
    body: { redFlags: [{ text: 'Chest pain or trouble breathing?' }], emergencyInstructions: '' },
  });
  chest = intake.body.redFlags[0].id;
  // Two chats at a time, so that one of three stays waiting when Joy comes on shift.
  await t.ctx.db.execute(sql`update users set capacity = 2 where id = ${joy.user.id}`);
});

afterAll(() => {
  t.ctx.clock = () => new Date();
});

describe('a chat started while the clinic is closed', () => {
  const night: Record<string, string> = {};

  test('is allowed and marked left while closed; the queue shows it, urgent first, then oldest first', async () => {
    setClock(NIGHT);
    expect((await t.call('GET', '/api/v1/clinics/demo')).body.hours.isOpen).toBe(false);
    for (const [name, urgent] of [
      ['Ana Early', false],
      ['Ben Later', false],
      ['Cy Urgent', true],
    ] as const) {
      const res = await start(name, `Left by ${name}`, urgent);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'waiting', leftWhileClosed: true, priority: urgent ? 'urgent' : 'routine' });
      night[name] = res.body.id;
      // The patient reads it back the same way.
      expect((await t.call('GET', `/api/v1/sessions/${res.body.id}`, { token: res.patient.token })).body.leftWhileClosed).toBe(true);
    }
    const { waiting } = await queue();
    expect(
      waiting.map((w: { patient: { displayName: string }; leftWhileClosed: boolean; position: number }) => [
        w.patient.displayName,
        w.leftWhileClosed,
        w.position,
      ]),
    ).toEqual([
      ['Cy Urgent', true, 1],
      ['Ana Early', true, 2],
      ['Ben Later', true, 3],
    ]);
  });

  test('the client cannot mark a chat: the mark is the server’s, from its clock', async () => {
    setClock(MORNING);
    const res = await start('Dee Daytime', 'Started while open', false, { leftWhileClosed: true });
    // Either refused as an unknown field or ignored: never stored as left while closed.
    if (res.status === 201) expect(res.body.leftWhileClosed).toBe(false);
    else expect(res.status).toBe(400);
    const open = await start('Eve Open', 'Started while open');
    expect(open.status).toBe(201);
    expect(open.body.leftWhileClosed).toBe(false);
    const { waiting } = await queue();
    expect(waiting.at(-1)).toMatchObject({ patient: { displayName: 'Eve Open' }, leftWhileClosed: false });
  });

  test('next morning the nurse comes on shift: the chats left overnight go to her urgent first, then oldest first', async () => {
    setClock(MORNING);
    expect((await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } })).status).toBe(200);
    const mine = (await t.call('GET', '/api/v1/sessions?status=active', { token: joy.token })).body.sessions;
    expect(mine.map((s: { id: string }) => s.id).sort()).toEqual([night['Cy Urgent'], night['Ana Early']].sort());
    expect(mine.every((s: { leftWhileClosed: boolean }) => s.leftWhileClosed)).toBe(true);
    // Ben, left overnight too, is first in line for the next free place, before anyone who wrote this morning.
    const { waiting } = await queue();
    expect(waiting[0]).toMatchObject({ sessionId: night['Ben Later'], leftWhileClosed: true, position: 1 });
    expect(waiting.slice(1).every((w: { leftWhileClosed: boolean }) => !w.leftWhileClosed)).toBe(true);
    await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'offline' } });
  });
});
