import { describe, expect, test } from 'bun:test';
import { ERRORS } from '../protocol/errors';
import { AbortError, ConnectionError, MedChatError, RETRYABLE_CODES, TimeoutError, errorFromResponse, isMedChatError } from './errors';

describe('error mapping', () => {
  test('reads the envelope: code, message, requestId, details, status', () => {
    const error = errorFromResponse(409, { error: { code: 'session_ended', message: 'Ended.', requestId: 'r1', details: { at: 1 } } });
    expect(error).toMatchObject({ code: 'session_ended', message: 'Ended.', requestId: 'r1', details: { at: 1 }, status: 409, retryable: false });
  });

  test('every code of the protocol table maps to its own retryable flag', () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      const error = errorFromResponse(entry.status, { error: { code, message: entry.message } });
      expect([code, error.retryable]).toEqual([code, entry.retryable]);
      expect(new MedChatError({ code }).retryable).toBe(entry.retryable);
    }
    expect([...RETRYABLE_CODES].sort()).toEqual(
      Object.keys(ERRORS)
        .filter((c) => ERRORS[c as keyof typeof ERRORS].retryable)
        .sort(),
    );
  });

  test('an unknown code from a newer server is kept as is', () => {
    expect(errorFromResponse(400, { error: { code: 'brand_new', message: 'x' } }).code).toBe('brand_new');
  });

  test('a response without an envelope (a proxy) gets a code from its status', () => {
    const headers = new Headers({ 'x-request-id': 'edge-1' });
    expect(errorFromResponse(502, '<html>', headers)).toMatchObject({ code: 'internal_error', retryable: true, requestId: 'edge-1' });
    expect(errorFromResponse(429, undefined)).toMatchObject({ code: 'rate_limited', retryable: true });
    expect(errorFromResponse(404, null)).toMatchObject({ code: 'not_found', retryable: false });
    expect(errorFromResponse(418, {})).toMatchObject({ code: 'invalid_request', retryable: false });
  });

  test('no-response errors: connection and timeout retryable, abort not', () => {
    expect(new ConnectionError()).toMatchObject({ code: 'connection_error', retryable: true, status: undefined });
    expect(new TimeoutError()).toMatchObject({ code: 'timeout', retryable: true });
    expect(new AbortError()).toMatchObject({ code: 'aborted', retryable: false });
  });

  test('isMedChatError checks the brand, not the prototype chain', () => {
    for (const e of [new MedChatError({ code: 'x' }), new ConnectionError(), new TimeoutError(), new AbortError()]) expect(isMedChatError(e)).toBe(true);
    // An error from another copy of the SDK (another bundle or realm) carries the same global-registry brand.
    const foreign = Object.assign(new Error('x'), { [Symbol.for('medchat.error')]: true, code: 'x' });
    expect(isMedChatError(foreign)).toBe(true);
    for (const v of [new Error('x'), { code: 'x' }, null, undefined, 'x']) expect(isMedChatError(v)).toBe(false);
  });
});
