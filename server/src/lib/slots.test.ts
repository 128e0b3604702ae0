import { describe, expect, test } from 'bun:test';
import { Slots } from './slots';

describe('Slots', () => {
  test('never runs more than its size at once, and runs every caller in arrival order', async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const work = (i: number) =>
      slots.run(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await Bun.sleep(5);
        running--;
        return i;
      });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => work(i)));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(slots.waiting).toBe(0);
  });

  test('a failing caller gives its slot back', async () => {
    const slots = new Slots(1);
    await expect(slots.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await slots.run(async () => 'next')).toBe('next');
  });

  test('is idle only when nobody runs or waits', async () => {
    const slots = new Slots(1);
    expect(slots.idle).toBe(true);
    let release = () => {};
    const first = slots.run(() => new Promise<void>((resolve) => (release = resolve)));
    const second = slots.run(async () => slots.idle);
    expect(slots.idle).toBe(false);
    release();
    await first;
    // The slot went straight to the second caller, which sees itself running.
    expect(await second).toBe(false);
    expect(slots.idle).toBe(true);
  });

  test('refuses a size that is not a positive integer', () => {
    expect(() => new Slots(0)).toThrow(RangeError);
    expect(() => new Slots(1.5)).toThrow(RangeError);
  });
});
