/**
 * Chats with backdated times for the report tests: a session with the periods that held it and its first staff
 * reply, written straight into the tables the report reads (nothing else writes times in the past).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../server/src/db/client';
import { query } from './digest';

export interface Held {
  employeeId: string;
  /** Seconds after the session's start. */
  after: number;
  /** Seconds after the session's start; absent: still held. */
  until?: number;
  start?: 'session_started' | 'after_leave' | 'employee_available' | 'admin';
  end?: 'left' | 'disconnected' | 'session_ended' | 'admin';
}

const at = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/**
 * One ended session of a new patient started at `start` (UTC), held in turn by `held`, with a patient message 5 s
 * in and, given `reply`, a first staff message `reply.after` seconds in and a second 30 s later (which must not
 * count), routine unless `priority` says urgent. Answers the session's id.
 */
export async function seedChat(
  db: Database,
  clinicId: string,
  start: string,
  held: Held[] = [],
  reply?: { by: string; after: number },
  priority: 'routine' | 'urgent' = 'routine',
): Promise<string> {
  const [patient] = await query<{ id: string }>(
    db,
    sql`insert into users (clinic_id, role, display_name) values (${clinicId}, 'patient', 'Seeded Patient') returning id`,
  );
  const firstAssigned = held[0] ? at(start, held[0].after) : null;
  const [session] = await query<{ id: string }>(
    db,
    sql`insert into chat_sessions (clinic_id, patient_id, status, reason, priority, created_at, first_assigned_at, ended_at)
        values (${clinicId}, ${patient!.id}, 'ended', 'seeded', ${priority}, ${start}::timestamptz, ${firstAssigned}::timestamptz, ${at(start, 7200)}::timestamptz)
        returning id`,
  );
  const id = session!.id;
  for (const h of held)
    await db.execute(sql`insert into assignments (session_id, employee_id, started_at, ended_at, start_reason, end_reason)
      values (${id}, ${h.employeeId}, ${at(start, h.after)}::timestamptz, ${h.until === undefined ? null : at(start, h.until)}::timestamptz,
              ${h.start ?? 'session_started'}, ${h.end ?? null})`);
  const messages: Array<[string, number]> = [[patient!.id, 5]];
  if (reply) messages.push([reply.by, reply.after], [reply.by, reply.after + 30]);
  let seq = 0;
  for (const [sender, after] of messages)
    await db.execute(
      sql`insert into messages (session_id, seq, sender_id, body, created_at) values (${id}, ${++seq}, ${sender}, 'seeded', ${at(start, after)}::timestamptz)`,
    );
  // The first staff reply's time, as the message write path keeps it (messages/store.ts).
  const firstReply = reply ? at(start, reply.after) : null;
  await db.execute(sql`update chat_sessions set last_seq = ${seq}, first_reply_at = ${firstReply}::timestamptz where id = ${id}`);
  return id;
}
