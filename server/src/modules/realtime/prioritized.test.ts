import { expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { useTestServer } from '../../../../tests/helpers/server';
import { TestSocket } from '../../../../tests/helpers/socket';

setDefaultTimeout(60_000);

const s = useTestServer({ SWEEP_INTERVAL_MS: String(3600 * 1000) });

test('an urgent start and a change of priority reach available staff as ids only; staff who are not available hear nothing', async () => {
  const admin = await s.login('admin@demo.clinic');
  const intake = await s.call('PUT', '/api/v1/clinic/intake', {
    token: admin.token,
    body: { redFlags: [{ text: 'Chest pain or trouble breathing?' }], emergencyInstructions: '' },
  });
  const question = intake.body.redFlags[0].id as string;
  const [joy, sam] = await Promise.all([s.login('nurse.joy@demo.clinic'), s.login('nurse.sam@demo.clinic')]);
  // Joy is available but takes no chat (capacity 0), so the session stays waiting; Sam stays offline.
  await s.ctx.db.execute(sql`update users set capacity = 0 where email = 'nurse.joy@demo.clinic'`);
  await s.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  const [joySocket, samSocket] = await Promise.all([TestSocket.open(s.wsUrl, joy.token), TestSocket.open(s.wsUrl, sam.token)]);

  const patient = await s.guest('Canary Patientname');
  const started = await s.call('POST', '/api/v1/sessions', {
    token: patient.token,
    body: { reason: 'canary reason text', intake: { redFlags: [{ id: question, answer: true }] } },
  });
  expect(started.body).toMatchObject({ status: 'waiting', priority: 'urgent' });
  const announced = await joySocket.waitFor((e) => e.type === 'session.prioritized');
  expect(announced).toEqual({ type: 'session.prioritized', sessionId: started.body.id, priority: 'urgent', waiting: true, changedBy: null });

  const lowered = await s.call('POST', `/api/v1/sessions/${started.body.id}/priority`, {
    token: joy.token,
    body: { priority: 'routine', reason: 'Spoke on the phone' },
  });
  expect(lowered.status).toBe(200);
  const changed = await joySocket.waitFor((e) => e.type === 'session.prioritized' && e.priority === 'routine');
  expect(changed).toMatchObject({ sessionId: started.body.id, waiting: true, changedBy: joy.user.id });

  // Sam's socket heard the queue move, never the announcement; no frame to staff carries the patient's words.
  await samSocket.waitFor((e) => e.type === 'queue.changed');
  expect(samSocket.events.filter((e) => e.type === 'session.prioritized')).toEqual([]);
  expect(JSON.stringify(joySocket.events.filter((e) => e.type === 'session.prioritized'))).not.toMatch(/canary/i);
  joySocket.close();
  samSocket.close();
});
