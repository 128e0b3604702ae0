/**
 * Wire models, defined once with TypeBox. The server validates and documents its responses with these
 * schemas; the SDK takes its types from them (type-only imports, so the SDK bundle carries no TypeBox).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Attachment } from './attachments';
import { OpeningStatus } from './hours';
import { ClinicIntake, SessionPriority } from './intake';

const Id = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ description: 'ISO 8601 time, UTC' });

export const Role = Type.Union([Type.Literal('patient'), Type.Literal('employee'), Type.Literal('admin')]);
export type Role = Static<typeof Role>;

export const Availability = Type.Union([Type.Literal('available'), Type.Literal('away'), Type.Literal('offline')]);
export type Availability = Static<typeof Availability>;

/**
 * waiting: in the queue; active: an employee holds it; idle: waiting on the patient, who went quiet after staff
 * wrote (`patientIdleMinutes`): nobody holds it and it is not in the queue until the patient writes again; ended.
 */
export const SessionStatus = Type.Union([Type.Literal('waiting'), Type.Literal('active'), Type.Literal('idle'), Type.Literal('ended')]);
export type SessionStatus = Static<typeof SessionStatus>;

export const AssignmentStartReason = Type.Union([
  Type.Literal('session_started'),
  Type.Literal('after_leave'),
  Type.Literal('employee_available'),
  Type.Literal('admin'),
  /** The patient wrote again in a session that was waiting on them (status idle). */
  Type.Literal('patient_returned'),
  /** Its holder transferred it to this employee, or to a team of theirs. */
  Type.Literal('transferred'),
]);
export type AssignmentStartReason = Static<typeof AssignmentStartReason>;

/**
 * unanswered: the holder wrote nothing within the clinic's `firstReplySeconds`; away_timeout: the holder was away for
 * longer than its `awayTimeoutMinutes` (server/src/modules/assignments/timers.ts); patient_inactive: staff wrote last and
 * the patient was gone and silent for the clinic's `patientIdleMinutes` (the session waits on the patient, status idle).
 */
export const AssignmentEndReason = Type.Union([
  Type.Literal('left'),
  Type.Literal('disconnected'),
  Type.Literal('session_ended'),
  Type.Literal('admin'),
  Type.Literal('unanswered'),
  Type.Literal('away_timeout'),
  Type.Literal('patient_inactive'),
  /** The holder handed it to a named colleague or a team (`POST /sessions/:id/transfer`). */
  Type.Literal('transferred'),
]);
export type AssignmentEndReason = Static<typeof AssignmentEndReason>;

export const Person = Type.Object({ id: Id, displayName: Type.String() });
export type Person = Static<typeof Person>;

export const Me = Type.Object({
  id: Id,
  clinicId: Id,
  role: Role,
  displayName: Type.String(),
  /** Staff: the sign-in address. A patient: the `email` claim of their last identity token (for reply emails); null for guests. */
  email: Type.Union([Type.String(), Type.Null()]),
  externalId: Type.Union([Type.String(), Type.Null()]),
  availability: Type.Union([Availability, Type.Null()]),
  capacity: Type.Union([Type.Integer(), Type.Null()]),
  /** Staff: two-step sign-in (a code from an authenticator app after the password) is on. Always false for patients. */
  mfaEnabled: Type.Boolean(),
  /** Staff of a clinic that requires two-step sign-in: until `mfaEnabled`, only its set-up is open to them. */
  mfaRequired: Type.Boolean(),
  /** Staff: the clinic lets desktop notifications name a patient by first name. Always false for patients. */
  notificationFirstNames: Type.Boolean(),
});
export type Me = Static<typeof Me>;

/** Two-step sign-in being set up: the secret to type into an authenticator app, or the address to open there. */
export const MfaEnrolment = Type.Object({ secret: Type.String(), uri: Type.String() });
export type MfaEnrolment = Static<typeof MfaEnrolment>;

