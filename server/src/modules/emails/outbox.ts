/**
 * The email outbox's writes. A staff reply in a chat whose patient gave an address makes two rows due, in the
 * transaction that stores the reply: the first email (after the clinic's first delay) and the reminder (after the
 * reminder delay). Each is keyed by session, kind and UTC day (`dedupe_key`): a later reply the same day joins the
 * existing row instead of adding one, so a conversation gets at most one email and one reminder a day. A row the
 * patient made moot by reading (`seen`, `skipped`) is armed again by the next unseen reply of that day.
 *
 * Batched messages get theirs from the batch statement itself (messages/batch-insert.sql.ts embeds
 * `emailOutboxInsert`); the one-message path comes through `enqueueEmails`, called before commit like the webhooks.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import type { BusEvent } from '../../lib/bus-events';

/**
 * The insert for staff replies given as rows `(session_id uuid, seq int)`, one per session (the lowest unseen seq):
 * one statement, an index probe per session for its contact and one for its clinic.
 */
export const emailOutboxInsert = (replies: SQL) => sql`
  insert into email_notifications (clinic_id, session_id, kind, dedupe_key, trigger_seq, next_attempt_at)
  select c.id, r.session_id, k.kind, r.session_id::text || ':' || k.kind || ':' || to_char(now() at time zone 'UTC', 'YYYY-MM-DD'), r.seq,
         now() + make_interval(mins => case k.kind when 'first' then c.email_first_delay_minutes else c.email_reminder_minutes end)
  from ${replies} r
  cross join lateral (select sc.clinic_id from session_contacts sc where sc.session_id = r.session_id and sc.enabled) sc
  cross join lateral (
    select c.id, c.email_first_delay_minutes, c.email_reminder_minutes from clinics c
    where c.id = sc.clinic_id and c.email_notify and c.email_page_url is not null
  ) c
  cross join (values ('first'), ('reminder')) k(kind)
  on conflict (dedupe_key) do update
    set trigger_seq = excluded.trigger_seq, next_attempt_at = excluded.next_attempt_at, status = 'pending', attempts = 0, last_error = null
    where email_notifications.status in ('seen', 'skipped')`;

/** The outbox rows for the staff messages among one transaction's events (the one-message path). */
export async function enqueueEmails(tx: Tx, events: readonly BusEvent[]): Promise<void> {
  const lowest = new Map<string, number>();
  for (const e of events) {
    if (e.t !== 'message.created') continue;
    for (const m of e.messages ?? []) {
      if (m.kind !== 'text' || !m.sender || m.sender.role === 'patient') continue;
      lowest.set(m.sessionId, Math.min(lowest.get(m.sessionId) ?? m.seq, m.seq));
    }
  }
  if (lowest.size === 0) return;
  const rows = sql.join(
    [...lowest].map(([sessionId, seq]) => sql`(${sessionId}::uuid, ${seq}::int)`),
    sql`, `,
  );
  await tx.execute(emailOutboxInsert(sql`(select * from (values ${rows}) v(session_id, seq))`));
}
