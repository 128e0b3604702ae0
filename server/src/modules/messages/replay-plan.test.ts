import { expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { useTestApp } from '../../../../tests/helpers/app';
import { genericPlan } from '../../../../tests/helpers/plans';
import { messagesAfterQuery } from './store';

setDefaultTimeout(60_000);

const t = useTestApp();

/** The plan Postgres keeps for the replay read once it stops planning each call. */
function replayPlan(): Promise<string> {
  const { sql: text, params } = messagesAfterQuery(t.ctx.db).toSQL();
  const values: Record<string, string> = { sessionId: `'00000000-0000-4000-8000-000000000000'`, after: '0', limit: '501' };
  const args = params.map((p) => (typeof p === 'object' && p !== null && 'name' in p ? values[(p as { name: string }).name] : String(p))).join(', ');
  return genericPlan(t.ctx.db, text, args);
}

test('the replay read finds each sender by primary key, however many users there are and whether or not they were analyzed', async () => {
  expect(await replayPlan()).not.toMatch(/Seq Scan on (messages|users)/);
  // A thousand patients, not analyzed yet, each with a chat and a message: as a join, the plan kept here read
  // every user for each read (a hash join over a sequential scan).
  await t.ctx.db.execute(sql`
    with patients as (
      insert into users (clinic_id, role, display_name)
      select c.id, 'patient', 'Patient ' || g from clinics c cross join generate_series(1, 1000) g where c.site_key = 'demo'
      returning id, clinic_id
    ), chats as (
      insert into chat_sessions (clinic_id, patient_id, reason, last_seq) select clinic_id, id, 'plan check', 1 from patients returning id, patient_id
    )
    insert into messages (session_id, seq, sender_id, kind, body) select id, 1, patient_id, 'text', 'hello' from chats`);
  expect(await replayPlan()).not.toMatch(/Seq Scan on (messages|users)/);
  // And once analyzed with a long chat: thousands of messages per session made a hash join over every user look
  // cheaper than a probe per message, which is what the servers of the benchmark chose.
  await t.ctx.db.execute(sql`
    insert into messages (session_id, seq, sender_id, kind, body)
    select s.id, 1 + g, s.patient_id, 'text', 'more' from (select id, patient_id from chat_sessions where reason = 'plan check' limit 3) s
    cross join generate_series(1, 5000) g`);
  await t.ctx.db.execute(sql`analyze messages`);
  await t.ctx.db.execute(sql`analyze users`);
  const plan = await replayPlan();
  expect(plan).toContain('users_pkey');
  expect(plan).not.toMatch(/Seq Scan on (messages|users)/);
});
