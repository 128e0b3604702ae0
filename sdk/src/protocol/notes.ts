/**
 * Staff-only conversation inside a session, and a clinic's quick replies.
 *
 * Internal notes are written by staff inside a session, may mention colleagues (`@`), and never reach a patient:
 * they are kept apart from messages (their own table), read only by staff (`GET /api/v1/sessions/:id/notes`,
 * audited as `notes.read`), sent on the socket only to staff (`note.created` to staff following the session,
 * `note.mentioned` to the colleagues named), and left out of transcripts, webhooks and the FHIR export unless an
 * admin asks for them (`includeNotes=true`).
 *
 * Quick replies are a clinic's canned answers, a short `shortcut` and the `body` it inserts in the composer;
 * admins manage them, staff list them.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MAX_MESSAGE_LENGTH } from './errors';
import { Person } from './models';

export const NOTE_LIMITS = {
  /** A note's text, as long as a message's. */
  noteBody: MAX_MESSAGE_LENGTH,
  /** Colleagues one note may mention. */
  mentions: 20,
  /** A quick reply's shortcut: letters, digits, `-` and `_`, typed after `/` in the composer. */
  shortcut: 40,
  /** A quick reply's text, as long as a message's. */
  quickReplyBody: MAX_MESSAGE_LENGTH,
  /** Quick replies one clinic may keep. */
  quickReplies: 200,
} as const;

const Id = Type.String({ format: 'uuid' });

/** One internal note: staff only, immutable once written. */
export const Note = Type.Object({
  id: Id,
  sessionId: Id,
  author: Person,
  body: Type.String(),
  /** The colleagues the note mentions (staff of the clinic), each told by a `note.mentioned` frame. */
  mentions: Type.Array(Person),
  createdAt: Type.String({ description: 'ISO 8601 time, UTC' }),
});
export type Note = Static<typeof Note>;

/** `POST /api/v1/sessions/:id/notes`. */
export const NoteCreateParams = Type.Object({
  body: Type.String({ minLength: 1, maxLength: NOTE_LIMITS.noteBody }),
  /** Employee ids of colleagues of the same clinic (employees or admins); anyone else is a 400. */
  mentions: Type.Optional(Type.Array(Id, { maxItems: NOTE_LIMITS.mentions, uniqueItems: true })),
});
export type NoteCreateParams = Static<typeof NoteCreateParams>;

export const QuickReply = Type.Object({
  id: Id,
  shortcut: Type.String(),
  body: Type.String(),
  updatedAt: Type.String({ description: 'ISO 8601 time, UTC' }),
});
export type QuickReply = Static<typeof QuickReply>;

const Shortcut = Type.String({ minLength: 1, maxLength: NOTE_LIMITS.shortcut, pattern: '^[A-Za-z0-9_-]+$' });

/**
 * The variables a quick reply's text may hold, filled when staff insert it: `{patient.name}` (the chat's patient),
 * `{clinic.name}`, `{clinic.phone}` (clinic settings) and `{employee.name}` (whoever inserts it). One without a
 * value is left as written, for staff to fill in.
 */
export const QUICK_REPLY_VARIABLES = ['patient.name', 'clinic.name', 'clinic.phone', 'employee.name'] as const;
export type QuickReplyVariable = (typeof QUICK_REPLY_VARIABLES)[number];

/** The clinic's values for quick replies' `{clinic.*}` variables; null: not set. */
export const QuickReplyClinic = Type.Object({ name: Type.String(), phone: Type.Union([Type.String(), Type.Null()]) });
export type QuickReplyClinic = Static<typeof QuickReplyClinic>;

/** `GET /api/v1/quick-replies`: the replies by shortcut, and the clinic's values for their variables. */
export const QuickReplyLibrary = Type.Object({ quickReplies: Type.Array(QuickReply), clinic: QuickReplyClinic });
export type QuickReplyLibrary = Static<typeof QuickReplyLibrary>;

/** `POST /api/v1/quick-replies`: a shortcut unique in the clinic (case-insensitive; taken: 409 conflict). */
export const QuickReplyCreateParams = Type.Object({
  shortcut: Shortcut,
  body: Type.String({ minLength: 1, maxLength: NOTE_LIMITS.quickReplyBody }),
});
export type QuickReplyCreateParams = Static<typeof QuickReplyCreateParams>;

/** `PATCH /api/v1/quick-replies/:id`: what changes. */
export const QuickReplyPatchParams = Type.Object({
  shortcut: Type.Optional(Shortcut),
  body: Type.Optional(Type.String({ minLength: 1, maxLength: NOTE_LIMITS.quickReplyBody })),
});
export type QuickReplyPatchParams = Static<typeof QuickReplyPatchParams>;
