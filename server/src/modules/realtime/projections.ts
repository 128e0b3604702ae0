/**
 * Bus events other than messages, turned into the frames each socket here should see: `session.*` for the
 * patient and subscribers, `employee.assigned` / `employee.unassigned` for staff, typing and read receipts,
 * availability, queue changes, and revoked tokens. An event is read from the database only where someone it
 * concerns has a socket on this instance, and serialized once for all of them.
 */
import { and, eq } from 'drizzle-orm';
import { CLOSE_CODES, type ServerEvent, type Session } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { chatSessions, users } from '../../db/schema';
import type { BusEvent } from '../../lib/bus-events';
import { assignmentHistory } from '../assignments/service';
import { noteById } from '../notes/service';
import { queueStatusFor } from '../assignments/wait-estimate';
import { countWaiting, getSessionView, getSessionViews, listQueue, queuePosition } from '../sessions/views';
import type { Conn, Connections } from './connections';
import type { SessionDelivery } from './delivery';
import { encode } from './frames';
import { PeopleCache } from './people';
import { viewersOf } from './viewers';

type SessionEvent = Extract<BusEvent, { t: 'session.waiting' | 'session.assigned' | 'session.requeued' | 'session.ended' }>;
type EphemeralEvent = Extract<BusEvent, { t: 'typing' | 'read.updated' }>;

/** Queue changes of a clinic within this window go out as one frame per socket. */
const QUEUE_DEBOUNCE_MS = 50;

export class Projections {
  private readonly queueTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly people: PeopleCache;

  constructor(
    private readonly ctx: AppContext,
    private readonly connections: Connections,
    private readonly delivery: SessionDelivery,
  ) {
    this.people = new PeopleCache(async (userId) => {
      const [row] = await ctx.db.select({ role: users.role, displayName: users.displayName }).from(users).where(eq(users.id, userId));
      return { role: row?.role ?? 'patient', displayName: row?.displayName ?? '' };
    });
  }

  /** Read and sent only where someone it concerns has a socket on this instance. */
  sessionEvent(e: SessionEvent) {
    if (this.concerns(e)) this.delivery.enqueue(e.sessionId, () => this.sessionChanged(e));
  }

  /**
   * Typing and read receipts go to the session's subscribers and its patient, never back to their author. Both
   * are known here without the database (the event names the patient), so an instance where nobody else follows
   * the session does nothing at all.
   */
  ephemeral(e: EphemeralEvent) {
    const others = () => [...this.connections.audience(e.sessionId, e.patientId)].filter((conn) => conn.actor.id !== e.userId);
    if (others().length === 0) return;
    this.delivery.enqueue(e.sessionId, async () => {
      const who = await this.people.get(e.userId);
      const event: ServerEvent =
        e.t === 'typing'
          ? {
              type: e.isTyping ? 'typing.started' : 'typing.stopped',
              sessionId: e.sessionId,
              user: { id: e.userId, role: who.role, displayName: who.displayName },
            }
          : { type: 'read.updated', sessionId: e.sessionId, userId: e.userId, role: who.role, seq: e.seq };
      const frame = encode(event);
      for (const conn of others()) this.connections.send(conn, frame);
    });
  }

  /**
   * An internal note: `note.created` to the staff sockets following the session, `note.mentioned` to every socket of
   * each colleague it mentions. Never to a patient: patients' sockets are left out by role here, whatever else holds
   * (a patient follows their own session), and the note is read only when a staff socket here wants it.
   */
  noteCreated(e: Extract<BusEvent, { t: 'note.created' }>) {
    const isStaffOf = (conn: Conn) => conn.actor.role !== 'patient' && conn.actor.clinicId === e.clinicId;
    const followers = () => this.connections.subscribers(e.sessionId).filter(isStaffOf);
    const mentioned = () => e.mentions.flatMap((id) => [...this.connections.byUser.get(id)]).filter((conn) => !conn.closed && isStaffOf(conn));
    if (followers().length === 0 && mentioned().length === 0) return;
    this.delivery.enqueue(e.sessionId, async () => {
      const note = await noteById(this.ctx.db, e.noteId);
      if (!note) return;
      const created = encode({ type: 'note.created', note });
      for (const conn of followers()) this.connections.send(conn, created);
      const mention = encode({ type: 'note.mentioned', note });
      for (const conn of mentioned()) this.connections.send(conn, mention);
    });
  }

