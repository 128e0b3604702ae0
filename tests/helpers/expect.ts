import { expect } from 'bun:test';

/** Asserts the one error envelope: `{"error":{"code","message","requestId"}}` with this status and code. */
export function expectError(res: { status: number; body: any }, status: number, code?: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code: code ?? res.body?.error?.code });
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(res.body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(Object.keys(res.body)).toEqual(['error']);
}
