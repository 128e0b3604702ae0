import { expect, jest, test } from 'bun:test';
import { refresher } from './refresher';

test('a burst of requests while a load runs costs one more load, not one each', async () => {
  jest.useFakeTimers();
  try {
    let loads = 0;
    const refresh = refresher(
      async () => {
        loads++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
      () => {},
    );
    for (let i = 0; i < 10; i++) refresh();
    for (let t = 0; t < 100; t += 10) {
      jest.advanceTimersByTime(10);
      await flush();
    }
    expect(loads).toBe(2);
  } finally {
    jest.useRealTimers();
  }
});

test('with a minimum interval, loads start at least that far apart however often they are asked for', async () => {
  // Fake timers: the clock moves only when the test moves it, so a loaded machine cannot make timers run late.
  jest.useFakeTimers();
  try {
    const starts: number[] = [];
    const refresh = refresher(
      async () => void starts.push(performance.now()),
      () => {},
      100,
    );
    const from = performance.now();
    // Asked for every 5 ms for 450 ms, then left alone.
    for (let t = 0; t < 450; t += 5) {
      refresh();
      await flush();
      jest.advanceTimersByTime(5);
      await flush();
    }
    for (let t = 0; t < 300; t += 10) {
      jest.advanceTimersByTime(10);
      await flush();
    }
    // One load at once, then one per interval while asking: 0, 100, 200, 300, 400; the last ask (at 445) runs at 500.
    expect(starts.map((s) => Math.round(s - from))).toEqual([0, 100, 200, 300, 400, 500]);
  } finally {
    jest.useRealTimers();
  }
});

/** Lets pending promise callbacks run (the refresher awaits between timer steps). */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

test('a failed load is reported and the next request runs again', async () => {
  const errors: unknown[] = [];
  let fail = true;
  let loads = 0;
  const refresh = refresher(
    async () => {
      loads++;
      if (fail) throw new Error('offline');
    },
    (e) => errors.push(e),
  );
  refresh();
  await flush();
  fail = false;
  refresh();
  await flush();
  expect([loads, errors.length]).toEqual([2, 1]);
});
