/**
 * Postgres CPU per stored message, by batch size: `bun run bench/batch-cost.ts [sizes…]` (default 1 5 20 100 400).
 * A fresh database with 1,000 open sessions; for each size, batches of that many sends (each over distinct
 * sessions, as the writer builds them) go one after another through the server's own batch statement for about
 * 3 s, on one connection. Prints the wall time per batch and the CPU time of the Postgres backend serving that
 * connection (from /proc), per batch and per message, alone and followed by a NOTIFY as in the server. The
 * backend's pid is printed first, for `perf record -g -p <pid>`. With `--webhook` the clinic has an endpoint that
 * wants `message.created`, so each batch also writes the webhook outbox rows (an event and a delivery per message).
 */
import { sql } from 'drizzle-orm';
import { migrateDatabase, openDatabase } from '../server/src/db/client';
import { rowsOf } from '../server/src/db/rows';
import { storeBatch } from '../server/src/modules/messages/batch-insert.sql';
import type { SendInput } from '../server/src/modules/messages/writer';
import { cpuTimeMs } from './lib/procs';

const SESSIONS = 1000;
const SECONDS = 3;
const withWebhook = process.argv.includes('--webhook');
const sizes = process.argv
  .slice(2)
  .filter((a) => a !== '--webhook')
  .map(Number)
  .filter((n) => n > 0);
// Read when the helper loads: set first, as in run.ts.
process.env.TEST_DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
const { createTestDatabase } = await import('../tests/helpers/database');
const target = await createTestDatabase();
const handle = openDatabase({ url: target.url!, poolSize: 1 });
const { db } = handle;
try {
  await migrateDatabase(handle);
  const sessions = rowsOf<{ id: string; patient_id: string; clinic_id: string }>(
    await db.execute(sql`
      with clinic as (insert into clinics (name, site_key, identity_secret) values ('Bench', 'bench', 'unused') returning id),
      patients as (insert into users (clinic_id, role, display_name) select clinic.id, 'patient', 'Patient ' || g from clinic, generate_series(1, ${SESSIONS}) g returning id, clinic_id)
      insert into chat_sessions (clinic_id, patient_id, reason) select clinic_id, id, 'benchmark' from patients returning id, patient_id, clinic_id`),
  );
  if (withWebhook)
    await db.execute(sql`
      insert into webhook_endpoints (clinic_id, url, events, secret)
      values (${sessions[0]!.clinic_id}, 'https://hooks.example/in', array['message.created'], 'whsec_dW51c2Vk')`);
  const { pid } = rowsOf<{ pid: number }>(await db.execute(sql`select pg_backend_pid() as pid`))[0]!;
  console.log(`Postgres backend pid ${pid}`);

  let next = 0;
  const send = (): SendInput => {
    const s = sessions[next % SESSIONS]!;
    const n = next++;
    return {
      actor: { id: s.patient_id, role: 'patient', clinicId: s.clinic_id, displayName: 'Patient' } as SendInput['actor'],
      sessionId: s.id,
      clientMsgId: `c${n}`,
      body: 'A message of ordinary length, as a patient would write it.',
    };
  };
  for (const size of sizes.length ? sizes : [1, 5, 20, 100, 400]) {
    for (const notify of [false, true]) {
      let batches = 0;
      const cpu = cpuTimeMs(pid);
      const started = performance.now();
      while (performance.now() - started < SECONDS * 1000) {
        await storeBatch(db, Array.from({ length: size }, send));
        if (notify) await db.execute(sql`select pg_notify('bench', ${'x'.repeat(200)})`);
        batches++;
      }
      const ms = performance.now() - started;
      const cpuMs = cpuTimeMs(pid) - cpu;
      const label = `batch of ${String(size).padStart(3)}${notify ? ' + NOTIFY' : '         '}`;
      console.log(
        `${label}: ${(ms / batches).toFixed(2)} ms per batch; Postgres CPU ${(cpuMs / batches).toFixed(2)} ms per batch, ${((cpuMs * 1000) / (batches * size)).toFixed(0)} µs per message; ${Math.round(((batches * size) / ms) * 1000)} msgs/s`,
      );
    }
  }
} finally {
  await handle.close();
  await target.drop();
}
