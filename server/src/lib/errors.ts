import { ERRORS, type KnownErrorCode } from '@medchat/sdk/protocol';

/** The one error services throw. Its HTTP status comes from the shared code table. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: KnownErrorCode,
    readonly details?: unknown,
    message?: string,
  ) {
    super(message ?? ERRORS[code].message);
    this.name = 'AppError';
    this.status = ERRORS[code].status;
  }
}

export function errorBody(code: KnownErrorCode, requestId?: string, details?: unknown, message?: string) {
  return { error: { code, message: message ?? ERRORS[code].message, requestId, ...(details === undefined ? {} : { details }) } };
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'DATABASE_TIMEOUT', // no answer within the deadline (db/client.ts)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available (lock_timeout)
  '08006', // connection_failure
  '08001',
  '08003',
]);

/** True for errors that mean "the database is not reachable or too slow now": answered with 503. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The Postgres error code (SQLSTATE) of an error or of its cause, if any. */
export function pgCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
