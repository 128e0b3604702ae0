import { expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { useTestApp } from '../../../../tests/helpers/app';
import { genericPlan } from '../../../../tests/helpers/plans';
import { STORE_BATCH } from './batch-insert.sql';

setDefaultTimeout(60_000);

const t = useTestApp();

/** The plan Postgres keeps for the prepared statement once it stops planning each call, on this (nearly empty) database. */
const batchPlan = () => genericPlan(t.ctx.db, new PgDialect().sqlToQuery(STORE_BATCH).sql, `'[]'`);

test('the plan kept for the batch statement reaches sessions and messages through indexes, whatever their size', async () => {
  expect(await batchPlan()).not.toMatch(/Seq Scan on (messages|chat_sessions)/);
  // A thousand sessions, not analyzed yet: the planner takes their size from the table's pages, and an
  // `id = any(…)` filter over a sequential scan of every session looked cheaper than the index.
  await t.ctx.db.execute(sql`
    with patients as (
      insert into users (clinic_id, role, display_name)
      select c.id, 'patient', 'Patient ' || g from clinics c cross join generate_series(1, 1000) g where c.site_key = 'demo'
      returning id, clinic_id
    )
    insert into chat_sessions (clinic_id, patient_id, reason) select clinic_id, id, 'plan check' from patients`);
  const plan = await batchPlan();
  expect(plan).toContain('chat_sessions_pkey');
  expect(plan).toContain('messages_session_id_sender_id_client_msg_id_idx');
  expect(plan).not.toMatch(/Seq Scan on (messages|chat_sessions)/);
  // The webhook outbox part: endpoints by clinic, never a scan of every clinic's endpoints for every batch.
  expect(plan).toContain('webhook_endpoints_clinic_id_idx');
  expect(plan).not.toMatch(/Seq Scan on (webhook_endpoints|clinics)/);
});
