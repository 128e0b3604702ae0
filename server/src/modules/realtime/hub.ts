/**
 * The sockets of this instance and the fan-out of bus events to them. Every event is read from the database
 * once per instance and serialized once, whatever the number of recipients. Work for one session runs in order
 * on a per-session chain, so a subscriber's catch-up and the live messages never interleave: each socket gets
 * every seq after the one it holds, once, in order (RELIABILITY D4).
 */
import { eq } from 'drizzle-orm';
import { CLOSE_CODES, type Message, type Role, type ServerEvent, type Session } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { chatSessions, users } from '../../db/schema';
import type { BusEvent } from '../../lib/bus-events';
import { errorKind } from '../../lib/logger';
import type { Actor } from '../auth/service';
import { assignmentHistory } from '../assignments/service';
import { listMessages } from '../messages/store';
import { estimateWaitSeconds } from '../assignments/rules';
import { availableStaff } from '../sessions/service';
import { countWaiting, getSessionView, getSessionViews, listQueue, queuePosition } from '../sessions/views';
import { encode } from './frames';
import { SetIndex } from './set-index';

export interface SocketLike {
  /** Bun's semantics: bytes sent, -1 when queued under backpressure, 0 when dropped. */
  send(data: string): number;
  close(code?: number, reason?: string): void;
  /** Bytes queued by the server and not yet written to the network. */
  getBufferedAmount?(): number;
  /** Bun: the sends made inside the callback leave the process in one write. */
  cork?<T>(callback: () => T): T;
}

export interface Conn {
  id: string;
  actor: Actor;
  socket: SocketLike;
  /** sessionId → highest seq this socket has been sent. */
  subs: Map<string, number>;
  closed: boolean;
  /** Frames waiting for the hub's next flush (see Hub.send), null when none; and their length in characters. */
  outbox: string[] | null;
  outboxSize: number;
}

const REPLAY_PAGE = 500;
/**
 * A replay pauses while a socket has this much queued, so a long history never overruns the send buffer of a
 * healthy client (Bun closes at `backpressureLimit`, 1 MB). A socket that does not drain in time is closed (D8).
 */
const REPLAY_HIGH_WATER = 256 * 1024;
const DRAIN_TIMEOUT_MS = 5000;

/** What a socket holds that the client has not received yet: the server's send buffer and the outbox. */
const buffered = (conn: Conn) => (conn.socket.getBufferedAmount?.() ?? 0) + conn.outboxSize;