export const AuthResult = Type.Object({ token: Type.String(), expiresAt: Timestamp, user: Me });
export type AuthResult = Static<typeof AuthResult>;

/** A single-use ticket that opens the socket (`?ticket=`) within 30 s; the long-lived token never goes in a URL. */
export const SocketTicket = Type.Object({ ticket: Type.String(), expiresAt: Timestamp });
export type SocketTicket = Static<typeof SocketTicket>;

export const Session = Type.Object({
  id: Id,
  clinicId: Id,
  status: SessionStatus,
  patient: Person,
  employee: Type.Union([Person, Type.Null()]),
  reason: Type.String(),
  /** `urgent` when the patient answered yes to a red-flag question, or staff raised it; served before `routine`. */
  priority: SessionPriority,
  /**
   * Started while the clinic was closed by its opening hours (a message left after hours), by the server's clock at
   * the start. Queued like any other; staff see these apart ("left overnight").
   */
  leftWhileClosed: Type.Boolean(),
  /** The team whose members take it (from the topic chosen, or a transfer); null: anyone. */
  teamId: Type.Union([Id, Type.Null()]),
  /** The topic the patient chose, in the clinic's words then; null: none. */
  topic: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  firstAssignedAt: Type.Union([Timestamp, Type.Null()]),
  endedAt: Type.Union([Timestamp, Type.Null()]),
  endedBy: Type.Union([Id, Type.Null()]),
  lastSeq: Type.Integer({ minimum: 0 }),
});
export type Session = Static<typeof Session>;

export const MessageKind = Type.Union([Type.Literal('text'), Type.Literal('system')]);
export type MessageKind = Static<typeof MessageKind>;

/** What a system line records; the widget and console localize it. */
/** `session.inactive`: the system closed a session that waited on its patient for the clinic's `inactiveCloseHours`. */
export const SystemEvent = Type.Union([
  Type.Literal('session.assigned'),
  Type.Literal('session.requeued'),
  Type.Literal('session.ended'),
  Type.Literal('session.inactive'),
]);
export type SystemEvent = Static<typeof SystemEvent>;

