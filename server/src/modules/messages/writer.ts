/**
 * Group commit for messages. Sends that arrive while a write is in flight are stored together in the next
 * transaction: one row lock per session, one idempotency lookup, one insert that also moves each session's seq
 * counter, one commit and one bus publish per session, whatever the number of messages. Seqs stay gapless and
 * per-sender order is kept (one batch in flight at a time, items in arrival order); each caller is answered only
 * after its batch committed (RELIABILITY D1–D3).
 *
 * A send the batch cannot decide from the locked rows alone (an employee writing to a session they do not hold,
 * which may be an idempotent replay of a message sent before they left) and every send of a batch that failed
 * for an unexpected reason take the one-message path, so one bad send never fails the others.
 */
import { sql } from 'drizzle-orm';
import type { Message, Role } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Tx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import type { Emit } from '../../lib/bus-events';
import { AppError, isDatabaseUnavailable } from '../../lib/errors';
import { errorKind } from '../../lib/logger';
import { inTransaction } from '../../lib/transaction';
import type { Actor } from '../auth/service';
import { assertCanWrite } from '../sessions/access';

export interface SendInput {
  actor: Actor;
  sessionId: string;
  clientMsgId: string;
  /** Already cleaned and length-checked. */
  body: string;
}
export interface SendResult {
  message: Message;
  created: boolean;
}

/** The one-message path: the same rules, one transaction per message. */
export type SendOne = (input: SendInput) => Promise<SendResult>;

interface Pending {
  input: SendInput;
  resolve(result: SendResult): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 512;

type LockedSession = { id: string; clinic_id: string; patient_id: string; employee_id: string | null; status: 'waiting' | 'active' | 'ended'; last_seq: number };
type StoredRow = { id: string; session_id: string; seq: number; sender_id: string; body: string; client_msg_id: string; created_at: string | Date };

const iso = (value: string | Date) => (value instanceof Date ? value : new Date(value)).toISOString();
const keyOf = (i: SendInput) => `${i.sessionId} ${i.actor.id} ${i.clientMsgId}`;

export class MessageWriter {
  private queue: Pending[] = [];
  private writing = false;

  constructor(
    private readonly ctx: Pick<AppContext, 'db' | 'bus' | 'logger'>,
    private readonly sendOne: SendOne,
  ) {}

