import type { ErrorCode } from '../protocol/errors';

const BRAND = Symbol.for('medchat.error');

/**
 * The codes the protocol's table marks retryable. Kept here rather than importing the whole table so the browser
 * bundle stays small; `errors.test.ts` fails if the two ever disagree.
 */
export const RETRYABLE_CODES: readonly string[] = ['rate_limited', 'internal_error', 'database_unavailable'];

export interface MedChatErrorInit {
  code: ErrorCode;
  message?: string;
  /** HTTP status; undefined when there was no HTTP response (socket errors, network failures). */
  status?: number;
  requestId?: string;
  retryable?: boolean;
  details?: unknown;
  cause?: unknown;
}

/**
 * The one error the SDK throws. `code` is a stable snake_case code from the protocol's table
 * (or a newer one this SDK does not know yet); `retryable` says whether repeating the same request may succeed.
 */
export class MedChatError extends Error {
  declare readonly [BRAND]: true;
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(init: MedChatErrorInit) {
    super(init.message ?? init.code, init.cause === undefined ? undefined : { cause: init.cause });
    (this as { [BRAND]: boolean })[BRAND] = true;
    this.name = 'MedChatError';
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.retryable = init.retryable ?? RETRYABLE_CODES.includes(init.code);
    this.details = init.details;
  }
}

/** The request got no response: DNS, refused connection, reset, offline. Always retryable. */
export class ConnectionError extends MedChatError {
  constructor(message = 'Server unreachable.', cause?: unknown) {
    super({ code: 'connection_error', message, retryable: true, cause });
    this.name = 'ConnectionError';
  }
}

/** The request got no response in time. Retryable. */
export class TimeoutError extends MedChatError {
  constructor(message = 'Timed out.') {
    super({ code: 'timeout', message, retryable: true });
    this.name = 'TimeoutError';
  }
}

/** The caller aborted the request (AbortSignal). Never retried. */
export class AbortError extends MedChatError {
  constructor(message = 'Aborted.') {
    super({ code: 'aborted', message }); // Not retryable: 'aborted' is not in RETRYABLE_CODES.
    this.name = 'AbortError';
  }
}

/** True for every error the SDK throws, across bundle copies and realms (checks a brand, not the prototype). */
export function isMedChatError(value: unknown): value is MedChatError {
  return (value as { [BRAND]?: unknown } | null | undefined)?.[BRAND] === true;
}

/** Builds the error for a non-2xx HTTP response from its `{"error":{…}}` envelope, tolerating proxies that send none. */
export function errorFromResponse(status: number, body: unknown, headers?: Headers): MedChatError {
  const envelope = (body as { error?: Record<string, unknown> } | null)?.error;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const code = str(envelope?.code) ?? codeForStatus(status);
  return new MedChatError({
    code,
    status,
    message: str(envelope?.message),
    requestId: str(envelope?.requestId) ?? headers?.get('x-request-id') ?? undefined,
    // By status: every retryable code of the table is answered with 429 or 5xx, and so is what a proxy says for it.
    retryable: status === 429 || status >= 500,
    details: envelope?.details,
  });
}

/** Generic codes for responses without an envelope (e.g. from a proxy). */
const STATUS_CODES: Record<number, ErrorCode> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  429: 'rate_limited',
};

function codeForStatus(status: number): ErrorCode {
  return STATUS_CODES[status] ?? (status >= 500 ? 'internal_error' : 'invalid_request');
}
