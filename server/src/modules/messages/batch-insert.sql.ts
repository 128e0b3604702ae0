import { sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client';
import { preparedSql } from '../../db/prepared';
import { rowsOf } from '../../db/rows';
import { emailOutboxInsert } from '../emails/outbox';
import type { SendInput } from './send-input';

/** What the statement decided for one send, in input order. */
export interface Outcome {
  outcome: 'new' | 'existing' | 'conflict' | 'ended' | 'not_found' | 'not_party';
  /** The stored message (new or existing), when there is one. */
  id: string | null;
  seq: number | null;
  created_at: Date | string | null;
  /** The body stored earlier under the same client id (existing, conflict). */
  existing_body: string | null;
  /** The session's status when the statement locked it (`idle`: a patient writing brings it back to the queue). */
  status: string | null;
}

/**
 * One statement, one round trip, for a whole batch of sends. The input travels as one JSON parameter, so the
 * statement text never changes: it is prepared once per connection, not parsed, described and planned for every
 * batch (that took a batch of one message from 2.0 to 0.7 ms, bench/README.md).
 *
 * A prepared statement soon runs a generic plan, made once, maybe while the tables were empty, and kept as they
 * grow until autovacuum analyzes them. So each table is reached through an index, whatever the planner believes
 * about its size: a `lateral` probe by primary key for each session, and one by the unique index for earlier sends.
 * Written as plain joins, the plan made on an empty database scanned all messages for every batch; with
 * `id = any(…)`, a plan made while the sessions were a thousand rows not yet analyzed scanned them all (which also
 * grows with their dead row versions, one per batch that moves a counter). batch-insert.test.ts checks the plan.
 *
 * - `locked` takes the session rows FOR UPDATE in id order (no deadlock with another batch or the assignment
 *   engine): the probe runs once per session id, in the order of the sorted ids it is joined to. A row locked after
 *   waiting is its newest version, so `last_seq` and `status` are current.
 * - `earlier` finds sends already stored under the same (session, sender, client id). It reads the statement's
 *   snapshot: a send of the same client id committed by another instance in between makes the insert fail on
 *   the unique index, and the caller falls back to one transaction per message.
 * - `judged` applies the rules (./service.ts `sendOne` is the same rules, one message at a time): the session
 *   exists in the sender's clinic, the sender is its patient or the employee holding it (anyone else is decided
 *   by `sendOne`), a repeat returns the stored message or a conflict, an ended session takes no new message.
 *   `copy` numbers repeats of one client id inside the batch; only the first is stored.
 * - `fresh` hands out the next seqs per session in input order; `counters` moves `last_seq` to the highest, and
 *   marks the session's first staff reply (`first_reply_at`, read by the reports) when staff wrote in it first.
 * - `hooked`, `hook_events` and `hook_deliveries` write the webhook outbox (modules/webhooks/outbox.ts) for the new
 *   messages, in this same statement, so an event exists if and only if its message committed: only for clinics
 *   with an endpoint that wants `message.created` (one index probe per clinic otherwise), the text only where the
 *   clinic opted in (`webhook_message_text`). Identity values follow the `order by`, so a session's events keep
 *   seq order; the session row lock orders them after the session events of earlier transactions.
 * - `mailed` writes the email outbox (modules/emails/outbox.ts) for staff replies in chats whose patient gave an
 *   address: an index probe per session with a staff reply, nothing else.
 * - Message ids come with the input and `created_at` is the transaction's `now()`, so the answer needs no join back
 *   to the inserted rows (the planner cannot estimate CTE sizes and joined them pairwise: 80 of 127 ms at 500 sends).
 *   The ids are time-ordered (UUIDv7), so new keys land at the right edge of the primary key index instead of
 *   dirtying a random page (and, after each checkpoint, writing it whole to the WAL) for every message.
 */
export async function storeBatch(q: Queryable, inputs: SendInput[]): Promise<Outcome[]> {
  const batch = JSON.stringify(
    inputs.map((i) => ({ s: i.sessionId, u: i.actor.id, r: i.actor.role, k: i.actor.clinicId, b: i.body, c: i.clientMsgId, i: Bun.randomUUIDv7() })),
  );
  return rowsOf<Outcome>(await statement(q, { batch }));
}

/** The statement; the batch is passed as JSON text (drizzle encodes jsonb only for values it sees, not placeholders). */
export const STORE_BATCH = sql`
    with input as (
      select t.ord::int as ord, (t.x->>'i')::uuid as new_id, (t.x->>'s')::uuid as session_id, (t.x->>'u')::uuid as sender_id, t.x->>'r' as role,
             (t.x->>'k')::uuid as clinic_id, t.x->>'b' as body, t.x->>'c' as client_msg_id
      from jsonb_array_elements(${sql.placeholder('batch')}::jsonb) with ordinality as t(x, ord)
    ),
    locked as (
      select s.id, s.clinic_id, s.patient_id, s.employee_id, s.status, s.last_seq
      from (select distinct session_id from input order by session_id) i cross join lateral (
        select s.id, s.clinic_id, s.patient_id, s.employee_id, s.status, s.last_seq from chat_sessions s
        where s.id = i.session_id
        for update
      ) s
    ),
    earlier as (
      select i.ord, m.id, m.seq, m.body, m.created_at
      from input i cross join lateral (
        select m.id, m.seq, m.body, m.created_at from messages m
        where m.session_id = i.session_id and m.sender_id = i.sender_id and m.client_msg_id = i.client_msg_id
        limit 1
      ) m
    ),
    judged as (
      select i.ord, i.new_id, i.session_id, i.sender_id, i.role, i.body, i.client_msg_id, l.clinic_id, l.last_seq, l.status as session_status,
             e.id as earlier_id, e.seq as earlier_seq, e.body as earlier_body, e.created_at as earlier_at,
             case
               when l.id is null or l.clinic_id <> i.clinic_id then 'not_found'
               when (i.role = 'patient' and l.patient_id <> i.sender_id) or (i.role <> 'patient' and l.employee_id is distinct from i.sender_id) then 'not_party'
               when e.id is not null and e.body = i.body then 'existing'
               when e.id is not null then 'conflict'
               when l.status = 'ended' then 'ended'
               else 'new'
             end as outcome,
             row_number() over (partition by i.session_id, i.sender_id, i.client_msg_id order by i.ord) as copy
      from input i left join locked l on l.id = i.session_id left join earlier e on e.ord = i.ord
    ),
    fresh as (
      select j.ord, j.new_id, j.session_id, j.sender_id, j.role, j.body, j.client_msg_id, j.clinic_id,
             (j.last_seq + row_number() over (partition by j.session_id order by j.ord))::int as seq
      from judged j where j.outcome = 'new' and j.copy = 1
    ),
    inserted as (
      insert into messages (id, session_id, seq, sender_id, kind, body, client_msg_id, created_at)
      select new_id, session_id, seq, sender_id, 'text', body, client_msg_id, now() from fresh
    ),
    counters as (
      update chat_sessions s set last_seq = f.seq,
        first_reply_at = case when f.staff then coalesce(s.first_reply_at, now()) else s.first_reply_at end
      from (select session_id, max(seq) as seq, bool_or(role <> 'patient') as staff from fresh group by session_id) as f
      where s.id = f.session_id
      returning s.id
    ),
    hooked as (
      select distinct on (c.id) c.id as clinic_id, c.webhook_message_text as with_text
      from (select distinct clinic_id from fresh) f cross join lateral (
        select ep.clinic_id from webhook_endpoints ep where ep.clinic_id = f.clinic_id and 'message.created' = any(ep.events) limit 1
      ) ep cross join lateral (select c.id, c.webhook_message_text from clinics c where c.id = ep.clinic_id) c
    ),
    hook_events as (
      insert into webhook_events (clinic_id, type, session_id, payload)
      select f.clinic_id, 'message.created', f.session_id, jsonb_build_object(
               'type', 'message.created',
               'timestamp', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'data', jsonb_build_object('sessionId', f.session_id, 'messageId', f.new_id, 'seq', f.seq, 'senderId', f.sender_id, 'senderRole', f.role)
                       || case when h.with_text then jsonb_build_object('text', f.body) else '{}'::jsonb end)
      from fresh f join hooked h on h.clinic_id = f.clinic_id
      order by f.session_id, f.seq
      returning id, seq, clinic_id, session_id
    ),
    hook_deliveries as (
      insert into webhook_deliveries (event_id, endpoint_id, session_id, event_seq)
      select e.id, ep.id, e.session_id, e.seq
      from hook_events e cross join lateral (
        select ep.id from webhook_endpoints ep where ep.clinic_id = e.clinic_id and 'message.created' = any(ep.events)
      ) ep
    ),
    mailed as (${emailOutboxInsert(sql`(select session_id, min(seq) as seq from fresh where role <> 'patient' group by session_id)`)})
    select j.outcome, coalesce(f.new_id, j.earlier_id) as id, coalesce(f.seq, j.earlier_seq) as seq,
           case when f.ord is null then j.earlier_at else now() end as created_at, j.earlier_body as existing_body,
           j.session_status::text as status
    from judged j left join fresh f on f.ord = j.ord
    order by j.ord`;

const statement = preparedSql('store_message_batch', STORE_BATCH);
