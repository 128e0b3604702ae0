/**
 * This instance's sockets: who is connected (by user, by clinic, by the sessions each follows), and each socket's
 * outbox, written once per event-loop turn. Knows nothing of sessions' contents or of the bus.
 */
import { CLOSE_CODES, type ServerEvent } from '@medchat/sdk/protocol';
import type { Metrics } from '../../lib/metrics';
import type { Actor } from '../auth/actor';
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
  /** Frames waiting for the next flush (see Connections.send), null when none; and their length in characters. */
  outbox: string[] | null;
  outboxSize: number;
  /** Staff: the session this socket shows now (`viewing.start`), kept in its connection row too. */
  viewing?: { sessionId: string; clinicId: string } | null;
}

/**
 * A replay pauses while a socket has this much queued, so a long history never overruns the send buffer of a
 * healthy client (Bun closes at `backpressureLimit`, 1 MB). A socket that does not drain in time is closed.
 */
const HIGH_WATER = 256 * 1024;
const DRAIN_TIMEOUT_MS = 5000;

/** The `role` label of a socket: staff (employees and admins) or patient. */
const roleOf = (conn: Conn) => (conn.actor.role === 'patient' ? 'patient' : 'staff');

/** What a socket holds that the client has not received yet: the server's send buffer and the outbox. */
const buffered = (conn: Conn) => (conn.socket.getBufferedAmount?.() ?? 0) + conn.outboxSize;

export class Connections {
  readonly all = new Map<string, Conn>();
  readonly byUser = new SetIndex<string, Conn>();
  /** The sockets subscribed to each session. */
  readonly bySession = new SetIndex<string, Conn>();
  readonly staffByClinic = new SetIndex<string, Conn>();
  readonly patientsByClinic = new SetIndex<string, Conn>();
  /** Sockets with frames in their outbox, and whether a flush is scheduled. */
  private outgoing: Conn[] = [];
  private flushScheduled = false;

  constructor(private readonly metrics: Metrics) {}

  add(conn: Conn) {
    this.all.set(conn.id, conn);
    const role = roleOf(conn);
    this.metrics.socketsOpen.inc({ role });
    this.metrics.socketsOpened.inc({ role });
    this.byUser.add(conn.actor.id, conn);
    (conn.actor.role === 'patient' ? this.patientsByClinic : this.staffByClinic).add(conn.actor.clinicId, conn);
  }

  remove(conn: Conn) {
    conn.closed = true;
    if (this.all.delete(conn.id)) this.metrics.socketsOpen.dec({ role: roleOf(conn) });
    this.byUser.delete(conn.actor.id, conn);
    this.staffByClinic.delete(conn.actor.clinicId, conn);
    this.patientsByClinic.delete(conn.actor.clinicId, conn);
    for (const sessionId of conn.subs.keys()) this.bySession.delete(sessionId, conn);
    conn.subs.clear();
  }

  /** The socket follows the session from `lastSeq` on. */
  follow(conn: Conn, sessionId: string, lastSeq: number) {
    conn.subs.set(sessionId, lastSeq);
    this.bySession.add(sessionId, conn);
  }

  leave(conn: Conn, sessionId: string) {
    conn.subs.delete(sessionId);
    this.bySession.delete(sessionId, conn);
  }

  /** The open sockets subscribed to a session. */
  subscribers(sessionId: string) {
    return [...this.bySession.get(sessionId)].filter((c) => !c.closed);
  }

  /** Sockets that follow a session: its subscribers and its patient's sockets. */
  audience(sessionId: string, patientId: string) {
    return new Set([...this.bySession.get(sessionId), ...this.byUser.get(patientId)]);
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

  sendEvent(conn: Conn, event: ServerEvent) {
    this.send(conn, encode(event));
  }

  /** Closes a socket after the frames already queued for it. */
  close(conn: Conn, code: number, reason: string) {
    this.flush(conn);
    conn.socket.close(code, reason);
  }

  closeAll(code: number, reason: string) {
    for (const conn of [...this.all.values()]) {
      this.close(conn, code, reason);
      this.remove(conn);
    }
  }

  /** Whether the socket holds less than the high-water mark (checked before each message of a fan-out). */
  hasRoom(conn: Conn) {
    return buffered(conn) <= HIGH_WATER;
  }

  /** Waits while the socket holds more than the high-water mark; closes it if it never drains. */
  async roomFor(conn: Conn) {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (!conn.closed && buffered(conn) > HIGH_WATER) {
      if (Date.now() > deadline) return this.dropSlow(conn);
      await Bun.sleep(10);
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
    this.metrics.framesOut.inc(frames.length);
    const write = () => frames.every((frame) => socket.send(frame) !== 0);
    if (!(socket.cork ? socket.cork(write) : write())) this.dropSlow(conn);
  }

  /** A socket that cannot keep up is closed, so that it resumes from its last seq instead. */
  private dropSlow(conn: Conn) {
    if (!conn.closed) this.metrics.socketCloses.inc({ reason: 'slow_consumer' });
    conn.closed = true;
    conn.socket.close(CLOSE_CODES.slowConsumer, 'slow consumer');
  }
}
