import { expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { useTestServer } from '../../../../tests/helpers/server';
import { TestSocket } from '../../../../tests/helpers/socket';

setDefaultTimeout(60_000);

const s = useTestServer({ SWEEP_INTERVAL_MS: String(3600 * 1000) });

test('staff see the whole queue length and a waiting patient their place, with more than a page of patients waiting', async () => {
  const nurse = await s.login('nurse.joy@demo.clinic');
  const staffSocket = await TestSocket.open(s.wsUrl, nurse.token);
  // 600 patients already waiting (nobody is available), written straight to the database.
  await s.ctx.db.execute(sql`
    with p as (
      insert into users (clinic_id, role, display_name)
      select c.id, 'patient', 'Waiting ' || g from clinics c, generate_series(1, 600) g where c.site_key = 'demo'
      returning id, clinic_id
    )
    insert into chat_sessions (clinic_id, patient_id, reason) select clinic_id, id, 'queue' from p`);

  const patient = await s.guest('Last in line');
  const patientSocket = await TestSocket.open(s.wsUrl, patient.token);
  const started = await s.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Queue' } });
  expect(started.body.status).toBe('waiting');

  const queue = await staffSocket.waitFor((e) => e.type === 'queue.changed');
  expect(queue).toMatchObject({ type: 'queue.changed', waiting: 601 });
  const place = await patientSocket.waitFor((e) => e.type === 'session.waiting' && e.session.id === started.body.id);
  expect(place).toMatchObject({ queue: { position: 601 } });
  staffSocket.close();
  patientSocket.close();
});
