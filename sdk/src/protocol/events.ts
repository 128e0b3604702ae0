/**
 * Every WebSocket frame in both directions, defined once. Event type strings are dotted
 * `noun.past-verb` and are the same on the server's bus, on the socket and in the SDK's emitter.
 */
import { Type, type Static } from '@sinclair/typebox';
import { OpeningStatus } from './hours';
import { SessionPriority } from './intake';
import { Note } from './notes';
import { Assignment, AssignmentEndReason, AssignmentStartReason, Availability, Handover, Me, Message, Person, QueueStatus, Role, Session } from './models';

const Id = Type.String({ format: 'uuid' });
/** A client-chosen frame id, echoed as `ref` in the ack or error that answers it. Never empty: an empty ref could not be told from none. */
const Ref = Type.Optional(Type.String({ minLength: 1, maxLength: 64 }));

// ---------- client → server ----------

export const SubscribeFrame = Type.Object({
  type: Type.Literal('subscribe'),
  ref: Ref,
  sessionId: Id,
  /** The highest seq the client already holds; 0 for none. */
  lastSeq: Type.Integer({ minimum: 0 }),
});
export const UnsubscribeFrame = Type.Object({ type: Type.Literal('unsubscribe'), ref: Ref, sessionId: Id });
export const SendFrame = Type.Object({
  type: Type.Literal('message.send'),
  ref: Ref,
  sessionId: Id,
  clientMsgId: Type.String({ minLength: 1, maxLength: 64 }),
  /**
   * Up to 4,000 characters (MAX_MESSAGE_LENGTH); longer is refused with `message_too_long`, never cut. Empty only
   * with attachments.
   */
  body: Type.String(),
  /** The sender's uploads the message carries (`POST /sessions/:id/attachments`), in order. */
  attachmentIds: Type.Optional(Type.Array(Id, { maxItems: 10, uniqueItems: true })),
});
export const TypingFrame = Type.Object({
  type: Type.Union([Type.Literal('typing.start'), Type.Literal('typing.stop')]),
  ref: Ref,
  sessionId: Id,
});
export const ReadFrame = Type.Object({ type: Type.Literal('read'), ref: Ref, sessionId: Id, seq: Type.Integer({ minimum: 0 }) });
export const AvailabilityFrame = Type.Object({ type: Type.Literal('availability.set'), ref: Ref, availability: Availability });
/**
 * Staff only: this socket shows the session now (`viewing.start`, replacing any session it showed before), or
 * stopped (`viewing.stop`). Colleagues with the session open get `session.viewers`.
 */
export const ViewingFrame = Type.Object({
  type: Type.Union([Type.Literal('viewing.start'), Type.Literal('viewing.stop')]),
  ref: Ref,
  sessionId: Id,
});

export const ClientFrame = Type.Union([SubscribeFrame, UnsubscribeFrame, SendFrame, TypingFrame, ReadFrame, AvailabilityFrame, ViewingFrame]);
export type ClientFrame = Static<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];

// ---------- server → client ----------

