import { describe, expect, jest, test } from 'bun:test';
import { backoff } from './backoff';
import { AbortError, ConnectionError, TimeoutError, isMedChatError } from './errors';
import { DEFAULT_RETRY, request, retryAfterMs, type Fetch, type HttpConfig } from './http';
import { Messages } from '../resources/messages';

type Reply = Response | Error | 'hang';
const json = (status: number, body?: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
const envelope = (code: string) => ({ error: { code, message: code, requestId: 'req-1' } });

/** Lets pending promise callbacks run (a reply is read between timer steps). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A fetch that answers from a script and records every call. */
function scripted(replies: Reply[]) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const fetch: Fetch = (url, init) => {
    calls.push({ url, init });
    const reply = replies[Math.min(calls.length - 1, replies.length - 1)]!;
    if (reply === 'hang') {
      return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }
    return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply.clone());
  };
  const config: HttpConfig = {
    baseUrl: 'http://api.test',
    fetch,
    token: () => 'tok',
    retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 2 },
    timeoutMs: 1000,
  };
  return { calls, config };
}

describe('request', () => {
  test('sends JSON with the bearer token and parses the answer', async () => {
    const { calls, config } = scripted([json(200, { ok: true })]);
    expect(await request(config, 'POST', '/x', { body: { a: 1 }, query: { q: 'v', skip: undefined } })).toEqual({ ok: true });
    expect(calls[0]!.url).toBe('http://api.test/x?q=v');
    expect(calls[0]!.init?.body).toBe('{"a":1}');
    expect(new Headers(calls[0]!.init?.headers).get('authorization')).toBe('Bearer tok');
  });

  test('204 resolves to undefined', async () => {
    const { config } = scripted([new Response(null, { status: 204 })]);
    expect(await request(config, 'POST', '/x')).toBeUndefined();
  });

  test('GET retries retryable codes and connection errors, then succeeds', async () => {
    const { calls, config } = scripted([json(503, envelope('database_unavailable')), new TypeError('fetch failed'), json(200, 1)]);
    expect(await request(config, 'GET', '/x')).toBe(1);
    expect(calls.length).toBe(3);
  });

  test('gives up after maxRetries with the last error', async () => {
    const { calls, config } = scripted([json(500, envelope('internal_error'))]);
    const error = await request(config, 'GET', '/x').catch((e: unknown) => e);
    expect(isMedChatError(error) && error.code).toBe('internal_error');
    expect(calls.length).toBe(3);
  });

  test('never retries non-retryable codes', async () => {
    for (const code of ['not_found', 'invalid_request', 'unauthorized', 'session_ended']) {
      const { calls, config } = scripted([json(400, envelope(code)), json(200, 1)]);
      await expect(request(config, 'GET', '/x')).rejects.toMatchObject({ code, retryable: false, requestId: 'req-1' });
      expect(calls.length).toBe(1);
    }
  });

  test('a write without a client id is never retried, even on a connection error', async () => {
    for (const reply of [json(503, envelope('database_unavailable')), new TypeError('reset')]) {
      const { calls, config } = scripted([reply, json(200, 1)]);
      await expect(request(config, 'POST', '/x', { body: {} })).rejects.toMatchObject({ retryable: true });
      expect(calls.length).toBe(1);
    }
  });

  test('a write carrying a client id is retried with the same id', async () => {
    const { calls, config } = scripted([new TypeError('reset'), json(429, envelope('rate_limited')), json(201, { seq: 1 })]);
    await new Messages(config).send('s1', { body: 'hi' });
    expect(calls.length).toBe(3);
    const ids = calls.map((c) => (JSON.parse(String(c.init?.body)) as { clientMsgId: string }).clientMsgId);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('honours Retry-After: the retry leaves when the 150 ms it names are over, not before', async () => {
    // Fake timers: the clock moves only when the test moves it, so a loaded machine cannot stretch the wait.
    jest.useFakeTimers();
    try {
      const { calls, config } = scripted([json(429, envelope('rate_limited'), { 'retry-after': '0.15' }), json(200, 1)]);
      const done = request(config, 'GET', '/x');
      await flush();
      jest.advanceTimersByTime(149);
      await flush();
      expect(calls.length).toBe(1);
      jest.advanceTimersByTime(1);
      await flush();
      expect(calls.length).toBe(2);
      expect(await done).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  test('no response in time is a retryable TimeoutError', async () => {
    const { calls, config } = scripted(['hang']);
    config.timeoutMs = 10;
    const error = await request(config, 'GET', '/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(calls.length).toBe(3);
  });

  test('a network failure is a ConnectionError', async () => {
    const { config } = scripted([new TypeError('fetch failed')]);
    config.retry.maxRetries = 0;
    await expect(request(config, 'GET', '/x')).rejects.toBeInstanceOf(ConnectionError);
  });

  test('aborting stops at once, also between retries', async () => {
    const { calls, config } = scripted(['hang']);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 5);
    await expect(request(config, 'GET', '/x', { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(calls.length).toBe(1);

    const slow = scripted([json(503, envelope('database_unavailable'))]);
    slow.config.retry = { maxRetries: 5, initialDelayMs: 50, maxDelayMs: 50 };
    const late = new AbortController();
    setTimeout(() => late.abort(), 10);
    await expect(request(slow.config, 'GET', '/x', { signal: late.signal })).rejects.toBeInstanceOf(AbortError);
    expect(slow.calls.length).toBe(1);
  });

  test('a non-JSON success body is an invalid_response error', async () => {
    const { config } = scripted([new Response('<html>', { status: 200 })]);
    await expect(request(config, 'GET', '/x')).rejects.toMatchObject({ code: 'invalid_response' });
  });
});

describe('backoff', () => {
  test('grows exponentially, is capped, and jitters within [ceiling/2, ceiling]', () => {
    const policy = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 10].map((n) => backoff(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([0, 1, 10].map((n) => backoff(n, policy, () => 0))).toEqual([50, 100, 500]);
    expect(DEFAULT_RETRY.maxRetries).toBeGreaterThan(0);
  });
});

describe('retryAfterMs', () => {
  test('reads seconds and HTTP dates; ignores garbage and waits that are too long', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Tue, 01 Jan 2030 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('3600', now)).toBeUndefined();
    expect(retryAfterMs('-1', now)).toBeUndefined();
  });
});
