import type { Actor } from '../auth/actor';

/** One send, as the writer and its batch statement (./batch-insert.sql.ts) take it. */
export interface SendInput {
  actor: Actor;
  sessionId: string;
  clientMsgId: string;
  /** Already cleaned and length-checked. */
  body: string;
}
