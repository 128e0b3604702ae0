/**
 * What the HTTP API accepts: every request body (and the history query), defined once with TypeBox. The server
 * validates with these schemas and publishes them in its OpenAPI document; the SDK's methods take their
 * parameter types from them (`SessionStartParams`, `EmployeePatchParams`…), so the two cannot drift apart.
 *
 * Each text field has one length constant (`LIMITS`): the schema's `maxLength` and the server's check after
 * normalization (NFC, trimmed) use the same number. Integers are JSON numbers; numeric strings are refused.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ATTACHMENT_LIMITS } from './attachments';
import { MAX_MESSAGE_LENGTH } from './errors';
import { IntakeAnswers } from './intake';
import { Availability, SessionStatus, TeamFallback } from './models';

/** The longest text each field takes, in UTF-16 code units (JavaScript's `length`). */
export const LIMITS = {
  email: 254,
  password: 200,
  /** The shortest new password. */
  passwordMin: 10,
  siteKey: 100,
  identityToken: 4096,
  /** A patient's name, as the widget sends it. */
  patientName: 80,
  /** An employee's name, as an admin sets it. */
  employeeName: 120,
  /** Why a patient starts a chat; staff see it in the queue. */
  reason: 500,
  /** An employee's handover note when leaving a session (staff only). */
  leaveNote: 500,
  teamName: 80,
  messageBody: MAX_MESSAGE_LENGTH,
  clientMsgId: 64,
  clinicName: 120,
  emergencyText: 500,
  clinicPhone: 40,
  origin: 300,
  origins: 50,
  /** Chats an employee holds at once. */
  capacity: 50,
  graceSeconds: 3600,
  /** The shortest and longest first-reply deadline (seconds), and the longest away timeout (minutes, a day). */
  firstReplySecondsMin: 10,
  firstReplySeconds: 3600,
  awayTimeoutMinutes: 1440,
  /** The longest patient-gone period (minutes, a week) and inactivity close (hours, 90 days). */
  patientIdleMinutes: 10080,
  inactiveCloseHours: 2160,
  retentionDays: 36500,
  /** History page size (the server's default is 50). */
  pageSize: 200,
  /** Audit rows in one page of the export. */
  auditPage: 100_000,
  /** Sessions in one page of the FHIR export. */
  fhirExportPage: 1000,
  webhookUrl: 2000,
  /** The clinic's consent text for reply emails, and the longest delay before one (minutes, a day). */
  emailConsentText: 500,
  emailDelayMinutes: 1440,
  /** Local dates in one report, from its first to its last day. */
  reportDays: 366,
  /** Local dates in one report by the hour (a month of hourly rows at most). */
  reportHourDays: 31,
  seq: 2_000_000_000,
} as const;

const Text = (max: number, min = 1, description?: string) => Type.String({ minLength: min, maxLength: max, ...(description ? { description } : {}) });
const Email = Type.String({ minLength: 3, maxLength: LIMITS.email });
const Password = Text(LIMITS.password);
const NewPassword = Text(LIMITS.password, LIMITS.passwordMin);
/** A code from an authenticator app. */
const Code = Type.String({ pattern: '^[0-9]{6}$', description: 'Six digits from the authenticator app' });
const Capacity = Type.Integer({ minimum: 0, maximum: LIMITS.capacity });
const Seq = Type.Integer({ minimum: 0, maximum: LIMITS.seq });

// ---------- auth ----------

export const LoginParams = Type.Object({
  email: Email,
  password: Password,
  code: Type.Optional(Code),
  siteKey: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: LIMITS.siteKey,
      description: 'The clinic, for an email with staff accounts at several clinics (else 400 clinic_required)',
    }),
  ),
});
export type LoginParams = Static<typeof LoginParams>;

export const GuestParams = Type.Object({ siteKey: Text(LIMITS.siteKey), displayName: Text(LIMITS.patientName) });
export type GuestParams = Static<typeof GuestParams>;

export const IdentifyParams = Type.Object({ siteKey: Text(LIMITS.siteKey), identityToken: Text(LIMITS.identityToken) });
export type IdentifyParams = Static<typeof IdentifyParams>;

