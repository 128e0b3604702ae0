/**
 * `@medchat/sdk/patient`: what a patient's app uses (the widget imports only this), without the staff resources.
 * `@medchat/sdk/staff` adds them; the package's root exports both.
 */
export { MedChatPatient, type MedChatOptions } from './client';
export { SessionHandle, type ChatEvents, type PendingMessage, type Typist } from './chat';
export { MedChatError, ConnectionError, TimeoutError, AbortError, isMedChatError, type MedChatErrorInit } from './core/errors';
export { memoryTokens, localStorageTokens, type TokenStorage } from './core/storage';
export type { ConnectionState, StateChange, SocketEvents as ClientEvents, WebSocketConstructor, WebSocketLike } from './core/socket';
export type { Fetch, HttpConfig, RetryPolicy } from './core/http';
export type { BackoffPolicy } from './core/backoff';
export type { CallOptions } from './resources/auth';
export type { ListMessagesQuery } from './resources/messages';
export type { Auth } from './resources/auth';
export type { Clinics } from './resources/clinics';
export type { Sessions } from './resources/sessions';
export type { Messages } from './resources/messages';

// Wire contract: close codes at runtime; models and frames as types only (no TypeBox). The full error table
// (statuses, English defaults) is `ERRORS` from `@medchat/sdk/protocol`.
export { MAX_MESSAGE_LENGTH, type ErrorCode, type KnownErrorCode, type ErrorBody } from './protocol/errors';
export { CLOSE_CODES, FATAL_CLOSE_CODES, type CloseCode } from './protocol/close-codes';
export type * from './protocol/models';
/** What each method sends: `SessionStartParams`, `EmployeePatchParams`… (the server validates with the same schemas). */
export type * from './protocol/requests';
export type * from './protocol/hours';
export type * from './protocol/intake';
export type { ClientFrame, ClientFrameType, ServerEvent, ServerEventType, EventOf } from './protocol/events';
