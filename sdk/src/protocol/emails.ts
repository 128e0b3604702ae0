/**
 * The "you have a new message" emails: what admins read of the outbox (`GET /api/v1/emails`), and the bodies of
 * the patient's link (`POST /api/v1/auth/resume`) and of unsubscribing. What an email says, and what it never
 * says, is in docs/emails.md.
 */
import { type Static, Type } from '@sinclair/typebox';
import { AuthResult } from './models';

const Id = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ description: 'ISO 8601 time, UTC' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * pending (due or waiting for its time), sent, seen (the patient read the reply first: nothing sent), skipped (a
 * reminder whose first email never went out), cancelled (no address, consent turned off, unsubscribed, email
 * off), failed (the receiving server refused the address for good, or retries ran out).
 */
export const EmailStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sent'),
  Type.Literal('seen'),
  Type.Literal('skipped'),
  Type.Literal('cancelled'),
  Type.Literal('failed'),
]);
export type EmailStatus = Static<typeof EmailStatus>;

/** One due email in the outbox, as an admin sees it: no address, nothing of the chat but its id. */
export const EmailNotification = Type.Object({
  id: Id,
  sessionId: Id,
  kind: Type.Union([Type.Literal('first'), Type.Literal('reminder')]),
  status: EmailStatus,
  attempts: Type.Integer({ minimum: 0 }),
  /** When it is due, or tried again. */
  nextAttemptAt: Timestamp,
  lastAttemptAt: Nullable(Timestamp),
  /** Why the last attempt failed: the SMTP status and a short reason, never the server's whole answer. */
  lastError: Nullable(Type.String()),
  sentAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
export type EmailNotification = Static<typeof EmailNotification>;

export const EmailListParams = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) });
export type EmailListParams = Static<typeof EmailListParams>;

/** `POST /api/v1/auth/resume`: the `medchat_resume` token from the email's link, for a patient token. */
export const ResumeParams = Type.Object({
  siteKey: Type.String({ minLength: 1, maxLength: 100 }),
  token: Type.String({ minLength: 1, maxLength: 200 }),
});
export type ResumeParams = Static<typeof ResumeParams>;

/**
 * A patient token for the link's conversation, and which one; or, for a genuine link already used or older than 24
 * hours, `spent` saying which. Both are a 200: a spent link is a normal case the widget explains (with a new chat
 * offered), not a failure for the browser to log; only a link that was never valid is an error (404 `link_invalid`).
 */
export const ResumeResult = Type.Union([
  Type.Composite([AuthResult, Type.Object({ sessionId: Id })]),
  Type.Object({ spent: Type.Union([Type.Literal('link_used'), Type.Literal('link_expired')]) }),
]);
export type ResumeResult = Static<typeof ResumeResult>;

/**
 * `PUT /api/v1/sessions/:id/contact` (the session's patient): an address to be emailed of replies from now on, given
 * under the clinic's consent text, or `null` to stop (the identity token's address included).
 */
export const SessionContactParams = Type.Object({
  email: Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Null()]),
});
export type SessionContactParams = Static<typeof SessionContactParams>;

/** `POST /api/v1/emails/unsubscribe`: the token of the email's unsubscribe link. */
export const UnsubscribeParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 400 }) });
export type UnsubscribeParams = Static<typeof UnsubscribeParams>;
