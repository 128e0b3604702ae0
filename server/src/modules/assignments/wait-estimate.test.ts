/**
 * Honest waits: the estimate comes from the clinic's measured waits (a seeded history, a controlled clock), the
 * 80th percentile of sessions that joined at the same place or further back; no number without enough of them,
 * without staff available, or while the clinic is closed. On the embedded database and on Postgres.
 */
import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { eq } from 'drizzle-orm';
import { login, useTestApp } from '../../../../tests/helpers/app';
import { chatSessions, clinics, users } from '../../db/schema';
import { estimateWait, measuredWaits, MIN_SAMPLES, queueStatusFor } from './wait-estimate';

setDefaultTimeout(60_000);

const t0 = new Date('2026-06-10T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

describe('the estimate (pure)', () => {
  test('the place each sample joined at is counted from the sessions still unassigned then; instant assignments are not waits', () => {
    const waits = measuredWaits([
      { createdAt: at(0), firstAssignedAt: at(100), priority: 'routine' as const },
      { createdAt: at(10), firstAssignedAt: at(200), priority: 'routine' as const }, // joined behind the first
      { createdAt: at(20), firstAssignedAt: at(300), priority: 'routine' as const }, // behind both
      { createdAt: at(400), firstAssignedAt: at(400.5), priority: 'routine' as const }, // a free slot was there: not a wait
    ]);
    expect(waits).toEqual([
      { place: 1, seconds: 100, priority: 'routine' },
      { place: 2, seconds: 190, priority: 'routine' },
      { place: 3, seconds: 280, priority: 'routine' },
    ]);
  });

  test('the 80th percentile of those at this place or further back; too few of them: null', () => {
    const waits = [60, 70, 80, 90, 600].map((seconds) => ({ place: 1, seconds, priority: 'routine' as const }));
    expect(estimateWait(waits, 1)).toBe(90); // 4 of 5 waited at most 90 s: the outlier does not set the number
    expect(estimateWait(waits, 2)).toBeNull();
    expect(estimateWait(waits.slice(0, MIN_SAMPLES - 1), 1)).toBeNull();
    const deeper = [...waits, ...[300, 320, 340, 360, 380].map((seconds) => ({ place: 3, seconds, priority: 'routine' as const }))];
    expect(estimateWait(deeper, 2)).toBe(360); // only place 3 and further back count for place 2: never the short waits of place 1
    expect(estimateWait(deeper, 1)).toBe(360);
  });
});

describe('the estimate apart per priority (pure)', () => {
  test('an urgent sample counts only urgent sessions ahead; a routine one counts urgent ones too; each priority is estimated from its own waits', () => {
    const waits = measuredWaits([
      { createdAt: at(0), firstAssignedAt: at(500), priority: 'routine' },
      { createdAt: at(10), firstAssignedAt: at(60), priority: 'urgent' }, // joined behind a routine one: still first
      { createdAt: at(20), firstAssignedAt: at(120), priority: 'urgent' }, // behind one urgent
      { createdAt: at(30), firstAssignedAt: at(700), priority: 'routine' }, // behind two urgent and one routine
    ]);
    expect(waits.map((w) => w.place)).toEqual([1, 1, 2, 4]);
    const urgent = [40, 50, 60, 70, 80].map((seconds) => ({ place: 1, seconds, priority: 'urgent' as const }));
    const routine = [400, 500, 600, 700, 800].map((seconds) => ({ place: 1, seconds, priority: 'routine' as const }));
    expect(estimateWait([...urgent, ...routine], 1, 'urgent')).toBe(70);
    expect(estimateWait([...urgent, ...routine], 1, 'routine')).toBe(700);
    expect(estimateWait(routine, 1, 'urgent')).toBeNull(); // never an urgent patient's number from routine waits
  });
});

describe('what a waiting patient is told (database)', () => {
  const t = useTestApp();
  let clinicId: string;
  let patientId: string;
  let nurse: string;

  beforeAll(async () => {
    const admin = await login(t, 'admin@demo.clinic');
    nurse = (await login(t, 'nurse.joy@demo.clinic')).token;
    clinicId = (await t.call('GET', '/api/v1/auth/me', { token: admin.token })).body.clinicId;
    const [p] = await t.ctx.db.insert(users).values({ clinicId, role: 'patient', displayName: 'History' }).returning({ id: users.id });
    patientId = p!.id;
  });

  const seed = (rows: Array<{ startedSecondsAgo: number; waited: number }>, now: Date) =>
    t.ctx.db.insert(chatSessions).values(
      rows.map((r) => {
        const createdAt = new Date(now.getTime() - r.startedSecondsAgo * 1000);
        return {
          clinicId,
          patientId,
          reason: 'seeded',
          status: 'ended' as const,
          createdAt,
          firstAssignedAt: new Date(createdAt.getTime() + r.waited * 1000),
          endedAt: new Date(createdAt.getTime() + r.waited * 1000 + 60_000),
        };
      }),
    );

  test('no staff available, too little history, closed: no number', async () => {
    const now = new Date();
    expect((await queueStatusFor(t.ctx, clinicId, now))(1)).toEqual({ position: 1, estimatedWaitSeconds: null, isStaffAvailable: false });
    await t.call('PUT', '/api/v1/employees/me/availability', { token: nurse, body: { availability: 'available' } });
    // Available, but no history yet.
    expect((await queueStatusFor(t.ctx, clinicId, now))(1)).toEqual({ position: 1, estimatedWaitSeconds: null, isStaffAvailable: true });
  });

  test('with a seeded history: the measured percentile; older than the window or another clinic’s: not counted', async () => {
    const now = new Date();
    // Five sessions an hour apart, each alone in the queue, waiting 2, 3, 4, 5 and 20 minutes.
    await seed(
      [120, 180, 240, 300, 1200].map((waited, i) => ({ startedSecondsAgo: 3600 * (i + 1), waited })),
      now,
    );
    // A month ago, everybody waited an hour: outside the window.
    await seed(
      [1, 2, 3, 4, 5, 6].map((i) => ({ startedSecondsAgo: 30 * 86_400 + i * 4000, waited: 3600 })),
      now,
    );
    // Another clinic's waits never count.
    const [other] = await t.ctx.db.insert(clinics).values({ name: 'Other', siteKey: 'other-waits', identitySecret: 'x' }).returning({ id: clinics.id });
    const [otherPatient] = await t.ctx.db.insert(users).values({ clinicId: other!.id, role: 'patient', displayName: 'O' }).returning({ id: users.id });
    await t.ctx.db.insert(chatSessions).values(
      [1, 2, 3, 4, 5].map((i) => ({
        clinicId: other!.id,
        patientId: otherPatient!.id,
        reason: 'x',
        status: 'ended' as const,
        createdAt: new Date(now.getTime() - i * 60_000),
        firstAssignedAt: new Date(now.getTime() - i * 60_000 + 1000),
        endedAt: now,
      })),
    );
    const status = await queueStatusFor(t.ctx, clinicId, now);
    expect(status(1)).toEqual({ position: 1, estimatedWaitSeconds: 300, isStaffAvailable: true });
    // Nobody ever waited behind another here: no number for place 2.
    expect(status(2).estimatedWaitSeconds).toBeNull();
    // The same history read a month later (the clock moved): it has left the window.
    expect((await queueStatusFor(t.ctx, clinicId, new Date(now.getTime() + 20 * 86_400_000)))(1).estimatedWaitSeconds).toBeNull();
  });

  test('closed by its hours: no number, whatever the history says', async () => {
    const admin = await login(t, 'admin@demo.clinic');
    const res = await t.call('PUT', '/api/v1/clinic/hours', {
      token: admin.token,
      body: { hasSchedule: true, timeZone: 'UTC', weekly: [], closures: [], afterHoursText: '' },
    });
    expect(res.status).toBe(200);
    expect((await queueStatusFor(t.ctx, clinicId))(1)).toEqual({ position: 1, estimatedWaitSeconds: null, isStaffAvailable: true });
    await t.call('PUT', '/api/v1/clinic/hours', { token: admin.token, body: { ...res.body, hasSchedule: false } });
    await t.ctx.db.update(users).set({ availability: 'offline' }).where(eq(users.role, 'employee'));
  });
});