  /**
   * Who has a session open changed: `session.viewers` (read once, from every instance's connection rows) to the staff
   * sockets here that follow or view the session. Never to a patient, left out by role like a note.
   */
  viewersChanged(e: Extract<BusEvent, { t: 'viewers.changed' }>) {
    const audience = () =>
      new Set(
        [...this.connections.subscribers(e.sessionId), ...this.connections.staffByClinic.get(e.clinicId)].filter(
          (conn) =>
            !conn.closed &&
            conn.actor.role !== 'patient' &&
            conn.actor.clinicId === e.clinicId &&
            (conn.subs.has(e.sessionId) || conn.viewing?.sessionId === e.sessionId),
        ),
      );
    if (audience().size === 0) return;
    this.delivery.enqueue(e.sessionId, async () => {
      const frame = encode({ type: 'session.viewers', sessionId: e.sessionId, viewers: await viewersOf(this.ctx.db, e.sessionId) });
      for (const conn of audience()) this.connections.send(conn, frame);
    });
  }

  /**
   * A session now waits on its patient: the employee who held it is told why it left them (`employee.unassigned`,
   * reason patient_inactive). Staff see the change by `queue.changed`; the patient, gone by definition, finds the
   * chat as they left it.
   */
  sessionIdle(e: Extract<BusEvent, { t: 'session.idle' }>) {
    if (this.connections.byUser.get(e.previousEmployeeId).size === 0) return;
    this.delivery.enqueue(e.sessionId, async () => {
      const session = await getSessionView(this.ctx.db, e.sessionId);
      if (!session) return;
      for (const conn of this.connections.byUser.get(e.previousEmployeeId))
        this.connections.sendEvent(conn, { type: 'employee.unassigned', session, reason: 'patient_inactive' });
    });
  }

  availabilityChanged(e: Extract<BusEvent, { t: 'availability.changed' }>) {
    const frame = encode({ type: 'availability.changed', userId: e.userId, availability: e.availability });
    for (const conn of this.connections.staffByClinic.get(e.clinicId)) this.connections.send(conn, frame);
  }

