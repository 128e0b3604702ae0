/**
 * Group commit for messages. Sends that arrive while a write is in flight are stored together by the next one,
 * in a single SQL statement (./batch-insert.sql.ts): it locks the sessions, finds earlier sends with the same
 * client ids, checks who may write, hands out the next seqs, inserts the messages and moves the counters, in one
 * round trip and one commit, whatever the number of messages. Two batches may be written at once, never over
 * the same session, so seqs stay gapless and a session's sends keep their arrival order; each caller is
 * answered only after the commit (docs/requirements.md#delivery).
 *
 * A send the statement cannot decide alone (an employee writing to a session they do not hold, which may be an
 * idempotent replay of a message sent before they left), and every send of a batch whose statement failed for
 * an unexpected reason (say two instances storing the same client id at once), take the one-message path, so
 * one odd send never fails the others.
 */
import type { Message } from '@medchat/sdk/protocol';
import type { Database } from '../../db/client';
import type { Bus } from '../../lib/bus';
import type { BusEvent } from '../../lib/bus-events';
import { AppError, isDatabaseUnavailable } from '../../lib/errors';
import { errorKind, type Logger } from '../../lib/logger';
import type { Metrics } from '../../lib/metrics';
import { currentLink, inSpan, type Link, ROOT_CONTEXT, type Tracing } from '../../lib/tracing';
import { storeBatch, type Outcome } from './batch-insert.sql';
import type { SendInput } from './send-input';

export type { SendInput };
export interface SendResult {
  message: Message;
  created: boolean;
  /** A new message in a session that was waiting on its patient (status idle): it goes back to the queue. */
  wasIdle?: boolean;
}

/** The one-message path: the same rules, one transaction per message. */
export type SendOne = (input: SendInput) => Promise<SendResult>;

interface Pending {
  input: SendInput;
  /** The span of the frame or request that sent it, when traced: the batch's span links to it. */
  link?: Link;
  resolve(result: SendResult): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 512;
/** Batches being written at once (over disjoint sessions). */
const MAX_WRITING = 2;

const keyOf = (i: SendInput) => `${i.sessionId} ${i.actor.id} ${i.clientMsgId}`;

export class MessageWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private writing = 0;
  /** Sessions with sends in a batch being written: their next sends wait, so each session's seqs keep send order. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly ctx: { db: Database; bus: Bus; logger: Logger; metrics: Metrics; tracing: Tracing },
    private readonly sendOne: SendOne,
  ) {}

  send(input: SendInput): Promise<SendResult> {
    // The batch statement stores text only: a message with files claims them in its own transaction.
    if (input.attachmentIds?.length) return this.sendOne(input);
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject, link: this.ctx.tracing.enabled ? currentLink() : undefined });
      this.ctx.metrics.writerPending.set(this.queue.length);
      if (!this.scheduled && this.writing < MAX_WRITING) {
        this.scheduled = true;
        // Let the sends of this event-loop turn join the batch.
        setImmediate(() => {
          this.scheduled = false;
          this.start();
        });
      }
    });
  }

  /**
   * Starts batches while fewer than MAX_WRITING are being written. A batch takes queued sends in order, skipping
   * (with every later send of the same session) those whose session is in a batch being written; two batches in
   * flight never share a session, so they neither wait on each other's row locks nor reorder a session's sends.
   */
  private start() {
    while (this.writing < MAX_WRITING && this.queue.length > 0) {
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      const held = new Set<string>();
      for (const p of this.queue) {
        const sessionId = p.input.sessionId;
        if (batch.length < MAX_BATCH && !this.busy.has(sessionId) && !held.has(sessionId)) batch.push(p);
        else {
          rest.push(p);
          held.add(sessionId);
        }
      }
      if (batch.length === 0) return;
      this.queue = rest;
      this.ctx.metrics.writerPending.set(rest.length);
      const sessions = new Set(batch.map((p) => p.input.sessionId));
      for (const id of sessions) this.busy.add(id);
      this.writing++;
      void this.write(batch).finally(() => {
        for (const id of sessions) this.busy.delete(id);
        this.writing--;
        this.start();
      });
    }
  }

  /**
   * Traced, a batch is a trace of its own, linked to the span of every send it carries (one commit serves many
   * frames, each in its own trace); the bus publish that follows it is its child.
   */
  private write(batch: Pending[]): Promise<void> {
    const { tracing } = this.ctx;
    if (!tracing.enabled) return this.store(batch);
    const links = batch.flatMap((p) => (p.link ? [p.link] : []));
    return inSpan(tracing.tracer, 'messages.batch', { attributes: { 'medchat.batch.size': batch.length }, links, parent: ROOT_CONTEXT }, () =>
      this.store(batch),
    );
  }