export const Message = Type.Object({
  id: Id,
  sessionId: Id,
  seq: Type.Integer({ minimum: 1 }),
  kind: MessageKind,
  sender: Type.Union([Type.Object({ id: Id, role: Role, displayName: Type.String() }), Type.Null()]),
  body: Type.String(),
  system: Type.Union([Type.Object({ event: SystemEvent, employeeName: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  clientMsgId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  /** The files the message carries, in the order sent; absent when it carries none. */
  attachments: Type.Optional(Type.Array(Attachment)),
});
export type Message = Static<typeof Message>;

export const MessagePage = Type.Object({
  messages: Type.Array(Message),
  /** True when more messages exist beyond this page in the direction asked. */
  hasMore: Type.Boolean(),
});
export type MessagePage = Static<typeof MessagePage>;

export const Assignment = Type.Object({
  id: Id,
  sessionId: Id,
  employee: Person,
  startedAt: Timestamp,
  endedAt: Type.Union([Timestamp, Type.Null()]),
  startReason: AssignmentStartReason,
  endReason: Type.Union([AssignmentEndReason, Type.Null()]),
  /** The handover note of an employee who left (staff only: patients never see assignments). */
  leaveNote: Type.Union([Type.String(), Type.Null()]),
  /** Ended by a transfer (`endReason` transferred): to this colleague, or to this team; null otherwise. */
  transferredTo: Type.Union([Type.Object({ employee: Type.Union([Person, Type.Null()]), teamId: Type.Union([Id, Type.Null()]) }), Type.Null()]),
});
export type Assignment = Static<typeof Assignment>;

/** One change of a session's priority by staff: who, when, from what to what, and why (append-only). */
export const PriorityChange = Type.Object({
  id: Id,
  changedBy: Person,
  from: SessionPriority,
  to: SessionPriority,
  reason: Type.String(),
  at: Timestamp,
});
export type PriorityChange = Static<typeof PriorityChange>;

/** A session's triage, for staff who may read it: the patient's red-flag answers as asked, and every change of priority since. */
export const SessionTriage = Type.Object({
  priority: SessionPriority,
  /** The questions in the words shown to the patient then, with their answers; empty when none were asked. */
  redFlags: Type.Array(Type.Object({ question: Type.String(), answer: Type.Boolean() })),
  changes: Type.Array(PriorityChange),
  /**
   * Who the patient is, when the clinic's own site vouched for it (a signed identity token, `POST /auth/identify`):
   * the clinic's id for the patient. Null for a guest, whose name is only what they typed.
   */
  identity: Type.Union([Type.Object({ externalId: Type.String() }), Type.Null()]),
});
export type SessionTriage = Static<typeof SessionTriage>;

export const Employee = Type.Object({
  id: Id,
  email: Type.String(),
  displayName: Type.String(),
  role: Type.Union([Type.Literal('employee'), Type.Literal('admin')]),
  availability: Availability,
  capacity: Type.Integer(),
  load: Type.Integer(),
  active: Type.Boolean(),
  mfaEnabled: Type.Boolean(),
});
export type Employee = Static<typeof Employee>;

export const QueueEntry = Type.Object({
  sessionId: Id,
  patient: Person,
  reason: Type.String(),
  priority: SessionPriority,
  /** Left while the clinic was closed (see `Session.leftWhileClosed`): the console lists these apart, oldest first. */
  leftWhileClosed: Type.Boolean(),
  /** The team it waits for; null: anyone. */
  teamId: Type.Union([Id, Type.Null()]),
  createdAt: Timestamp,
  /** Place in its team's queue (or among those for anyone): urgent sessions first, then oldest first. */
  position: Type.Integer({ minimum: 1 }),
});
export type QueueEntry = Static<typeof QueueEntry>;

/**
 * A session waiting on its patient (status idle): staff wrote last and the patient went quiet, so it left its
 * employee and is out of the queue until the patient writes again. Shown to staff apart from the queue.
 */
export const WaitingOnPatientEntry = Type.Object({
  sessionId: Id,
  patient: Person,
  reason: Type.String(),
  createdAt: Timestamp,
  /** When it began to wait on the patient. */
  idleSince: Timestamp,
  /** Who held it until then. */
  employee: Type.Union([Person, Type.Null()]),
});
export type WaitingOnPatientEntry = Static<typeof WaitingOnPatientEntry>;

export const QueueStatus = Type.Object({
  /** Place among the sessions waiting for the same team (or for anyone). */
  position: Type.Integer({ minimum: 1 }),
  /**
   * Measured at this clinic (server/src/modules/assignments/wait-estimate.ts); null when it cannot be kept: nobody
   * available, the clinic closed, or too little history. Say so in words then, never a number.
   */
  estimatedWaitSeconds: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  /** Some member of staff is available now; when none is, the estimate is a guess and the widget says so instead. */
  isStaffAvailable: Type.Boolean(),
});
export type QueueStatus = Static<typeof QueueStatus>;

/** What the widget may know about a clinic before anyone logs in. */
export const ClinicPublic = Type.Object({
  id: Id,
  name: Type.String(),
  emergencyText: Type.String(),
  brandColor: Type.Union([Type.String(), Type.Null()]),
  /** The requesting page's origin (the `Origin` header) is on the clinic's allowed origins; true without one. */
  originAllowed: Type.Boolean(),
  /** Open now or not, staff available, the next opening (protocol/hours.ts). */
  hours: OpeningStatus,
  /** What the pre-chat form asks (protocol/intake.ts). */
  intake: ClinicIntake,
  /** The clinic's consent text when patients may ask to be emailed of replies; null: the form asks for no address. */
  emailConsent: Type.Union([Type.String(), Type.Null()]),
  /** Largest file a patient may attach, in bytes (protocol/attachments.ts); the server refuses larger ones with 413. */
  attachmentMaxBytes: Type.Integer(),
  /** Most files one message carries. */
  attachmentsPerMessage: Type.Integer(),
});
export type ClinicPublic = Static<typeof ClinicPublic>;

export const TeamFallback = Type.Union([Type.Literal('wait'), Type.Literal('anyone')]);
export type TeamFallback = Static<typeof TeamFallback>;

/** One of the clinic's teams and its members' ids. */
export const Team = Type.Object({ id: Id, name: Type.String(), memberIds: Type.Array(Id) });
export type Team = Static<typeof Team>;

/** A member of staff as a colleague sees them for a transfer: free now or not, and their teams. */
export const Colleague = Type.Object({
  id: Id,
  displayName: Type.String(),
  availability: Availability,
  /** Available with room for another chat: a transfer to them would be taken. */
  canTake: Type.Boolean(),
  teamIds: Type.Array(Id),
});
export type Colleague = Static<typeof Colleague>;

/** What the previous holder wrote for whoever takes over (leaving, transferring, going offline), pushed with `employee.assigned`. */
export const Handover = Type.Object({
  from: Person,
  note: Type.String(),
  reason: AssignmentEndReason,
  at: Timestamp,
});
export type Handover = Static<typeof Handover>;

export const ClinicSettings = Type.Object({
  id: Id,
  name: Type.String(),
  siteKey: Type.String(),
  allowedOrigins: Type.Array(Type.String()),
  emergencyText: Type.String(),
  /** The phone number staff give patients (quick replies' `{clinic.phone}`); null: none set. */
  phone: Type.Union([Type.String(), Type.Null()]),
  defaultCapacity: Type.Integer(),
  graceSeconds: Type.Integer(),
  /** Seconds an assigned employee has for a first message before the chat goes to a colleague; null: no limit. */
  firstReplySeconds: Type.Union([Type.Integer(), Type.Null()]),
  /** Minutes an employee may be away before their chats go to colleagues; null: no limit. */
  awayTimeoutMinutes: Type.Union([Type.Integer(), Type.Null()]),
  /** Minutes the patient may be gone and silent after staff wrote before the chat waits on them, out of the queue; null: never. */
  patientIdleMinutes: Type.Union([Type.Integer(), Type.Null()]),
  /** Hours a chat may wait on its absent patient before the system closes it; null: never. */
  inactiveCloseHours: Type.Union([Type.Integer(), Type.Null()]),
  retentionDays: Type.Union([Type.Integer(), Type.Null()]),
  brandColor: Type.Union([Type.String(), Type.Null()]),
  /** Staff must set up two-step sign-in before they can do anything else. */
  requireStaffMfa: Type.Boolean(),
  /** `message.created` webhooks carry the message text; otherwise ids only (docs/webhooks.md). */
  webhookMessageText: Type.Boolean(),
  /** Staff's desktop notifications may name the patient by first name; otherwise they name nobody. */
  notificationFirstNames: Type.Boolean(),
  /** A chat for a team with nobody on shift: `wait` for the team, or let `anyone` available take it. */
  teamFallback: TeamFallback,
  /** Patients may give an address to get a content-free email when staff reply and they have not seen it (docs/emails.md). */
  emailNotify: Type.Boolean(),
  /** What a patient agrees to by giving an address, shown beside the field. */
  emailConsentText: Type.String(),
  /** Minutes an unseen reply waits before the email (default 5). */
  emailFirstDelayMinutes: Type.Integer(),
  /** Minutes after the reply before the one reminder, if still unseen (default 60). */
  emailReminderMinutes: Type.Integer(),
  /** The clinic's page with the widget that the email's link opens; null: no email goes out. */
  emailPageUrl: Type.Union([Type.String(), Type.Null()]),
  /** The sender's name in the From header; null: the clinic's name. */
  emailSenderName: Type.Union([Type.String(), Type.Null()]),
  /** Largest attachment a patient or member of staff may send, in bytes. */
  attachmentMaxBytes: Type.Integer(),
  /** Most attachments one message carries. */
  attachmentsPerMessage: Type.Integer(),
});
export type ClinicSettings = Static<typeof ClinicSettings>;

export const AuditEntry = Type.Object({
  id: Id,
  actorId: Type.Union([Id, Type.Null()]),
  action: Type.String(),
  sessionId: Type.Union([Id, Type.Null()]),
  /** A read of several sessions at once (a list, the queue): every session it showed. */
  sessionIds: Type.Union([Type.Array(Id), Type.Null()]),
  /** The user a change was about (an employee assigned, edited or deactivated). */
  subjectId: Type.Union([Id, Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  at: Timestamp,
});
export type AuditEntry = Static<typeof AuditEntry>;

/** Seconds, to the millisecond; null when no session in the bucket got that far. */
const Seconds = Type.Union([Type.Number({ minimum: 0 }), Type.Null()]);
const Durations = Type.Object({
  /** Sessions the figure was measured on (those that got an employee, or a staff reply). */
  count: Type.Integer({ minimum: 0 }),
  median: Seconds,
  p90: Seconds,
});

/** The figures of one row of a report, or of its whole range. */
const ReportFigures = {
  /** Chats started (sessions created) in the row. */
  chatsStarted: Type.Integer({ minimum: 0 }),
  /** Of those, started while the clinic was closed by its current opening hours (never, without a schedule). */
  afterHours: Type.Integer({ minimum: 0 }),
  /** Of those, urgent ones (a red flag answered yes at the start); the rest are routine. */
  urgent: Type.Integer({ minimum: 0 }),
  /** From a chat's start to its first employee, for the chats started in the row. */
  firstAssignment: Durations,
  /** From a chat's start to the first message from staff, for the chats started in the row. */
  firstReply: Durations,
  /** Assignment periods that ended in the row, by end reason; every reason the server knows is present. */
  endReasons: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
};

/** An admin's report (`GET /api/v1/reports`): rows per local day or hour, the whole range's figures, chats per employee. */
export const Report = Type.Object({
  from: Type.String(),
  to: Type.String(),
  bucket: Type.Union([Type.Literal('day'), Type.Literal('hour')]),
  /** The clinic's time zone (its opening hours'), in which the rows are local days or hours. */
  timeZone: Type.String(),
  buckets: Type.Array(
    Type.Object({
      /** The row's first instant. */
      start: Timestamp,
      /** Local: `2026-03-29` by day, `2026-03-29T03:00+02:00` by the hour (the offset tells a repeated hour apart). */
      label: Type.String(),
      ...ReportFigures,
    }),
  ),
  total: Type.Object(ReportFigures),
  /** Employees who held a chat in the range (an assignment period that started in it), most chats first. */
  employees: Type.Array(Type.Object({ id: Id, displayName: Type.String(), chats: Type.Integer({ minimum: 0 }) })),
});
export type Report = Static<typeof Report>;

/**
 * The HTTP error envelope, `{"error":{"code","message","requestId","details"?}}`, as a schema for the API document
 * (`ErrorBody` in ./errors.ts is the same shape as a plain type, since that file stays free of TypeBox).
 */
export const ErrorEnvelope = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'A stable snake_case code from the error table; clients should accept codes they do not know' }),
    message: Type.String({ description: 'English, for people; never parse it' }),
    requestId: Type.Optional(Type.String({ description: 'Names the request in the server’s logs' })),
    details: Type.Optional(Type.Unknown({ description: 'Which fields failed and why, for validation errors; other hints for some codes' })),
  }),
});
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;
