import { expect } from 'bun:test';
import type { TestApp } from './app';
import { databaseDigest } from './digest';

/** Asserts the one error envelope: `{"error":{"code","message","requestId"}}` with this status and code. */
export function expectError(res: { status: number; body: any }, status: number, code?: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code: code ?? res.body?.error?.code });
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(res.body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(Object.keys(res.body)).toEqual(['error']);
}

/**
 * For one test app: `refused(method, path, options, status, code)` sends the request, asserts the error envelope,
 * and asserts the database is exactly as before (a rejected request changes nothing).
 */
export function refusalChecker(app: () => TestApp) {
  return async (method: string, path: string, options: Parameters<TestApp['call']>[2], status: number, code: string) => {
    const t = app();
    const before = await databaseDigest(t.ctx.db);
    const res = await t.call(method, path, options);
    expectError(res, status, code);
    expect(await databaseDigest(t.ctx.db)).toEqual(before);
    return res;
  };
}
