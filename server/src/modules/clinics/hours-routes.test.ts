/**
 * Opening hours through the API: the admin's GET/PUT (validated, audited), the public lookup's status, and the
 * `clinic.opened` / `clinic.closed` frames, sent on an admin's change and when the sweep finds an hour has turned.
 */
import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { eq } from 'drizzle-orm';
import type { ClinicHours, Role, ServerEvent } from '@medchat/sdk/protocol';
import { login, useTestApp } from '../../../../tests/helpers/app';
import { expectError } from '../../../../tests/helpers/expect';
import { until } from '../../../../tests/helpers/until';
import { auditLog } from '../../db/schema';
import { Hub, type Conn } from '../realtime/hub';

setDefaultTimeout(60_000);

const t = useTestApp();
let admin: { token: string; user: { id: string } };
let nurse: { token: string; user: { id: string } };
let clinicId: string;

beforeAll(async () => {
  admin = await login(t, 'admin@demo.clinic');
  nurse = await login(t, 'nurse.joy@demo.clinic');
  clinicId = (await t.call('GET', '/api/v1/auth/me', { token: admin.token })).body.clinicId;
});

const everyDay = (open: string, close: string) => [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open, close }));
const hours = (over: Partial<ClinicHours> = {}): ClinicHours => ({
  hasSchedule: true,
  timeZone: 'Europe/Madrid',
  weekly: everyDay('00:00', '24:00'),
  closures: [],
  afterHoursText: 'We answer on weekdays from 9.',
  ...over,
});
const put = (body: unknown, token = admin.token) => t.call('PUT', '/api/v1/clinic/hours', { token, body });
const publicHours = async () => (await t.call('GET', '/api/v1/clinics/demo')).body.hours;

describe('clinic hours', () => {
  test('a clinic that never set hours is open around the clock', async () => {
    expect((await t.call('GET', '/api/v1/clinic/hours', { token: admin.token })).body).toEqual({
      hasSchedule: false,
      timeZone: 'UTC',
      weekly: [],
      closures: [],
      afterHoursText: '',
    });
    expect(await publicHours()).toMatchObject({ isOpen: true, nextOpenAt: null, closesAt: null, isStaffAvailable: false });
  });

  test('PUT stores the hours in canonical order, is audited, and the public lookup follows', async () => {
    const res = await put(hours({ closures: ['2027-01-06', '2026-12-25'] }));
    expect(res.status).toBe(200);
    expect(res.body.closures).toEqual(['2026-12-25', '2027-01-06']);
    expect((await t.call('GET', '/api/v1/clinic/hours', { token: admin.token })).body).toEqual(res.body);
    const rows = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'clinic.hours_changed'));
    expect(rows.map((r) => r.actorId)).toEqual([admin.user.id]);
    // No opening hour ever: closed, with the clinic's words and no next opening.
    expect((await put(hours({ weekly: [] }))).status).toBe(200);
    expect(await publicHours()).toEqual({
      isOpen: false,
      isStaffAvailable: false,
      nextOpenAt: null,
      closesAt: null,
      afterHoursText: 'We answer on weekdays from 9.',
    });
  });

  test('the public status says whether staff are available', async () => {
    await t.call('PUT', '/api/v1/employees/me/availability', { token: nurse.token, body: { availability: 'available' } });
    try {
      expect((await publicHours()).isStaffAvailable).toBe(true);
    } finally {
      await t.call('PUT', '/api/v1/employees/me/availability', { token: nurse.token, body: { availability: 'offline' } });
    }
  });

  test('refused: an unknown zone, impossible dates, overlapping or backwards intervals, control characters, non-admins', async () => {
    const before = (await t.call('GET', '/api/v1/clinic/hours', { token: admin.token })).body;
    expectError(await put(hours({ timeZone: 'Mars/Olympus' })), 400, 'invalid_request');
    expectError(await put(hours({ closures: ['2026-02-30'] })), 400, 'invalid_request');
    expectError(await put(hours({ weekly: [{ day: 1, open: '12:00', close: '09:00' }] })), 400, 'invalid_request');
    expectError(
      await put(
        hours({
          weekly: [
            { day: 1, open: '09:00', close: '13:00' },
            { day: 1, open: '12:00', close: '14:00' },
          ],
        }),
      ),
      400,
      'invalid_request',
    );
    expect([400, 422]).toContain((await put(hours({ weekly: [{ day: 8, open: '09:00', close: '10:00' }] }))).status);
    expect([400, 422]).toContain((await put(hours({ weekly: [{ day: 1, open: '9:00', close: '10:00' }] }))).status);
    expectError(await put(hours({ afterHoursText: 'closed\u0000' })), 400, 'invalid_request');
    expect([401, 403]).toContain((await put(hours(), nurse.token)).status);
    expect([401, 403]).toContain((await t.call('GET', '/api/v1/clinic/hours', { token: nurse.token })).status);
    expect((await t.call('GET', '/api/v1/clinic/hours', { token: admin.token })).body).toEqual(before);
  });
});

