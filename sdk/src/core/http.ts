import { backoff, type BackoffPolicy } from './backoff';
import { AbortError, ConnectionError, MedChatError, TimeoutError, errorFromResponse } from './errors';

/** The part of `fetch` the SDK uses; the platform's `fetch` (or undici's, or a test double) fits. */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface RetryPolicy extends BackoffPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
}

export interface HttpConfig {
  /** The API's root without a trailing slash, e.g. `https://chat.example.org/api/v1`; request paths follow it. */
  baseUrl: string;
  fetch: Fetch;
  /** The bearer token for the next request, read on every attempt. */
  token: () => string | undefined;
  retry: RetryPolicy;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** A write that carries a client id (e.g. `clientMsgId`) and so may be repeated safely. */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 2, initialDelayMs: 500, maxDelayMs: 8000 };
/** The longest `Retry-After` we wait for; beyond it the computed backoff is used instead. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Sends one API request, and is the only place that retries. It retries connection errors, timeouts and codes
 * the protocol marks retryable — but only for GETs and for writes carrying a client id, so a retry can never
 * create a second effect. Delays follow capped exponential backoff with jitter, or `Retry-After` when given.
 */
export async function request<T>(config: HttpConfig, method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const canRepeat = method === 'GET' || options.idempotent === true;
  for (let attempt = 0; ; attempt++) {
    let error: MedChatError;
    let retryAfter: string | null = null;
    try {
      const res = await send(config, method, path, options);
      if (res.ok) return (await readBody(res)) as T;
      error = errorFromResponse(res.status, await readBody(res).catch(() => undefined), res.headers);
      retryAfter = res.headers.get('retry-after');
    } catch (cause) {
      error = cause as MedChatError;
    }
    if (!canRepeat || !error.retryable || attempt >= config.retry.maxRetries) throw error;
    await sleep(retryAfterMs(retryAfter) ?? backoff(attempt, config.retry), options.signal);
  }
}

/** One attempt. Throws only MedChatErrors: AbortError, TimeoutError or ConnectionError. */
async function send(config: HttpConfig, method: Method, path: string, options: RequestOptions): Promise<Response> {
  const { signal } = options;
  if (signal?.aborted) throw new AbortError();
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, config.timeoutMs);
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = config.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await config.fetch(buildUrl(config.baseUrl, path, options.query), {
      method,
      headers,
      body: JSON.stringify(options.body), // undefined when there is none
      signal: controller.signal,
    });
  } catch (cause) {
    if (signal?.aborted) throw new AbortError();
    if (timedOut) throw new TimeoutError();
    throw new ConnectionError(undefined, cause);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function buildUrl(baseUrl: string, path: string, query: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return `${baseUrl}${path}${search ? `?${search}` : ''}`;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new MedChatError({ code: 'invalid_response', message: 'Response is not JSON.', status: res.status, cause });
  }
}

/** `Retry-After` as seconds or an HTTP date, in ms; undefined when absent, unparsable or too long to wait. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return ms >= 0 && ms <= MAX_RETRY_AFTER_MS ? ms : undefined; // false for NaN (unparsable) too
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    signal?.addEventListener('abort', onAbort); // A signal aborts once: the listener runs at most once.
  });
}