  send(input: SendInput): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // Let the sends of this event-loop turn join the first batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain() {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      await this.write(batch);
    }
    this.writing = false;
  }

  private async write(batch: Pending[]) {
    let settle: Array<() => void>;
    try {
      settle = await inTransaction(this.ctx, (tx, emit) => this.store(tx, emit, batch));
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      this.ctx.logger.warn('messages.batch_failed', { size: batch.length, ...errorKind(error) });
      await Promise.all(batch.map((p) => this.sendOne(p.input).then(p.resolve, p.reject)));
      return;
    }
    for (const done of settle) done();
  }

  /**
   * Decides every send of the batch inside one transaction; returns how to answer each caller once committed
   * (nothing is answered before commit, and a retried transaction decides afresh).
   */
  private async store(tx: Tx, emit: Emit, batch: Pending[]): Promise<Array<() => void>> {
    const settle: Array<() => void> = [];
    const sessionIds = [...new Set(batch.map((p) => p.input.sessionId))];
    // Rows locked in id order, so two batches (or a batch and the assignment engine) never deadlock on each other.
    const sessions = new Map(
      rowsOf<LockedSession>(
        await tx.execute(sql`
          select id, clinic_id, patient_id, employee_id, status, last_seq from chat_sessions
          where id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(sessionIds)}::jsonb))
          order by id for update`),
      ).map((s) => [s.id, s]),
    );

    const existing = await this.findExisting(tx, batch);
    const created = new Map<string, { pending: Pending[]; seq: number; body: string }>();
    const toInsert: Array<{ s: string; q: number; u: string; b: string; c: string }> = [];
    const nextSeq = new Map<string, number>();

    for (const p of batch) {
      const { input } = p;
      const session = sessions.get(input.sessionId);
      const key = keyOf(input);
      const before = existing.get(key);
      const earlier = created.get(key);
      if (!session || session.clinic_id !== input.actor.clinicId) {
        settle.push(() => p.reject(new AppError('session_not_found')));
        continue;
      }
      if (!isParty(input.actor, session)) {
        // Employees who held the session earlier may read it (and replay their own sends): the one-message path knows.
        settle.push(() => void this.sendOne(input).then(p.resolve, p.reject));
        continue;
      }
      if (before || earlier) {
        if ((before ?? earlier)!.body !== input.body) settle.push(() => p.reject(new AppError('idempotency_conflict')));
        else if (before) settle.push(() => p.resolve({ message: toMessage(before, input.actor), created: false }));
        else earlier!.pending.push(p);
        continue;
      }
      try {
        assertCanWrite(input.actor, sessionShape(session));
      } catch (error) {
        settle.push(() => p.reject(error));
        continue;
      }
      const seq = (nextSeq.get(session.id) ?? session.last_seq) + 1;
      nextSeq.set(session.id, seq);
      created.set(key, { pending: [p], seq, body: input.body });
      toInsert.push({ s: session.id, q: seq, u: input.actor.id, b: input.body, c: input.clientMsgId });
    }
    if (toInsert.length === 0) return settle;

    const stored = rowsOf<StoredRow>(
      await tx.execute(sql`
        with input as (
          select (x->>'s')::uuid as session_id, (x->>'q')::int as seq, (x->>'u')::uuid as sender_id, x->>'b' as body, x->>'c' as client_msg_id
          from jsonb_array_elements(${JSON.stringify(toInsert)}::jsonb) as x
        ), counters as (
          update chat_sessions s set last_seq = c.seq
          from (select session_id, max(seq) as seq from input group by session_id) as c
          where s.id = c.session_id
        )
        insert into messages (session_id, seq, sender_id, kind, body, client_msg_id)
        select session_id, seq, sender_id, 'text', body, client_msg_id from input
        returning id, session_id, seq, sender_id, body, client_msg_id, created_at`),
    );
    if (stored.length !== toInsert.length) throw new Error(`messages.batch: stored ${stored.length} of ${toInsert.length}`);

    const bySeq = new Map(stored.map((r) => [`${r.session_id} ${r.seq}`, r]));
    const committed = new Map<string, Message[]>();
    for (const { pending, seq } of created.values()) {
      const { sessionId, actor } = pending[0]!.input;
      const message = toMessage(bySeq.get(`${sessionId} ${seq}`)!, actor);
      committed.set(sessionId, [...(committed.get(sessionId) ?? []), message]);
      settle.push(() => pending.forEach((p, i) => p.resolve({ message, created: i === 0 })));
    }
    for (const [sessionId, seq] of nextSeq) {
      emit({ t: 'message.created', clinicId: sessions.get(sessionId)!.clinic_id, sessionId, seq, messages: committed.get(sessionId) });
    }
    return settle;
  }

  /** Messages already stored under the (session, sender, client id) of any send in the batch. */
  private async findExisting(tx: Tx, batch: Pending[]) {
    const keys = batch.map((p) => ({ s: p.input.sessionId, u: p.input.actor.id, c: p.input.clientMsgId }));
    const rows = rowsOf<StoredRow>(
      await tx.execute(sql`
        select m.id, m.session_id, m.seq, m.sender_id, m.body, m.client_msg_id, m.created_at
        from messages m
        join jsonb_array_elements(${JSON.stringify(keys)}::jsonb) as x
          on m.session_id = (x->>'s')::uuid and m.sender_id = (x->>'u')::uuid and m.client_msg_id = x->>'c'`),
    );
    return new Map(rows.map((r) => [`${r.session_id} ${r.sender_id} ${r.client_msg_id}`, r]));
  }
}

/** The patient of the session, or the employee holding it: the senders a batch decides by itself. */
function isParty(actor: Actor, session: LockedSession) {
  return actor.role === 'patient' ? session.patient_id === actor.id : session.employee_id === actor.id;
}

function sessionShape(s: LockedSession) {
  return { status: s.status, patientId: s.patient_id, employeeId: s.employee_id } as Parameters<typeof assertCanWrite>[1];
}

function toMessage(row: StoredRow, actor: { id: string; role: Role; displayName: string }): Message {
  return {
    id: row.id,
    sessionId: row.session_id,
    seq: Number(row.seq),
    kind: 'text',
    sender: { id: actor.id, role: actor.role, displayName: actor.displayName },
    body: row.body,
    system: null,
    clientMsgId: row.client_msg_id,
    createdAt: iso(row.created_at),
  };
}
