import { Elysia } from 'elysia';
import type { Logger } from './logger';
import { errorKind } from './logger';
import { AppError, errorBody, isDatabaseUnavailable, pgCode } from './errors';

/**
 * Validation errors become `invalid_request` with field paths and the rule broken, never the value sent: TypeBox's
 * message ("Expected string"), not Elysia's summary, which quotes the value ("… but found: <the value>").
 */
function validationDetails(error: unknown) {
  const all = (error as { all?: Array<{ path?: string; message?: string }> }).all ?? [];
  return all.slice(0, 10).map((e) => ({ path: e.path ?? '', problem: e.message ?? 'invalid' }));
}

/** The largest request body the API reads (RELIABILITY I3). */
export const MAX_BODY_BYTES = 256 * 1024;
/** The deepest nesting of arrays and objects a JSON body may have; the API's own bodies are 2 deep. */
export const MAX_JSON_DEPTH = 32;

/**
 * True when JSON text nests arrays or objects deeper than `limit`, counted without parsing (brackets inside strings
 * do not count). Elysia writes the whole refused value into its validation error, recursively and indented, so a
 * 6 KB body of `[[[[…` blocked the event loop for seconds, and a deeper one overflowed the stack (a 500).
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

const isJson = (request: Request) => /^application\/json/i.test(request.headers.get('content-type') ?? '');

const requestIds = new WeakMap<Request, string>();

/** The route pattern (`/api/v1/sessions/:id`), never the path: a path carries whatever text the caller put in it. */
const routeOf = (route: string | undefined) => route || 'unmatched';

/** One error envelope for every route: `{"error":{"code","message","requestId","details"?}}`; never a stack. */
export const errorPlugin = (logger: Logger) =>
  new Elysia({ name: 'errors' })
    .onRequest(async ({ request, set }) => {
      const requestId = crypto.randomUUID();
      requestIds.set(request, requestId);
      set.headers['x-request-id'] = requestId;
      // Bun's own limit (server.ts) answers with a bare 413; a declared length over ours gets the envelope.
      if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) throw new AppError('payload_too_large');
      // Read from a copy, so that Elysia still parses the body itself (and only for routes that take one).
      if (request.body && isJson(request) && nestsDeeperThan(await request.clone().text(), MAX_JSON_DEPTH)) {
        throw new AppError('invalid_request', { problem: 'too_deep', maxDepth: MAX_JSON_DEPTH }, 'The body is nested too deeply.');
      }
    })
    .onError({ as: 'global' }, ({ code, error, set, request, route }) => {
      const requestId = requestIds.get(request);
      const reply = (status: number, body: object) => {
        set.status = status;
        set.headers['content-type'] = 'application/json';
        return body;
      };
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
        case 'NOT_FOUND':
          return reply(404, errorBody('not_found', requestId));
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
