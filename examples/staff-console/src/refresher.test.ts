import { expect, test } from 'bun:test';
import { refresher } from './refresher';

test('a burst of requests while a load runs costs one more load, not one each', async () => {
  let loads = 0;
  const refresh = refresher(async () => {
    loads++;
    await Bun.sleep(20);
  }, () => {});
  for (let i = 0; i < 10; i++) refresh();
  await Bun.sleep(100);
  expect(loads).toBe(2);
});

test('with a minimum interval, loads start at least that far apart however often they are asked for', async () => {
  const starts: number[] = [];
  const refresh = refresher(async () => void starts.push(performance.now()), () => {}, 100);
  const asking = setInterval(refresh, 5);
  await Bun.sleep(450);
  clearInterval(asking);
  await Bun.sleep(150);
  expect(starts.length).toBeGreaterThanOrEqual(3);
  expect(starts.length).toBeLessThanOrEqual(6);
  for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(99);
});

test('a failed load is reported and the next request runs again', async () => {
  const errors: unknown[] = [];
  let fail = true;
  let loads = 0;
  const refresh = refresher(async () => {
    loads++;
    if (fail) throw new Error('offline');
  }, (e) => errors.push(e));
  refresh();
  await Bun.sleep(10);
  fail = false;
  refresh();
  await Bun.sleep(10);
  expect([loads, errors.length]).toEqual([2, 1]);
});
