import { describe, expect, test } from 'bun:test';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  test('a burst, then one per 1/rate seconds; the answer says how long to wait', () => {
    const limiter = new RateLimiter(2, 3);
    expect([0, 0, 0].map(() => limiter.take('a', 0))).toEqual([0, 0, 0]);
    expect(limiter.take('a', 0)).toBe(1);
    expect(limiter.take('a', 499)).toBe(1);
    expect(limiter.take('a', 500)).toBe(0);
    // Refills to the burst and no further.
    for (let i = 0; i < 3; i++) expect(limiter.take('a', 60_000)).toBe(0);
    expect(limiter.take('a', 60_000)).toBe(1);
  });

  test('keys are independent', () => {
    const limiter = new RateLimiter(1, 1);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(1);
    expect(limiter.take('b', 0)).toBe(0);
  });

  test('a slow rate answers whole seconds', () => {
    const limiter = new RateLimiter(1 / 60, 1);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(60);
    expect(limiter.take('a', 30_000)).toBe(30);
  });

  test('many keys: memory stays bounded, and a key in use keeps its state', () => {
    const limiter = new RateLimiter(10, 5, 100);
    for (let i = 0; i < 1000; i++) limiter.take(`k${i}`, i * 1000);
    expect(limiter.size).toBeLessThanOrEqual(100);
    // A key that is being limited keeps its state; the least recently used one goes.
    const busy = new RateLimiter(1, 1, 3);
    busy.take('busy', 0);
    busy.take('idle', 0);
    busy.take('new', 2000);
    busy.take('busy', 2000);
    busy.take('newer', 2000);
    expect(busy.take('busy', 2000)).toBe(1);
    expect(busy.size).toBe(3);
  });

  test('a flood of new keys evicts the least recently used buckets, never everyone’s: a limited key stays limited', () => {
    const limiter = new RateLimiter(1 / 60, 1, 3);
    expect(limiter.take('attacker', 0)).toBe(0);
    expect(limiter.take('attacker', 0)).toBe(60);
    // Each new address would have cleared every bucket once the table was full, the attacker's too.
    for (let i = 0; i < 50; i++) {
      limiter.take(`flood-${i}`, 1000 + i);
      expect(limiter.take('attacker', 1000 + i)).toBeGreaterThan(0);
      expect(limiter.size).toBeLessThanOrEqual(3);
    }
    // The oldest went first: the first flood keys are forgotten, the latest kept.
    expect(limiter.take('flood-49', 2000)).toBeGreaterThan(0);
    expect(limiter.take('flood-0', 2000)).toBe(0);
  });
});
