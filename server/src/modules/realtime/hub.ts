/**
 * This instance's sockets and the fan-out of bus events to them, in three parts: the socket registry and outbox
 * (`connections.ts`), messages to each session's subscribers on a per-session chain (`delivery.ts`), and the
 * frames every other event becomes (`projections.ts`). The hub routes each bus event to one of them and is what
 * the socket endpoint, the sweeper and shutdown talk to.
 */
import type { ServerEvent, Session } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { BusEvent } from '../../lib/bus-events';
import { Connections, type Conn } from './connections';
import { SessionDelivery } from './delivery';
import { OpeningWatch } from './opening';
import { Projections } from './projections';

export type { Conn, SocketLike } from './connections';

export class Hub {
  private readonly connections: Connections;
  private readonly delivery: SessionDelivery;
  private readonly projections: Projections;
  private readonly opening: OpeningWatch;
  private readonly unsubscribe: Array<() => void>;

  constructor(ctx: AppContext) {
    this.connections = new Connections(ctx.metrics);
    this.delivery = new SessionDelivery(ctx, this.connections);
    this.projections = new Projections(ctx, this.connections, this.delivery);
    this.opening = new OpeningWatch(ctx, this.connections);
    this.unsubscribe = [ctx.bus.subscribe((e) => this.onEvent(e)), ctx.bus.onResync(() => this.resync())];
  }

  /** Every open socket of this instance, by connection id. */
  get conns(): ReadonlyMap<string, Conn> {
    return this.connections.all;
  }

  add(conn: Conn) {
    this.connections.add(conn);
  }

  remove(conn: Conn) {
    this.connections.remove(conn);
  }

  connectionsOf(userId: string) {
    return this.connections.byUser.get(userId).size;
  }

  send(conn: Conn, data: string) {
    this.connections.send(conn, data);
  }

  sendEvent(conn: Conn, event: ServerEvent) {
    this.connections.sendEvent(conn, event);
  }

  /** Closes a socket after the frames already queued for it. */
  close(conn: Conn, code: number, reason: string) {
    this.connections.close(conn, code, reason);
  }

  closeAll(code: number, reason: string) {
    this.connections.closeAll(code, reason);
  }

  /** Subscribes after the caller checked access: acks with the session, then replays seq > lastSeq, then live. */
  subscribe(conn: Conn, session: Session, lastSeq: number, ref: string | undefined) {
    this.delivery.subscribe(conn, session, lastSeq, ref);
  }

  leave(conn: Conn, sessionId: string) {
    this.connections.leave(conn, sessionId);
  }

  stop() {
    for (const u of this.unsubscribe) u();
    this.projections.stop();
  }

  /** Sends `clinic.opened` / `clinic.closed` where a clinic's hours turned at `now` (the sweeper, every sweep). */
  checkOpening(now?: Date) {
    return this.opening.check(now);
  }

  /** Waits for queued fan-out work (tests, shutdown). */
  idle() {
    return this.delivery.idle();
  }

  /** After the listener reconnected: events may have been missed; catch every subscription and queue up. */
  private resync() {
    this.delivery.resync();
    this.projections.resync();
  }

  private onEvent(e: BusEvent) {
    switch (e.t) {
      case 'message.created':
        return this.delivery.messageCreated(e);
      case 'session.waiting':
      case 'session.assigned':
      case 'session.requeued':
      case 'session.ended':
        return this.projections.sessionEvent(e);
      case 'session.idle':
        return this.projections.sessionIdle(e);
      case 'typing':
      case 'read.updated':
        return this.projections.ephemeral(e);
      case 'availability.changed':
        return this.projections.availabilityChanged(e);
      case 'queue.changed':
        return this.projections.queueChanged(e.clinicId);
      case 'session.prioritized':
        return this.projections.sessionPrioritized(e);
      case 'note.created':
        return this.projections.noteCreated(e);
      case 'viewers.changed':
        return this.projections.viewersChanged(e);
      case 'token.revoked':
        return this.projections.tokenRevoked(e);
      case 'clinic.changed':
        return this.opening.changed(e.clinicId);
    }
  }
}