  /**
   * To the clinic's available staff here and the session's holder: ids only (no name, no reason), so nothing of
   * the patient travels to staff who have not opened the queue (that read is audited).
   */
  sessionPrioritized(e: Extract<BusEvent, { t: 'session.prioritized' }>) {
    const staff = this.connections.staffByClinic.get(e.clinicId);
    if (staff.size === 0) return;
    this.delivery.enqueue(`queue:${e.clinicId}`, async () => {
      const [session] = await this.ctx.db
        .select({ status: chatSessions.status, employeeId: chatSessions.employeeId })
        .from(chatSessions)
        .where(eq(chatSessions.id, e.sessionId));
      if (!session || session.status === 'ended') return;
      const available = await this.ctx.db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.clinicId, e.clinicId), eq(users.availability, 'available'), eq(users.active, true)));
      const audience = new Set([...available.map((u) => u.id), session.employeeId]);
      const frame = encode({
        type: 'session.prioritized',
        sessionId: e.sessionId,
        priority: e.priority,
        waiting: session.status === 'waiting',
        changedBy: e.changedBy,
      });
      for (const conn of this.connections.staffByClinic.get(e.clinicId)) if (audience.has(conn.actor.id)) this.connections.send(conn, frame);
    });
  }

  tokenRevoked(e: Extract<BusEvent, { t: 'token.revoked' }>) {
    for (const conn of [...this.connections.byUser.get(e.userId)]) {
      if (e.tokenHash ? conn.actor.tokenHash !== e.tokenHash : conn.actor.tokenHash === e.except) continue;
      conn.socket.close(CLOSE_CODES.policyViolation, 'token revoked');
      this.connections.remove(conn);
    }
  }

  /** After the listener reconnected: every clinic with staff here gets its queue again. */
  resync() {
    for (const clinicId of [...this.connections.staffByClinic.keys()]) this.queueChanged(clinicId);
  }

  stop() {
    for (const timer of this.queueTimers.values()) clearTimeout(timer);
    this.queueTimers.clear();
  }

  /**
   * Debounced per clinic: staff get the queue length (a count), and only when patients of the clinic have sockets
   * here is the queue itself read, for the new place and estimate of those who wait.
   */
  queueChanged(clinicId: string) {
    if (this.queueTimers.has(clinicId)) return;
    this.queueTimers.set(
      clinicId,
      setTimeout(() => {
        this.queueTimers.delete(clinicId);
        this.delivery.enqueue(`queue:${clinicId}`, () => this.sendQueue(clinicId));
      }, QUEUE_DEBOUNCE_MS),
    );
  }

  private async sendQueue(clinicId: string) {
    const { connections } = this;
    const staff = connections.staffByClinic.get(clinicId);
    if (staff.size > 0) {
      const frame = encode({ type: 'queue.changed', ...(await countWaiting(this.ctx.db, clinicId)) });
      for (const conn of staff) connections.send(conn, frame);
    }
    if (connections.patientsByClinic.get(clinicId).size === 0) return;
    const local = (await listQueue(this.ctx.db, clinicId)).filter((w) => connections.byUser.get(w.patient.id).size > 0);
    if (local.length === 0) return;
    // One read of the sessions and one of the staff count for all waiting patients here, not one per patient.
    const sessions = await getSessionViews(
      this.ctx.db,
      local.map((w) => w.sessionId),
    );
    const statusAt = await queueStatusFor(this.ctx, clinicId);
    const byId = new Map(sessions.map((s) => [s.id, s]));
    for (const entry of local) {
      const session = byId.get(entry.sessionId);
      if (!session || session.status !== 'waiting') continue;
      const queue = statusAt(entry.position, entry.priority, entry.teamId);
      for (const conn of connections.byUser.get(entry.patient.id)) connections.sendEvent(conn, { type: 'session.waiting', session, queue });
    }
  }

  /** Whether a socket here follows the session, or belongs to its patient or to an employee the event names. */
  private concerns(e: SessionEvent) {
    const employees = e.t === 'session.waiting' ? [] : [e.previousEmployeeId, e.t === 'session.assigned' ? e.employeeId : null];
    return this.connections.bySession.get(e.sessionId).size > 0 || [e.patientId, ...employees].some((id) => id && this.connections.byUser.get(id).size > 0);
  }

  private async queueStatus(session: Session) {
    const [row] = await this.ctx.db.select().from(chatSessions).where(eq(chatSessions.id, session.id));
    const position = row ? ((await queuePosition(this.ctx.db, row)) ?? 1) : 1;
    return (await queueStatusFor(this.ctx, session.clinicId))(position, session.priority, session.teamId);
  }

  private async sessionChanged(e: SessionEvent) {
    const { connections } = this;
    const session = await getSessionView(this.ctx.db, e.sessionId);
    if (!session) return;
    const audience = connections.audience(session.id, session.patient.id);
    const history = e.t === 'session.waiting' ? [] : await assignmentHistory(this.ctx.db, session.id);
    const previousId = e.t === 'session.waiting' ? null : e.previousEmployeeId;
    const previous = previousId ? (history.findLast((a) => a.employee.id === previousId) ?? null) : null;
    let event: ServerEvent;
    if (e.t === 'session.waiting') event = { type: 'session.waiting', session, queue: await this.queueStatus(session) };
    else if (e.t === 'session.assigned')
      event = {
        type: 'session.assigned',
        session,
        employee: session.employee ?? { id: e.employeeId, displayName: '' },
        reason: e.reason,
        previousEmployee: previous?.employee ?? null,
      };
    else if (e.t === 'session.requeued')
      event = { type: 'session.requeued', session, previousEmployee: previous?.employee ?? null, reason: e.reason, queue: await this.queueStatus(session) };
    else event = { type: 'session.ended', session };
    const frame = encode(event);
    for (const conn of audience) connections.send(conn, frame);

    if (e.t === 'session.assigned') {
      const at = history.findIndex((a) => a.id === e.assignmentId);
      const assignment = history[at];
      // The note the holder before left (leaving, transferring, going offline): offered to whoever takes over, with the chat.
      const before = at > 0 ? history[at - 1] : undefined;
      const handover =
        before?.leaveNote && before.endedAt ? { from: before.employee, note: before.leaveNote, reason: before.endReason ?? 'left', at: before.endedAt } : null;
      if (assignment)
        for (const conn of connections.byUser.get(e.employeeId)) connections.sendEvent(conn, { type: 'employee.assigned', session, assignment, handover });
    }
    if (previous && previousId) {
      const reason = previous.endReason ?? 'left';
      for (const conn of connections.byUser.get(previousId)) connections.sendEvent(conn, { type: 'employee.unassigned', session, reason });
    }
  }
}