// ---------- the signed-in employee (/employees/me/*) ----------

export const AvailabilityParams = Type.Object({
  availability: Availability,
  /** Going offline: a handover note per chat held, offered to whoever takes each over. */
  notes: Type.Optional(
    Type.Array(Type.Object({ sessionId: Type.String({ format: 'uuid' }), note: Type.String({ maxLength: LIMITS.leaveNote }) }), { maxItems: 100 }),
  ),
});
export type AvailabilityParams = Static<typeof AvailabilityParams>;

export const PasswordChangeParams = Type.Object({ currentPassword: Password, newPassword: NewPassword });
export type PasswordChangeParams = Static<typeof PasswordChangeParams>;

export const MfaStartParams = Type.Object({ password: Password });
export type MfaStartParams = Static<typeof MfaStartParams>;

export const MfaConfirmParams = Type.Object({ code: Code });
export type MfaConfirmParams = Static<typeof MfaConfirmParams>;

export const MfaDisableParams = Type.Object({ password: Password, code: Code });
export type MfaDisableParams = Static<typeof MfaDisableParams>;

// ---------- admin ----------

export const EmployeeCreateParams = Type.Object({
  email: Type.String({ format: 'email', maxLength: LIMITS.email }),
  displayName: Text(LIMITS.employeeName),
  password: NewPassword,
  /** Omitted: the clinic's default capacity, which follows later changes of the default. */
  capacity: Type.Optional(Capacity),
  role: Type.Optional(Type.Union([Type.Literal('employee'), Type.Literal('admin')])),
});
export type EmployeeCreateParams = Static<typeof EmployeeCreateParams>;

export const EmployeePatchParams = Type.Object({
  displayName: Type.Optional(Text(LIMITS.employeeName)),
  /** `null` puts the employee back on the clinic's default capacity. */
  capacity: Type.Optional(Type.Union([Capacity, Type.Null()])),
  active: Type.Optional(Type.Boolean()),
  /** Only off: an admin resets two-step sign-in for staff who lost their device; each turns it on for themselves. */
  mfaEnabled: Type.Optional(Type.Literal(false)),
});
export type EmployeePatchParams = Static<typeof EmployeePatchParams>;

export const ClinicSettingsPatchParams = Type.Object({
  name: Type.Optional(Text(LIMITS.clinicName)),
  allowedOrigins: Type.Optional(Type.Array(Type.String({ maxLength: LIMITS.origin }), { maxItems: LIMITS.origins })),
  emergencyText: Type.Optional(Text(LIMITS.emergencyText)),
  /** null (or empty) removes it. */
  phone: Type.Optional(Type.Union([Text(LIMITS.clinicPhone), Type.Null()])),
  defaultCapacity: Type.Optional(Capacity),
  graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.graceSeconds })),
  /** null turns the first-reply deadline off. */
  firstReplySeconds: Type.Optional(Type.Union([Type.Integer({ minimum: LIMITS.firstReplySecondsMin, maximum: LIMITS.firstReplySeconds }), Type.Null()])),
  /** null turns the away timeout off. */
  awayTimeoutMinutes: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: LIMITS.awayTimeoutMinutes }), Type.Null()])),
  /** null: a chat never waits on its patient out of the queue. */
  patientIdleMinutes: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: LIMITS.patientIdleMinutes }), Type.Null()])),
  /** null: a chat waiting on its patient is never closed by the system. */
  inactiveCloseHours: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: LIMITS.inactiveCloseHours }), Type.Null()])),
  retentionDays: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: LIMITS.retentionDays }), Type.Null()])),
  brandColor: Type.Optional(Type.Union([Type.String({ pattern: '^#[0-9a-fA-F]{6}$' }), Type.Null()])),
  requireStaffMfa: Type.Optional(Type.Boolean()),
  webhookMessageText: Type.Optional(Type.Boolean()),
  notificationFirstNames: Type.Optional(Type.Boolean()),
  teamFallback: Type.Optional(TeamFallback),
  emailNotify: Type.Optional(Type.Boolean()),
  emailConsentText: Type.Optional(Text(LIMITS.emailConsentText)),
  emailFirstDelayMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.emailDelayMinutes })),
  emailReminderMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.emailDelayMinutes })),
  /** null: no email goes out (the link would have nowhere to open). */
  emailPageUrl: Type.Optional(Type.Union([Type.String({ maxLength: LIMITS.webhookUrl, pattern: '^https?://[^\\s]+$' }), Type.Null()])),
  /** null: the clinic's name. */
  emailSenderName: Type.Optional(Type.Union([Text(LIMITS.clinicName), Type.Null()])),
  attachmentMaxBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: ATTACHMENT_LIMITS.maxBytesCeiling })),
  attachmentsPerMessage: Type.Optional(Type.Integer({ minimum: 1, maximum: ATTACHMENT_LIMITS.perMessageCeiling })),
});
export type ClinicSettingsPatchParams = Static<typeof ClinicSettingsPatchParams>;