export const HelloEvent = Type.Object({ type: Type.Literal('hello'), user: Me, serverTime: Type.String() });
export const AckEvent = Type.Object({
  type: Type.Literal('ack'),
  ref: Type.String(),
  /** For `message.send`: the stored message with its seq. */
  message: Type.Optional(Message),
  /** For `subscribe`: the session as it is now. */
  session: Type.Optional(Session),
});
export const ErrorEvent = Type.Object({
  type: Type.Literal('error'),
  ref: Type.Optional(Type.String()),
  code: Type.String(),
  message: Type.String(),
  sessionId: Type.Optional(Id),
});
export const MessageCreatedEvent = Type.Object({ type: Type.Literal('message.created'), message: Message });
const Typist = Type.Object({ id: Id, role: Role, displayName: Type.String() });
export const TypingStartedEvent = Type.Object({ type: Type.Literal('typing.started'), sessionId: Id, user: Typist });
export const TypingStoppedEvent = Type.Object({ type: Type.Literal('typing.stopped'), sessionId: Id, user: Typist });
export const ReadEvent = Type.Object({
  type: Type.Literal('read.updated'),
  sessionId: Id,
  userId: Id,
  role: Role,
  seq: Type.Integer({ minimum: 0 }),
});
export const SessionWaitingEvent = Type.Object({
  type: Type.Literal('session.waiting'),
  session: Session,
  queue: QueueStatus,
});
export const SessionAssignedEvent = Type.Object({
  type: Type.Literal('session.assigned'),
  session: Session,
  employee: Person,
  reason: AssignmentStartReason,
  /** The employee who held the session just before, on a transfer. */
  previousEmployee: Type.Union([Person, Type.Null()]),
});
export const SessionRequeuedEvent = Type.Object({
  type: Type.Literal('session.requeued'),
  session: Session,
  previousEmployee: Type.Union([Person, Type.Null()]),
  reason: AssignmentEndReason,
  queue: QueueStatus,
});
export const SessionEndedEvent = Type.Object({ type: Type.Literal('session.ended'), session: Session });
/** To an employee: you now hold this session (the console opens it). */
export const EmployeeAssignedEvent = Type.Object({
  type: Type.Literal('employee.assigned'),
  session: Session,
  assignment: Assignment,
  /** The note the previous holder left (on leaving, transferring or going offline), for the console to show as the chat opens; null: none. */
  handover: Type.Union([Handover, Type.Null()]),
});
/** To an employee: you no longer hold this session. */
export const EmployeeUnassignedEvent = Type.Object({
  type: Type.Literal('employee.unassigned'),
  session: Session,
  reason: AssignmentEndReason,
});
export const AvailabilityChangedEvent = Type.Object({
  type: Type.Literal('availability.changed'),
  userId: Id,
  availability: Availability,
});
/** To staff of a clinic: the waiting queue, or the sessions waiting on their patient, changed; fetch it again. */
export const QueueChangedEvent = Type.Object({
  type: Type.Literal('queue.changed'),
  waiting: Type.Integer({ minimum: 0 }),
  /** Sessions waiting on their patient (status idle), apart from the queue. */
  waitingOnPatient: Type.Integer({ minimum: 0 }),
});

/**
 * To the clinic's available staff (and the session's holder): a session became urgent, or staff changed its
 * priority. Ids only; the queue (`GET /api/v1/queue`) has the rest.
 */
export const SessionPrioritizedEvent = Type.Object({
  type: Type.Literal('session.prioritized'),
  sessionId: Id,
  priority: SessionPriority,
  /** Whether the session still waits for an employee. */
  waiting: Type.Boolean(),
  /** Who changed it; null when the patient's intake answers made it urgent at the start. */
  changedBy: Type.Union([Id, Type.Null()]),
});

/** To every socket of a clinic: it opened or closed by its hours (or an admin changed them), with the new status. */
export const ClinicOpenedEvent = Type.Object({ type: Type.Literal('clinic.opened'), hours: OpeningStatus });
export const ClinicClosedEvent = Type.Object({ type: Type.Literal('clinic.closed'), hours: OpeningStatus });

/** To staff following the session (never its patient): an internal note was written in it. */
export const NoteCreatedEvent = Type.Object({ type: Type.Literal('note.created'), note: Note });
/** To each colleague a note mentions, on every socket of theirs: the note, and the session it is in. */
export const NoteMentionedEvent = Type.Object({ type: Type.Literal('note.mentioned'), note: Note });

/**
 * To staff following or viewing a session (never its patient): the staff who have it open now, on any instance,
 * each once (the recipient included: a console leaves itself out).
 */
export const SessionViewersEvent = Type.Object({ type: Type.Literal('session.viewers'), sessionId: Id, viewers: Type.Array(Person) });

export const ServerEvent = Type.Union([
  HelloEvent,
  AckEvent,
  ErrorEvent,
  MessageCreatedEvent,
  TypingStartedEvent,
  TypingStoppedEvent,
  ReadEvent,
  SessionWaitingEvent,
  SessionAssignedEvent,
  SessionRequeuedEvent,
  SessionEndedEvent,
  EmployeeAssignedEvent,
  EmployeeUnassignedEvent,
  AvailabilityChangedEvent,
  QueueChangedEvent,
  SessionPrioritizedEvent,
  ClinicOpenedEvent,
  ClinicClosedEvent,
  NoteCreatedEvent,
  NoteMentionedEvent,
  SessionViewersEvent,
]);
export type ServerEvent = Static<typeof ServerEvent>;
export type ServerEventType = ServerEvent['type'];
/** The event of a given type, e.g. `EventOf<'message.created'>`. */
export type EventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;
