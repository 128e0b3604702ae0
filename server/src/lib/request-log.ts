import { Elysia } from 'elysia';
import { errorCodeOf, requestIdOf } from './error-plugin';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { endRequestSpan } from './tracing';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** When each request arrived (like the error plugin's request ids, keyed by the request, so nothing outlives it). */
const arrivals = new WeakMap<Request, number>();
/** The pattern of a request answered outside the router (the socket endpoint's hook). */
const patterns = new WeakMap<Request, string>();

/** Names the route pattern of a request that a request hook answers (no route matches it). */
export const nameRoute = (request: Request, pattern: string) => void patterns.set(request, pattern);

/**
 * One `request.completed` line per answered request, at info: method, route pattern (never the path, which carries
 * ids and whatever text a caller put in it), status, milliseconds, request id, and the error code of a refusal. The
 * same request is counted in `medchat_http_request_duration_seconds`, and a 503 in `medchat_http_unavailable_total`
 * by its code. Called once per request: by the plugin below after the answer, by the socket endpoint on an upgrade
 * (Bun answers 101 itself, and no response hook runs). A traced request's span ends here too (./tracing.ts).
 */
export function requestCompleted(logger: Logger, metrics: Metrics, request: Request, route: string, status: number) {
  const begun = arrivals.get(request);
  if (begun === undefined) return;
  arrivals.delete(request);
  const seconds = (performance.now() - begun) / 1000;
  const method = METHODS.has(request.method) ? request.method : 'other';
  const code = errorCodeOf(request);
  metrics.httpRequests.observe({ method, route, status: String(status) }, seconds);
  if (status === 503) metrics.unavailable.inc({ cause: code ?? (route === '/readyz' ? 'readiness' : 'other') });
  endRequestSpan(request, method, route, status, code);
  logger.info('request.completed', { method, route, status, ms: Math.round(seconds * 10_000) / 10, requestId: requestIdOf(request), code });
}

/**
 * Starts each request's clock and logs it once answered (`requestCompleted`). Registered first, so its clock starts
 * before any other hook can answer; it only records the time, so the next plugin is still the first to answer.
 */
export const requestLog = (logger: Logger, metrics: Metrics) =>
  new Elysia({ name: 'request-log' })
    .onRequest(({ request }) => void arrivals.set(request, performance.now()))
    .onAfterResponse({ as: 'global' }, ({ request, route, set, responseValue }) => {
      const status = responseValue instanceof Response ? responseValue.status : typeof set.status === 'number' ? set.status : 200;
      requestCompleted(logger, metrics, request, route || patterns.get(request) || 'unmatched', status);
    });