/** `GET /api/v1/audit`: the clinic's audit log for a time range, a page at a time. */
export const AuditExportParams = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time' })),
  /** The end of the range: omitted on the first page, then the `X-Audit-To` of the first answer. */
  to: Type.Optional(Type.String({ format: 'date-time' })),
  format: Type.Optional(Type.Union([Type.Literal('jsonl'), Type.Literal('csv')])),
  /** `X-Next-Cursor` of the previous page. */
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.auditPage })),
});
export type AuditExportParams = Static<typeof AuditExportParams>;

// ---------- sessions and messages ----------

export const SessionStartParams = Type.Object({
  reason: Text(LIMITS.reason),
  /** The answers to the clinic's intake questions; the server sets the priority from them. */
  intake: Type.Optional(IntakeAnswers),
  /** An address to be told of replies, given under the clinic's consent text (`ClinicPublic.emailConsent`). */
  notifyEmail: Type.Optional(Type.String({ format: 'email', maxLength: LIMITS.email })),
  /** false: an identified patient turns off the email their identity token named. */
  notify: Type.Optional(Type.Boolean()),
});
export type SessionStartParams = Static<typeof SessionStartParams>;

export const SessionListParams = Type.Object({ status: Type.Optional(SessionStatus) });
export type SessionListParams = Static<typeof SessionListParams>;

export const SessionLeaveParams = Type.Object({ note: Type.Optional(Type.String({ maxLength: LIMITS.leaveNote })) });
export type SessionLeaveParams = Static<typeof SessionLeaveParams>;

/** `POST /api/v1/sessions/:id/transfer`: to a named colleague, to a team, or to a colleague as a member of a team (both); with a handover note. */
export const SessionTransferParams = Type.Object({
  toEmployeeId: Type.Optional(Type.String({ format: 'uuid' })),
  toTeamId: Type.Optional(Type.String({ format: 'uuid' })),
  /** For whoever takes it over (staff only); may be empty. */
  note: Type.String({ maxLength: LIMITS.leaveNote }),
});
export type SessionTransferParams = Static<typeof SessionTransferParams>;

/** `POST /api/v1/teams`, `PATCH /api/v1/teams/:id`. */
export const TeamParams = Type.Object({ name: Text(LIMITS.teamName) });
export type TeamParams = Static<typeof TeamParams>;

/** `PUT /api/v1/teams/:id/members`: the whole membership. */
export const TeamMembersParams = Type.Object({ employeeIds: Type.Array(Type.String({ format: 'uuid' }), { maxItems: 500 }) });
export type TeamMembersParams = Static<typeof TeamMembersParams>;

export const MessageSendParams = Type.Object({
  clientMsgId: Text(LIMITS.clientMsgId),
  body: Text(
    LIMITS.messageBody,
    0,
    'Characters after NFC normalization and trimming; longer is refused with 422 message_too_long, never cut. Empty only with attachments.',
  ),
  /** Files uploaded by the sender to this session (`POST /sessions/:id/attachments`), in the order to show them. */
  attachmentIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 10, uniqueItems: true })),
});
export type MessageSendParams = Static<typeof MessageSendParams>;

