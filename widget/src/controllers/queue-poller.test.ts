import { afterEach, beforeEach, describe, expect, jest, test } from 'bun:test';
import { QueuePoller } from './queue-poller';

/** Lets the answers of the polls made so far arrive (they are promises; fake timers do not run them). */
const settle = () => Promise.resolve().then(() => Promise.resolve());

describe('queue poller', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('asks at once and then once per interval, only for the current session', async () => {
    const asked: string[] = [];
    const seen: number[] = [];
    const poller = new QueuePoller(
      async (id) => (asked.push(id), { position: asked.length, estimatedWaitSeconds: 0, isStaffAvailable: true }),
      (s) => seen.push(s.position),
      10,
    );
    poller.start('a');
    poller.start('a'); // idempotent: no second timer
    expect(asked).toEqual(['a']);
    jest.advanceTimersByTime(35);
    await settle();
    expect(asked).toEqual(['a', 'a', 'a', 'a']);
    expect(seen).toEqual([1, 2, 3, 4]);
    poller.start('b');
    jest.advanceTimersByTime(10);
    await settle();
    expect(asked.slice(4)).toEqual(['b', 'b']);
    poller.stop();
    jest.advanceTimersByTime(100);
    await settle();
    expect(asked).toHaveLength(6);
    expect(poller.isRunning).toBe(false);
  });

  test('failures are quiet and polling goes on', async () => {
    let calls = 0;
    const poller = new QueuePoller(
      async () => {
        calls++;
        throw new Error('not_found');
      },
      () => {},
      5,
    );
    poller.start('a');
    jest.advanceTimersByTime(20);
    await settle();
    poller.stop();
    expect(calls).toBe(5);
  });

  test('an answer that arrives after stop is dropped', async () => {
    let release!: () => void;
    const seen: number[] = [];
    const poller = new QueuePoller(
      () => new Promise((r) => (release = () => r({ position: 1, estimatedWaitSeconds: 0, isStaffAvailable: true }))),
      (s) => seen.push(s.position),
      1000,
    );
    poller.start('a');
    poller.stop();
    release();
    await settle();
    expect(seen).toEqual([]);
  });
});
