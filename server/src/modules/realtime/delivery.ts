/**
 * Messages to the sockets that follow a session. Work for one session runs in order on a per-session chain, so a
 * subscriber's catch-up and the live messages never interleave: each socket gets every seq after the one it holds,
 * once, in order. A message is read from the database at most once per instance and serialized once, whatever the
 * number of recipients (ARCHITECTURE.md, "How a message travels").
 */
import type { Message, Session } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { BusEvent } from '../../lib/bus-events';
import { errorKind } from '../../lib/logger';
import { listMessages } from '../messages/store';
import type { Conn, Connections } from './connections';
import { encodeMessageCreated } from './frames';

const REPLAY_PAGE = 500;

export class SessionDelivery {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: Pick<AppContext, 'db' | 'logger' | 'metrics'>,
    private readonly connections: Connections,
  ) {}

  /** Runs `job` after the work already queued under `key` (a session id, or another key of its own). */
  enqueue(key: string, job: () => Promise<void>) {
    const run = (this.chains.get(key) ?? Promise.resolve()).then(job).catch((error) => this.ctx.logger.warn('hub.job_failed', errorKind(error)));
    const tracked = run.finally(() => {
      if (this.chains.get(key) === tracked) this.chains.delete(key);
    });
    this.chains.set(key, tracked);
  }

  /** Waits for queued work (tests, shutdown). */
  async idle() {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }

  /** Subscribes after the caller checked access: acks with the session, then replays seq > lastSeq, then live. */
  subscribe(conn: Conn, session: Session, lastSeq: number, ref: string | undefined) {
    this.connections.follow(conn, session.id, lastSeq);
    this.enqueue(session.id, async () => {
      if (ref) this.connections.sendEvent(conn, { type: 'ack', ref, session });
      await this.deliverMessages(session.id);
    });
  }

  /** A commit on any instance: only where a subscriber here lacks the seq is anything done. */
  messageCreated(e: Extract<BusEvent, { t: 'message.created' }>) {
    const subs = this.connections.bySession.get(e.sessionId);
    if (![...subs].some((c) => (c.subs.get(e.sessionId) ?? 0) < e.seq)) return;
    const committed = e.messages;
    this.enqueue(e.sessionId, () => (committed?.length ? this.deliverCommitted(e.sessionId, committed) : this.deliverMessages(e.sessionId)));
  }

  /** After the listener reconnected: events may have been missed; catch every subscription up from the database. */
  resync() {
    for (const sessionId of [...this.connections.bySession.keys()]) this.enqueue(sessionId, () => this.deliverMessages(sessionId));
  }

  /** Sends each subscriber every message after the seq it holds: one read for all of them. */
  private async deliverMessages(sessionId: string) {
    for (;;) {
      const subs = this.connections.subscribers(sessionId);
      if (subs.length === 0) return;
      const from = Math.min(...subs.map((c) => c.subs.get(sessionId) ?? 0));
      const page = await listMessages(this.ctx.db, sessionId, { after: from, limit: REPLAY_PAGE });
      await this.sendMessages(sessionId, subs, page.messages);
      if (!page.hasMore) return;
    }
  }

  /**
   * Messages this instance just committed (consecutive seqs of one session): sent as they are, unless a
   * subscriber lacks earlier ones, in which case everything comes from the database in order.
   */
  private async deliverCommitted(sessionId: string, messages: Message[]) {
    const subs = this.connections.subscribers(sessionId);
    if (subs.some((c) => (c.subs.get(sessionId) ?? 0) < messages[0]!.seq - 1)) return this.deliverMessages(sessionId);
    await this.sendMessages(sessionId, subs, messages);
  }

  /** Each message serialized once, sent to each subscriber that does not hold it yet, in seq order. */
  private async sendMessages(sessionId: string, subs: Conn[], messages: Message[]) {
    const { metrics } = this.ctx;
    for (const message of messages) {
      const frame = encodeMessageCreated(message);
      let sent = 0;
      for (const conn of subs) {
        const held = conn.subs.get(sessionId);
        if (held === undefined || held >= message.seq) continue;
        if (!this.connections.hasRoom(conn)) await this.connections.roomFor(conn);
        if (conn.closed) continue;
        conn.subs.set(sessionId, message.seq);
        this.connections.send(conn, frame);
        if (sent++ === 0) metrics.deliveryLag.observe(Math.max(0, Date.now() - Date.parse(message.createdAt)) / 1000);
      }
      metrics.messagesDelivered.inc(sent);
    }
  }
}