export class Hub {
  readonly conns = new Map<string, Conn>();
  private readonly byUser = new SetIndex<string, Conn>();
  private readonly bySession = new SetIndex<string, Conn>();
  private readonly staffByClinic = new SetIndex<string, Conn>();
  private readonly patientsByClinic = new SetIndex<string, Conn>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly queueTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly people = new Map<string, { role: Role; displayName: string; at: number }>();
  /** Sockets with frames in their outbox, and whether a flush is scheduled. */
  private outgoing: Conn[] = [];
  private flushScheduled = false;
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly ctx: AppContext) {
    this.unsubscribe = [ctx.bus.subscribe((e) => this.onEvent(e)), ctx.bus.onResync(() => this.resync())];
  }

  add(conn: Conn) {
    this.conns.set(conn.id, conn);
    this.byUser.add(conn.actor.id, conn);
    (conn.actor.role === 'patient' ? this.patientsByClinic : this.staffByClinic).add(conn.actor.clinicId, conn);
  }

  remove(conn: Conn) {
    conn.closed = true;
    this.conns.delete(conn.id);
    this.byUser.delete(conn.actor.id, conn);
    this.staffByClinic.delete(conn.actor.clinicId, conn);
    this.patientsByClinic.delete(conn.actor.clinicId, conn);
    for (const sessionId of conn.subs.keys()) this.bySession.delete(sessionId, conn);
    conn.subs.clear();
  }

  connectionsOf(userId: string) {
    return this.byUser.get(userId).size;
  }

  /**
   * Queues a frame for the socket. Frames go out at the end of the event-loop turn, each socket's in one write
   * (Bun's cork): a batch of commits acks many sends of one patient and fans out many messages to one employee,
   * and one write per frame was most of the server's time per message (bench/README.md). Order per socket is kept.
   */
  send(conn: Conn, data: string) {
    if (conn.closed) return;
    if (conn.outbox) conn.outbox.push(data);
    else {
      conn.outbox = [data];
      this.outgoing.push(conn);
    }
    conn.outboxSize += data.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
  }

  private readonly flushAll = () => {
    this.flushScheduled = false;
    const conns = this.outgoing;
    this.outgoing = [];
    for (const conn of conns) this.flush(conn);
  };

  /** Writes a socket's waiting frames in one write where the socket can cork. */
  private flush(conn: Conn) {
    const frames = conn.outbox;
    conn.outbox = null;
    conn.outboxSize = 0;
    if (!frames || conn.closed) return;
    const socket = conn.socket;
    const write = () => frames.every((frame) => socket.send(frame) !== 0);
    if (!(socket.cork ? socket.cork(write) : write())) this.dropSlow(conn);
  }

  /** A socket that cannot keep up is closed, so that it resumes from its last seq instead (D8). */
  private dropSlow(conn: Conn) {
    conn.closed = true;
    conn.socket.close(CLOSE_CODES.slowConsumer, 'slow consumer');
  }

  /** Closes a socket after the frames already queued for it. */
  close(conn: Conn, code: number, reason: string) {
    this.flush(conn);
    conn.socket.close(code, reason);
  }

  sendEvent(conn: Conn, event: ServerEvent) {
    this.send(conn, encode(event));
  }

  /** Waits while the socket's send buffer is above the high-water mark; closes it if it never drains. */
  private async roomFor(conn: Conn) {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (!conn.closed && buffered(conn) > REPLAY_HIGH_WATER) {
      if (Date.now() > deadline) return this.dropSlow(conn);
      await Bun.sleep(10);
    }
  }

  /** Subscribes after the caller checked access: acks with the session, then replays seq > lastSeq, then live. */
  subscribe(conn: Conn, session: Session, lastSeq: number, ref: string | undefined) {
    conn.subs.set(session.id, lastSeq);
    this.bySession.add(session.id, conn);
    this.enqueue(session.id, async () => {
      if (ref) this.sendEvent(conn, { type: 'ack', ref, session });
      await this.deliverMessages(session.id);
    });
  }

  leave(conn: Conn, sessionId: string) {
    conn.subs.delete(sessionId);
    this.bySession.delete(sessionId, conn);
  }

  closeAll(code: number, reason: string) {
    for (const conn of [...this.conns.values()]) {
      this.close(conn, code, reason);
      this.remove(conn);
    }
  }

  stop() {
    for (const u of this.unsubscribe) u();
    for (const t of this.queueTimers.values()) clearTimeout(t);
  }

  /** Waits for queued fan-out work (tests, shutdown). */
  async idle() {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }

  private enqueue(key: string, job: () => Promise<void>) {
    const run = (this.chains.get(key) ?? Promise.resolve()).then(job).catch((error) => this.ctx.logger.warn('hub.job_failed', errorKind(error)));
    const tracked = run.finally(() => {
      if (this.chains.get(key) === tracked) this.chains.delete(key);
    });
    this.chains.set(key, tracked);
  }

  /** Sends each subscriber every message after the seq it holds: one read for all of them. */
  private async deliverMessages(sessionId: string) {
    for (;;) {
      const subs = this.subscribers(sessionId);
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
    const subs = this.subscribers(sessionId);
    if (subs.some((c) => (c.subs.get(sessionId) ?? 0) < messages[0]!.seq - 1)) return this.deliverMessages(sessionId);
    await this.sendMessages(sessionId, subs, messages);
  }

  private subscribers(sessionId: string) {
    return [...this.bySession.get(sessionId)].filter((c) => !c.closed);
  }

  /** Each message serialized once, sent to each subscriber that does not hold it yet, in seq order. */
  private async sendMessages(sessionId: string, subs: Conn[], messages: Message[]) {
    for (const message of messages) {
      const frame = encode({ type: 'message.created', message });
      for (const conn of subs) {
        const held = conn.subs.get(sessionId);
        if (held === undefined || held >= message.seq) continue;
        if (buffered(conn) > REPLAY_HIGH_WATER) await this.roomFor(conn);
        if (conn.closed) continue;
        conn.subs.set(sessionId, message.seq);
        this.send(conn, frame);
      }
    }
  }

  /** After the listener reconnected: events may have been missed; catch every subscription up from the database. */
  private resync() {
    for (const sessionId of [...this.bySession.keys()]) this.enqueue(sessionId, () => this.deliverMessages(sessionId));
    for (const clinicId of [...this.staffByClinic.keys()]) this.queueChanged(clinicId);
  }

  private onEvent(e: BusEvent) {
    switch (e.t) {
      case 'message.created': {
        const subs = this.bySession.get(e.sessionId);
        if (![...subs].some((c) => (c.subs.get(e.sessionId) ?? 0) < e.seq)) return;
        const committed = e.messages;
        this.enqueue(e.sessionId, () => (committed?.length ? this.deliverCommitted(e.sessionId, committed) : this.deliverMessages(e.sessionId)));
        return;
      }
      case 'session.waiting':
      case 'session.assigned':
      case 'session.requeued':
      case 'session.ended':
        // Read and sent only where someone it concerns has a socket on this instance.
        if (this.concerns(e)) this.enqueue(e.sessionId, () => this.sessionChanged(e));
        return;
      case 'typing':
      case 'read.updated':
        this.enqueue(e.sessionId, () => this.ephemeral(e));
        return;
      case 'availability.changed':
        for (const conn of this.staffByClinic.get(e.clinicId)) this.sendEvent(conn, { type: 'availability.changed', userId: e.userId, availability: e.availability });
        return;
      case 'queue.changed':
        this.queueChanged(e.clinicId);
        return;
      case 'token.revoked':
        for (const conn of [...this.byUser.get(e.userId)]) {
          if (e.tokenHash ? conn.actor.tokenHash !== e.tokenHash : conn.actor.tokenHash === e.except) continue;
          conn.socket.close(CLOSE_CODES.policyViolation, 'token revoked');
          this.remove(conn);
        }
        return;
    }
  }

  private async person(userId: string) {
    const cached = this.people.get(userId);
    if (cached && Date.now() - cached.at < 60_000) return cached;
    const [row] = await this.ctx.db.select({ role: users.role, displayName: users.displayName }).from(users).where(eq(users.id, userId));
    const value = { role: row?.role ?? ('patient' as Role), displayName: row?.displayName ?? '', at: Date.now() };
    this.people.set(userId, value);
    return value;
  }

  /** Whether a socket here follows the session, or belongs to its patient or to an employee the event names. */
  private concerns(e: Extract<BusEvent, { t: 'session.waiting' | 'session.assigned' | 'session.requeued' | 'session.ended' }>) {
    const employees = e.t === 'session.waiting' ? [] : [e.previousEmployeeId, e.t === 'session.assigned' ? e.employeeId : null];
    return this.bySession.get(e.sessionId).size > 0 || [e.patientId, ...employees].some((id) => id && this.byUser.get(id).size > 0);
  }

  /** Sockets that follow a session: its subscribers and its patient's sockets. */
  private audience(sessionId: string, patientId: string) {
    return new Set([...this.bySession.get(sessionId), ...this.byUser.get(patientId)]);
  }

  private async ephemeral(e: Extract<BusEvent, { t: 'typing' | 'read.updated' }>) {
    const [row] = await this.ctx.db.select({ patientId: chatSessions.patientId }).from(chatSessions).where(eq(chatSessions.id, e.sessionId));
    if (!row) return;
    const who = await this.person(e.userId);
    const event: ServerEvent =
      e.t === 'typing'
        ? { type: e.isTyping ? 'typing.started' : 'typing.stopped', sessionId: e.sessionId, user: { id: e.userId, role: who.role, displayName: who.displayName } }
        : { type: 'read.updated', sessionId: e.sessionId, userId: e.userId, role: who.role, seq: e.seq };
    const frame = encode(event);
    for (const conn of this.audience(e.sessionId, row.patientId)) if (conn.actor.id !== e.userId) this.send(conn, frame);
  }

  private async queueStatus(session: Session) {
    const [row] = await this.ctx.db.select().from(chatSessions).where(eq(chatSessions.id, session.id));
    const position = row ? ((await queuePosition(this.ctx.db, row)) ?? 1) : 1;
    return { position, estimatedWaitSeconds: estimateWaitSeconds(position, await availableStaff(this.ctx, session.clinicId)) };
  }

  private async sessionChanged(e: Extract<BusEvent, { t: 'session.waiting' | 'session.assigned' | 'session.requeued' | 'session.ended' }>) {
    const session = await getSessionView(this.ctx.db, e.sessionId);
    if (!session) return;
    const audience = this.audience(session.id, session.patient.id);
    const history = e.t === 'session.waiting' ? [] : await assignmentHistory(this.ctx.db, session.id);
    const previousId = e.t === 'session.waiting' ? null : e.previousEmployeeId;
    const previous = previousId ? (history.findLast((a) => a.employee.id === previousId) ?? null) : null;
    let event: ServerEvent;
    if (e.t === 'session.waiting') event = { type: 'session.waiting', session, queue: await this.queueStatus(session) };
    else if (e.t === 'session.assigned') event = { type: 'session.assigned', session, employee: session.employee ?? { id: e.employeeId, displayName: '' }, reason: e.reason, previousEmployee: previous?.employee ?? null };
    else if (e.t === 'session.requeued') event = { type: 'session.requeued', session, previousEmployee: previous?.employee ?? null, reason: e.reason, queue: await this.queueStatus(session) };
    else event = { type: 'session.ended', session };
    const frame = encode(event);
    for (const conn of audience) this.send(conn, frame);

    if (e.t === 'session.assigned') {
      const assignment = history.find((a) => a.id === e.assignmentId);
      if (assignment) for (const conn of this.byUser.get(e.employeeId)) this.sendEvent(conn, { type: 'employee.assigned', session, assignment });
    }
    if (previous && previousId) {
      const reason = previous.endReason ?? 'left';
      for (const conn of this.byUser.get(previousId)) this.sendEvent(conn, { type: 'employee.unassigned', session, reason });
    }
  }

  /**
   * Debounced per clinic: staff get the queue length (a count), and only when patients of the clinic have sockets
   * here is the queue itself read, for the new place and estimate of those who wait.
   */
  private queueChanged(clinicId: string) {
    if (this.queueTimers.has(clinicId)) return;
    this.queueTimers.set(
      clinicId,
      setTimeout(() => {
        this.queueTimers.delete(clinicId);
        this.enqueue(`queue:${clinicId}`, async () => {
          const staff = this.staffByClinic.get(clinicId);
          if (staff.size > 0) {
            const frame = encode({ type: 'queue.changed', waiting: await countWaiting(this.ctx.db, clinicId) });
            for (const conn of staff) this.send(conn, frame);
          }
          if (this.patientsByClinic.get(clinicId).size === 0) return;
          const local = (await listQueue(this.ctx.db, clinicId)).filter((w) => this.byUser.get(w.patient.id).size > 0);
          if (local.length === 0) return;
          // One read of the sessions and one of the staff count for all waiting patients here, not one per patient.
          const sessions = await getSessionViews(this.ctx.db, local.map((w) => w.sessionId));
          const staffAvailable = await availableStaff(this.ctx, clinicId);
          const byId = new Map(sessions.map((s) => [s.id, s]));
          for (const entry of local) {
            const session = byId.get(entry.sessionId);
            if (!session || session.status !== 'waiting') continue;
            const queue = { position: entry.position, estimatedWaitSeconds: estimateWaitSeconds(entry.position, staffAvailable) };
            for (const conn of this.byUser.get(entry.patient.id)) this.sendEvent(conn, { type: 'session.waiting', session, queue });
          }
        });
      }, 50),
    );
  }
}
