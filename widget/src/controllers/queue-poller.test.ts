import { describe, expect, test } from 'bun:test';
import { QueuePoller } from './queue-poller';

describe('queue poller', () => {
  test('asks at once and then on every tick, only for the current session', async () => {
    const asked: string[] = [];
    const seen: number[] = [];
    const poller = new QueuePoller(
      async (id) => (asked.push(id), { position: asked.length, estimatedWaitSeconds: 0 }),
      (s) => seen.push(s.position),
      10,
    );
    poller.start('a');
    poller.start('a'); // idempotent
    await Bun.sleep(35);
    expect(asked.length).toBeGreaterThanOrEqual(3);
    expect(new Set(asked)).toEqual(new Set(['a']));
    poller.start('b');
    await Bun.sleep(5);
    poller.stop();
    const count = asked.length;
    await Bun.sleep(30);
    expect(asked.length).toBe(count);
    expect(asked.at(-1)).toBe('b');
    expect(poller.isRunning).toBe(false);
    expect(seen.length).toBeGreaterThan(0);
  });

  test('failures are quiet and polling goes on', async () => {
    let calls = 0;
    const poller = new QueuePoller(async () => {
      calls++;
      throw new Error('not_found');
    }, () => {}, 5);
    poller.start('a');
    await Bun.sleep(20);
    poller.stop();
    expect(calls).toBeGreaterThan(1);
  });

  test('an answer that arrives after stop is dropped', async () => {
    let release!: () => void;
    const seen: number[] = [];
    const poller = new QueuePoller(() => new Promise((r) => (release = () => r({ position: 1, estimatedWaitSeconds: 0 }))), (s) => seen.push(s.position), 1000);
    poller.start('a');
    poller.stop();
    release();
    await Bun.sleep(1);
    expect(seen).toEqual([]);
  });
});