describe('clinic.opened / clinic.closed frames', () => {
  /** A socket of this instance that records the frames it is sent. */
  function socketOf(id: string, role: Role) {
    const frames: ServerEvent[] = [];
    const conn: Conn = {
      id: crypto.randomUUID(),
      actor: { id, clinicId, role, displayName: 'x', tokenHash: crypto.randomUUID(), mfaPending: false },
      socket: { send: (data) => (frames.push(JSON.parse(data)), data.length), close: () => {} },
      subs: new Map(),
      closed: false,
      outbox: null,
      outboxSize: 0,
    };
    return { conn, frames };
  }

  test('an admin’s change reaches every socket of the clinic at once; the turn of an hour reaches them at the next sweep', async () => {
    const hub = new Hub(t.ctx);
    const patient = socketOf(crypto.randomUUID(), 'patient');
    const staff = socketOf(nurse.user.id, 'employee');
    try {
      // Open every day 08:00–20:00 in Madrid; 2026-06-10 is a Wednesday (UTC+2).
      await put(hours({ weekly: everyDay('08:00', '20:00') }));
      hub.add(patient.conn);
      hub.add(staff.conn);
      await hub.checkOpening(new Date('2026-06-10T12:00:00Z')); // open: the baseline
      await hub.checkOpening(new Date('2026-06-10T17:59:59Z')); // still open: nothing sent
      await new Promise((resolve) => setImmediate(resolve));
      expect(patient.frames).toEqual([]);
      await hub.checkOpening(new Date('2026-06-10T18:00:00Z')); // 20:00 local: closed
      await new Promise((resolve) => setImmediate(resolve));
      for (const { frames } of [patient, staff]) {
        expect(frames).toHaveLength(1);
        expect(frames[0]).toMatchObject({ type: 'clinic.closed', hours: { isOpen: false, nextOpenAt: '2026-06-11T06:00:00.000Z' } });
      }
      await hub.checkOpening(new Date('2026-06-11T06:00:00Z')); // 08:00 local next day: open
      await new Promise((resolve) => setImmediate(resolve));
      expect(patient.frames.at(-1)).toMatchObject({ type: 'clinic.opened', hours: { isOpen: true, closesAt: '2026-06-11T18:00:00.000Z' } });

      // The admin turns the schedule off: open around the clock, sent at once (through the bus, as on every instance).
      patient.frames.length = 0;
      await put({ ...hours(), hasSchedule: false });
      await until(() => patient.frames.length > 0, 'the frame of the change');
      expect(patient.frames).toEqual([{ type: 'clinic.opened', hours: expect.objectContaining({ isOpen: true, closesAt: null }) }]);
    } finally {
      hub.remove(patient.conn);
      hub.remove(staff.conn);
      hub.stop();
    }
  });
});
