/**
 * Bytes on disk per stored message, for the growth figures of docs/operations/scaling.md: a fresh database with the
 * real schema and indexes, one session per 20 messages, bodies of a given mean length (default 80 characters, a
 * short chat line), then the messages table's heap, indexes and TOAST divided by the row count.
 *
 *   bun run bench/message-size.ts [--messages=200000] [--body=80]
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { migrateDatabase, openDatabase } from '../server/src/db/client';
import { seedDemo } from '../server/src/db/seed';

process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
const { createTestDatabase } = await import('../tests/helpers/database');

const { values } = parseArgs({ options: { messages: { type: 'string', default: '200000' }, body: { type: 'string', default: '80' } } });
const MESSAGES = Number(values.messages);
const BODY = Number(values.body);
const PER_SESSION = 20;

const database = await createTestDatabase();
const handle = openDatabase({ url: database.url });
// The bulk statements run for seconds: on a plain client, not the app's pool with its 1.5 s silence deadline.
const bulk = postgres(database.url!, { max: 1, onnotice: () => {} });
try {
  await migrateDatabase(handle);
  const clinic = await seedDemo(handle.db);
  const sessions = Math.ceil(MESSAGES / PER_SESSION);
  // One patient per session (one open session per patient), sessions ended so that none is left open.
  await bulk`
    insert into users (clinic_id, role, display_name)
    select ${clinic.id}, 'patient', 'Patient ' || g from generate_series(1, ${sessions}) g`;
  await bulk`
    insert into chat_sessions (clinic_id, patient_id, status, reason, last_seq, ended_at)
    select ${clinic.id}, u.id, 'ended', 'Benchmark', ${PER_SESSION}, now() from users u where u.clinic_id = ${clinic.id} and u.role = 'patient' and u.display_name like 'Patient %'`;
  await bulk`
    insert into messages (session_id, seq, sender_id, body, client_msg_id)
    select s.id, g, s.patient_id, left(repeat(md5(random()::text), 10), ${BODY}), gen_random_uuid()::text
      from chat_sessions s cross join generate_series(1, ${PER_SESSION}) g where s.clinic_id = ${clinic.id} and s.status = 'ended'`;
  await bulk`vacuum analyze messages`;
  const [row] = await bulk<{ n: number; heap: number; indexes: number; total: number }[]>`
    select count(*)::float8 as n, pg_relation_size('messages')::float8 as heap,
           pg_indexes_size('messages')::float8 as indexes, pg_total_relation_size('messages')::float8 as total
      from messages`;
  const per = (bytes: number) => (bytes / row!.n).toFixed(0);
  console.log(`| messages | body chars | heap B/message | indexes B/message | total B/message |`);
  console.log(`|---|---|---|---|---|`);
  console.log(`| ${row!.n} | ${BODY} | ${per(row!.heap)} | ${per(row!.indexes)} | ${per(row!.total)} |`);
} finally {
  await bulk.end();
  await handle.close();
  await database.drop();
}