  private async store(batch: Pending[]) {
    let outcomes: Outcome[];
    const started = performance.now();
    try {
      outcomes = await storeBatch(
        this.ctx.db,
        batch.map((p) => p.input),
      );
      const seconds = (performance.now() - started) / 1000;
      this.ctx.metrics.batchSize.observe(batch.length);
      this.ctx.metrics.batchSeconds.observe(seconds);
      this.ctx.logger.debug('messages.batch', { size: batch.length, ms: Math.round(seconds * 1000) });
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      this.ctx.logger.warn('messages.batch_failed', { size: batch.length, ...errorKind(error) });
      await Promise.all(batch.map((p) => this.retry(p)));
      return;
    }
    this.settle(batch, outcomes);
  }

  /** Answers every caller of a committed batch, and hands the new messages to the bus. */
  private settle(batch: Pending[], outcomes: Outcome[]) {
    const firstOf = new Map<string, { message: Message | null; body: string }>();
    /** Per session: its clinic and the messages this batch stored in it, in seq order. */
    const created = new Map<string, { clinicId: string; messages: Message[] }>();
    const republished: BusEvent[] = [];
    for (const [i, p] of batch.entries()) {
      const { input } = p;
      const o = outcomes[i]!;
      const key = keyOf(input);
      const first = firstOf.get(key);
      if (first) {
        // The same client id twice in one batch: the first one decided; a copy gets its message or a conflict.
        if (first.body !== input.body) p.reject(new AppError('idempotency_conflict'));
        else if (first.message) p.resolve({ message: first.message, created: false });
        else void this.retry(p);
        continue;
      }
      const message = o.id ? toMessage(o, input) : null;
      firstOf.set(key, { message, body: o.existing_body ?? input.body });
      switch (o.outcome) {
        case 'new':
          this.ctx.metrics.messagesStored.inc();
          p.resolve(o.status === 'idle' ? { message: message!, created: true, wasIdle: true } : { message: message!, created: true });
          if (created.has(input.sessionId)) created.get(input.sessionId)!.messages.push(message!);
          else created.set(input.sessionId, { clinicId: input.actor.clinicId, messages: [message!] });
          break;
        case 'existing':
          p.resolve({ message: message!, created: false });
          // Sent again because its ack never arrived: the instance that stored it may have died, or lost its bus,
          // before publishing it, and a subscriber elsewhere would then miss it until a later message showed the
          // gap. Published again; instances where every subscriber holds it do nothing (realtime/delivery.ts).
          republished.push({ t: 'message.created', clinicId: input.actor.clinicId, sessionId: input.sessionId, seq: message!.seq, messages: [message!] });
          break;
        case 'conflict':
          p.reject(new AppError('idempotency_conflict'));
          break;
        case 'ended':
          p.reject(new AppError('session_ended'));
          break;
        case 'not_found':
          p.reject(new AppError('session_not_found'));
          break;
        case 'not_party':
          void this.retry(p);
          break;
      }
    }
    const events: BusEvent[] = [...created].map(([sessionId, { clinicId, messages }]) => ({
      t: 'message.created',
      clinicId,
      sessionId,
      seq: messages.at(-1)!.seq,
      messages,
    }));
    events.push(...republished);
    // After the acks, and after the frames those acks let in: the next batch goes to Postgres before this one's
    // fan-out runs, so the two overlap instead of taking turns.
    if (events.length)
      setImmediate(() =>
        this.ctx.bus.publish(events).catch((error) => this.ctx.logger.warn('bus.publish_failed', { events: events.length, ...errorKind(error) })),
      );
  }

  /** The one-message path for a send this batch did not decide. */
  private retry(p: Pending) {
    return this.sendOne(p.input).then((result) => {
      if (result.created) this.ctx.metrics.messagesStored.inc();
      p.resolve(result);
    }, p.reject);
  }
}

function toMessage(o: Outcome, input: SendInput): Message {
  return {
    id: o.id!,
    sessionId: input.sessionId,
    seq: Number(o.seq),
    kind: 'text',
    sender: { id: input.actor.id, role: input.actor.role, displayName: input.actor.displayName },
    body: o.existing_body ?? input.body,
    system: null,
    clientMsgId: input.clientMsgId,
    createdAt: (o.created_at instanceof Date ? o.created_at : new Date(o.created_at!)).toISOString(),
  };
}
