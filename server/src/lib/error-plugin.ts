import { Elysia } from 'elysia';
import type { Logger } from './logger';
import { errorKind } from './logger';
import { checkBody } from './body';

/** The attachment upload (`POST /api/v1/sessions/:id/attachments`), whose body is a file, not JSON. */
const UPLOAD_PATH = /^\/api\/v1\/sessions\/[^/]+\/attachments$/;
import { AppError, errorBody, isDatabaseUnavailable, pgCode } from './errors';

/**
 * Validation errors become `invalid_request` with field paths and the rule broken, never the value sent: TypeBox's
 * message ("Expected string"), not Elysia's summary, which quotes the value ("… but found: <the value>").
 */
function validationDetails(error: unknown) {
  const all = (error as { all?: ValidationError[] }).all ?? [];
  return all.slice(0, 10).map((e) => ({ path: e.path ?? '', problem: unionProblem(e) ?? e.message ?? 'invalid' }));
}

type ValidationError = { path?: string; message?: string; errors?: Iterable<ValidationError>[] };

/**
 * A value that fits no branch of a union says only "Expected union value". For the usual `X | null` the rule of
 * X is what was broken ("Expected integer to be greater or equal to 10"): the first branch's problem that is not
 * about null.
 */
function unionProblem(e: ValidationError): string | undefined {
  if (!e.errors?.length) return undefined;
  for (const branch of e.errors) for (const sub of branch) if (sub.message && sub.message !== 'Expected null') return sub.message;
  return undefined;
}

const requestIds = new WeakMap<Request, string>();
/** The error code each refused request was answered with (the request log counts 503s by it). */
const errorCodes = new WeakMap<Request, string>();

/** The id the error plugin gave a request (in `x-request-id` and every error body). */
export const requestIdOf = (request: Request) => requestIds.get(request);
/** The error code a request was answered with, if it was refused. */
export const errorCodeOf = (request: Request) => errorCodes.get(request);

/** The route pattern (`/api/v1/sessions/:id`), never the path: a path carries whatever text the caller put in it. */
const routeOf = (route: string | undefined) => route || 'unmatched';

export interface ErrorPluginOptions {
  /** The methods some route takes at a path: a path asked with another one answers 405 with `Allow`, not 404. */
  methodsOf?: (path: string) => readonly string[];
  /**
   * The refusal a request's caller earns before its body is looked at (401 without a valid token on a route that
   * needs one), or null. Asked only when the body fails validation, so that a caller who may not use a route learns
   * nothing about what it accepts, and a signed-in caller costs nothing more.
   */
  refusalBeforeBody?: (request: Request) => Promise<AppError | null>;
}

/** One error envelope for every route: `{"error":{"code","message","requestId","details"?}}`; never a stack. */
export const errorPlugin = (logger: Logger, { methodsOf = () => [], refusalBeforeBody = async () => null }: ErrorPluginOptions = {}) =>
  new Elysia({ name: 'errors' })
    .onRequest(async ({ request, set }) => {
      const requestId = crypto.randomUUID();
      requestIds.set(request, requestId);
      set.headers['x-request-id'] = requestId;
      const path = new URL(request.url).pathname;
      // An upload's body is a file, read and limited by its route (modules/attachments).
      if (request.method === 'POST' && UPLOAD_PATH.test(path)) return;
      await checkBody(request, path.startsWith('/api/'));
    })
    .onError({ as: 'global' }, async ({ code, error, set, request, route }) => {
      const requestId = requestIds.get(request);
      const reply = (status: number, body: { error: { code: string } }) => {
        errorCodes.set(request, body.error.code);
        set.status = status;
        set.headers['content-type'] = 'application/json';
        return body;
      };
      if (code === 'VALIDATION' || code === 'PARSE' || (error instanceof AppError && ['invalid_request', 'unsupported_media_type'].includes(error.code))) {
        const first = await refusalBeforeBody(request).catch(() => null);
        if (first) return reply(first.status, errorBody(first.code, requestId, first.details, first.message));
      }
      if (error instanceof AppError) {
        const retryAfter = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
        if (typeof retryAfter === 'number') set.headers['retry-after'] = String(Math.ceil(retryAfter));
        return reply(error.status, errorBody(error.code, requestId, error.details, error.message));
      }
      switch (code) {
        case 'VALIDATION':
          return reply(400, errorBody('invalid_request', requestId, validationDetails(error)));
        case 'PARSE':
          return reply(400, errorBody('invalid_request', requestId, undefined, 'The body is not valid JSON.'));
        case 'NOT_FOUND': {
          const allowed = methodsOf(new URL(request.url).pathname);
          if (allowed.length === 0) return reply(404, errorBody('not_found', requestId));
          set.headers['allow'] = allowed.join(', ');
          return reply(405, errorBody('method_not_allowed', requestId, { allow: allowed }));
        }
        case 'INVALID_COOKIE_SIGNATURE':
        case 'INVALID_FILE_TYPE':
          return reply(400, errorBody('invalid_request', requestId));
      }
      const status = (error as { status?: unknown }).status;
      if (status === 413) return reply(413, errorBody('payload_too_large', requestId));
      if (isDatabaseUnavailable(error)) {
        logger.warn('request.database_unavailable', { requestId, route: routeOf(route), ...errorKind(error) });
        set.headers['retry-after'] = '2';
        return reply(503, errorBody('database_unavailable', requestId));
      }
      if (typeof status === 'number' && status >= 400 && status < 500) return reply(400, errorBody('invalid_request', requestId));
      // Backstop for text Postgres cannot store (NUL, bad encoding) that slipped past the checks: the client's fault.
      if (['22021', '22P05'].includes(pgCode(error) ?? '')) return reply(400, errorBody('invalid_request', requestId));
      logger.error('request.failed', { requestId, route: routeOf(route), ...errorKind(error) });
      return reply(500, errorBody('internal_error', requestId));
    });
