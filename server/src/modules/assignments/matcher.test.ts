import { beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { useTestServer } from '../../../../tests/helpers/server';
import { until } from '../../../../tests/helpers/until';
import { chatSessions, users } from '../../db/schema';

setDefaultTimeout(60_000);

const s = useTestServer({ SWEEP_INTERVAL_MS: '600000' });
beforeAll(async () => {
  // The sweeper (the slow backstop) is kept out of the way: only the matcher can make the match here.
});

test('a patient left waiting beside an employee with room is matched at once, not at the next sweep', async () => {
  const joy = await s.login('nurse.joy@demo.clinic');
  const patient = await s.guest('Left waiting');
  const started = await s.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Fever' } });
  expect(started.body.status).toBe('waiting');

  // What a start racing other transactions can leave behind (its SKIP LOCKED found every free employee row
  // locked): an available employee with room, and a waiting patient, both committed.
  await s.ctx.db.update(users).set({ availability: 'available' }).where(eq(users.id, joy.user.id));
  const sessionId = started.body.id as string;
  const clinicId = started.body.clinicId as string;
  await s.ctx.bus.publish([{ t: 'queue.changed', clinicId }]);

  await until(
    async () => {
      const [row] = await s.ctx.db
        .select({ status: chatSessions.status, employeeId: chatSessions.employeeId })
        .from(chatSessions)
        .where(eq(chatSessions.id, sessionId));
      return row?.status === 'active' && row.employeeId === joy.user.id;
    },
    'the matcher to give Joy the session',
    2000,
  );
});