export const MessageReadParams = Type.Object({ seq: Seq });
export type MessageReadParams = Static<typeof MessageReadParams>;

/** History by seq cursor: `after` (older to newer) or `before` (the page just before), not both. */
export const MessageListParams = Type.Object({
  /** Messages with seq greater than this. */
  after: Type.Optional(Seq),
  /** Messages with seq less than this. */
  before: Type.Optional(Seq),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.pageSize })),
});
export type MessageListParams = Static<typeof MessageListParams>;

// ---------- transcripts ----------

/** `GET /api/v1/sessions/:id/transcript`: plain text (the default) or PDF; `Accept: application/pdf` asks for PDF too. */
export const TranscriptFormat = Type.Union([Type.Literal('text'), Type.Literal('pdf')]);
export type TranscriptFormat = Static<typeof TranscriptFormat>;
export const TranscriptParams = Type.Object({ format: Type.Optional(TranscriptFormat) });
export type TranscriptParams = Static<typeof TranscriptParams>;

// ---------- FHIR export ----------

/** `GET /api/v1/sessions/:id/fhir`: one session as a FHIR R4 Bundle. */
export const FhirSessionParams = Type.Object({
  /** Handover notes and internal notes (staff only) as Communications between staff: admins only, everyone else gets 403. */
  includeNotes: Type.Optional(Type.Boolean()),
});
export type FhirSessionParams = Static<typeof FhirSessionParams>;

/** `GET /api/v1/fhir/export`: the sessions started in a time range as FHIR R4 NDJSON, a page of sessions at a time. */
export const FhirExportParams = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time' })),
  /** The end of the range: omitted on the first page, then the `X-Export-To` of the first answer. */
  to: Type.Optional(Type.String({ format: 'date-time' })),
  /** `X-Next-Cursor` of the previous page. */
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  /** Sessions in one page (default 100). */
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.fhirExportPage })),
  includeNotes: Type.Optional(Type.Boolean()),
});
export type FhirExportParams = Static<typeof FhirExportParams>;

// ---------- reports ----------

/** A date in the clinic's time zone (`YYYY-MM-DD`); the server also refuses dates that do not exist (2026-02-30). */
const LocalDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: "A date in the clinic's time zone, YYYY-MM-DD" });
export const ReportBucketSize = Type.Union([Type.Literal('day'), Type.Literal('hour')]);
export type ReportBucketSize = Static<typeof ReportBucketSize>;
/**
 * The clinic's figures from the start of `from` to the end of `to` (both whole local days, so `to` may equal `from`),
 * a row per local day or hour. At most `LIMITS.reportDays` days, and `LIMITS.reportHourDays` by the hour.
 */
export const ReportParams = Type.Object({
  from: LocalDate,
  to: LocalDate,
  /** Rows per day (the default) or per hour. */
  bucket: Type.Optional(ReportBucketSize),
});
export type ReportParams = Static<typeof ReportParams>;
/** The same report as CSV: its rows (`buckets`, the default, with a total row last) or its employees. */
export const ReportCsvParams = Type.Object({
  from: LocalDate,
  to: LocalDate,
  bucket: Type.Optional(ReportBucketSize),
  table: Type.Optional(Type.Union([Type.Literal('buckets'), Type.Literal('employees')])),
});
export type ReportCsvParams = Static<typeof ReportCsvParams>;

// ---------- webhooks ----------

export const WebhookEventType = Type.Union([
  Type.Literal('session.started'),
  Type.Literal('session.assigned'),
  Type.Literal('session.transferred'),
  Type.Literal('session.requeued'),
  Type.Literal('session.ended'),
  Type.Literal('message.created'),
]);
export type WebhookEventType = Static<typeof WebhookEventType>;
export const WebhookCreateParams = Type.Object({
  /** https only (plain http and private addresses only where the operator allows them). */
  url: Type.String({ minLength: 8, maxLength: LIMITS.webhookUrl }),
  events: Type.Array(WebhookEventType, { minItems: 1, maxItems: 6, uniqueItems: true }),
});
export type WebhookCreateParams = Static<typeof WebhookCreateParams>;
