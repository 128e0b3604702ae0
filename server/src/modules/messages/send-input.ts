import type { Actor } from '../auth/actor';

/** One send, as the writer and its batch statement (./batch-insert.sql.ts) take it. */
export interface SendInput {
  actor: Actor;
  sessionId: string;
  clientMsgId: string;
  /** Already cleaned and length-checked; empty only with attachments. */
  body: string;
  /** The sender's unsent uploads the message carries (modules/attachments): such sends take the one-message path. */
  attachmentIds?: readonly string[];
}
