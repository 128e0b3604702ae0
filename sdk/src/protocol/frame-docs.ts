/**
 * What each socket frame and close code means, in words, for the published WebSocket contract (the AsyncAPI
 * document the server builds from this module: `docs/asyncapi.json`, served at `/asyncapi/json`). Keyed by the
 * frame's `type`, so a frame added to `ClientFrame` or `ServerEvent` without a description here fails the type check.
 */
import type { CLOSE_CODES } from './close-codes';
import type { ClientFrameType, ServerEventType } from './events';

export const CLIENT_FRAME_DESCRIPTIONS: Record<ClientFrameType, string> = {
  subscribe:
    "Follow a session the caller may read: the server replays every message with seq > lastSeq, then sends live ones, in seq order and without duplicates; the `ack` carries the session as it is now. A lastSeq above the session's own is refused with `history_unavailable` (reload over HTTP). One audit row per subscribe, its replay included.",
  unsubscribe: 'Stop following a session; acked.',
  'message.send':
    'Send a message to a session the caller takes part in. `clientMsgId` makes it idempotent: a resend with the same id gets the stored message back, never a second one. The `ack` carries the stored message with its seq, sent only after it is committed.',
  'typing.start': 'The caller started typing in a session they may write to; the other participants get `typing.started`.',
  'typing.stop': 'The caller stopped typing; the other participants get `typing.stopped`.',
  read: 'The caller has read the session up to `seq`; the other participants get `read.updated`.',
  'viewing.start':
    'Staff only (a patient gets `forbidden`), on a session the caller may read: this socket shows it now, replacing the one it showed before. Kept per socket and dropped when the socket closes; staff following or viewing the session get `session.viewers`. Acked.',
  'viewing.stop': 'Staff only: this socket no longer shows the session (nothing happens if it showed another). Acked.',
  'availability.set':
    "Staff only: set the caller's availability; `available` lets the assignment engine give them waiting sessions, `offline` hands back the sessions they hold.",
};

export const SERVER_EVENT_DESCRIPTIONS: Record<ServerEventType, string> = {
  hello: "First frame on every socket: who the socket belongs to, and the server's clock.",
  ack: 'Answers a client frame that carried a `ref`, with the same `ref`: `message` for `message.send`, `session` for `subscribe`.',
  error:
    "A client frame was refused (`ref` echoes its `ref` when it had one), or the socket sends too fast (`rate_limited`). `code` is one of the error table's codes (sdk/src/protocol/errors.ts); `sessionId` names the session the refused frame was about.",
  'message.created': 'A stored message of a session the socket follows (replayed after `subscribe`, then live), in seq order.',
  'typing.started': "Someone else in a session the socket follows, or in the patient's own session, started typing.",
  'typing.stopped': 'Someone else stopped typing.',
  'read.updated': 'Someone else read a session up to `seq`.',
  'session.waiting':
    "The session waits for an employee; `queue` is the patient's place and estimated wait. Sent to the patient again whenever the queue moves.",
  'session.assigned':
    "An employee took the session (on start, from the queue, or on a transfer: `previousEmployee`). To the patient and the session's followers.",
  'session.requeued':
    'The employee left, was disconnected or did not answer in time, and nobody else was free: the session waits again, in its original place.',
  'session.ended': 'The session ended; nothing more can be sent to it.',
  'employee.assigned': 'To an employee: you now hold this session (the console opens it), with the handover note the previous holder left, if any.',
  'employee.unassigned': 'To an employee: you no longer hold this session, and why.',
  'availability.changed': "To the clinic's staff: an employee's availability changed.",
  'queue.changed':
    "To the clinic's staff: the waiting queue or the sessions waiting on their patient changed (`waiting` and `waitingOnPatient` sessions now); fetch `GET /queue` again for details.",
  'session.prioritized':
    "To the clinic's available staff and the session's holder: a patient answered yes to a red-flag question and started an urgent chat (`changedBy` null), or staff raised or lowered a session's priority. Ids only; urgent sessions are served first, so fetch the queue again.",
  'clinic.opened':
    'To every socket of the clinic: it opened (its hours began, or an admin changed them); `hours` is whether it is open now and when it next opens or closes.',
  'clinic.closed':
    'To every socket of the clinic: it closed (its hours ended, a closed date began, or an admin changed them); `hours` says when it opens next.',
  'note.created':
    'To staff following the session, never to its patient: an internal note (staff only) was written in it. Notes are not messages: they have no seq and are listed by `GET /api/v1/sessions/:id/notes`.',
  'session.viewers':
    'To staff following or viewing a session, never to a patient: the staff who have it open in a console now (`viewing.start`), across every instance, each person once. Sent whenever that changes, and to a socket as it starts viewing.',
  'note.mentioned':
    'To a colleague an internal note mentions, on each of their sockets, whether or not they follow the session: the note, so the console can tell them. Never sent to a patient.',
};

export const CLOSE_CODE_DESCRIPTIONS: Record<keyof typeof CLOSE_CODES, string> = {
  normal: 'Closed normally.',
  goingAway:
    'The server is shutting down or restarting, or could not open the socket (its database was away): reconnect, ideally to another instance, and resubscribe with the last seq held.',
  policyViolation: 'The token was revoked (sign-out, password change, deactivation): do not reconnect with it.',
  messageTooBig: 'A frame was larger than the limit.',
  unauthorized:
    'Reserved; this server refuses a missing, spent or expired ticket before the upgrade instead (HTTP 401 `invalid_token`). A client treats it as final: sign in again.',
  originNotAllowed:
    "Reserved; this server refuses a page origin that is not on the clinic's allowlist before the upgrade instead (HTTP 403 `origin_not_allowed`). A client treats it as final.",
  rateLimited: 'The socket kept sending faster than its frame rate after `rate_limited` errors.',
  slowConsumer: 'The client did not read fast enough: reconnect and resubscribe from the last seq held.',
};
