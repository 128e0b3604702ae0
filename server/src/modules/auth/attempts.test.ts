import { describe, expect, test } from 'bun:test';
import { LOGIN_ATTEMPTS, loginDelay } from './attempts';

describe('loginDelay', () => {
  test('the free failures cost nothing', () => {
    for (let failures = 0; failures < LOGIN_ATTEMPTS.max; failures++) expect(loginDelay(failures, 0)).toBe(0);
  });

  test('then the wait doubles with every failure, up to the cap', () => {
    const waits = Array.from({ length: 10 }, (_, i) => loginDelay(LOGIN_ATTEMPTS.max + i, 0));
    expect(waits).toEqual([15, 30, 60, 120, 240, 480, 900, 900, 900, 900]);
    expect(LOGIN_ATTEMPTS.maxDelaySeconds).toBe(900);
  });

  test('counted from the last failure, in whole seconds', () => {
    expect(loginDelay(LOGIN_ATTEMPTS.max, 10.5)).toBe(5);
    expect(loginDelay(LOGIN_ATTEMPTS.max + 1, 29.9)).toBe(1);
    expect(loginDelay(LOGIN_ATTEMPTS.max + 1, 30)).toBe(0);
    expect(loginDelay(LOGIN_ATTEMPTS.max + 20, 3600)).toBe(0);
  });
});
