import { describe, expect, test } from 'bun:test';
import { PeopleCache, type PersonInfo } from './people';

/** A cache over a loader that counts its reads, with a clock the test moves. */
function cacheOf(max: number, ttlMs = 60_000) {
  const reads: string[] = [];
  let now = 0;
  const cache = new PeopleCache(
    async (userId): Promise<PersonInfo> => {
      reads.push(userId);
      return { role: 'patient', displayName: `name of ${userId}` };
    },
    { max, ttlMs, now: () => now },
  );
  return { cache, reads, tick: (ms: number) => (now += ms) };
}

describe('PeopleCache', () => {
  test('a user is read once while fresh, and again once the entry is older than the ttl', async () => {
    const { cache, reads, tick } = cacheOf(10, 1000);
    expect(await cache.get('a')).toMatchObject({ role: 'patient', displayName: 'name of a' });
    await cache.get('a');
    tick(999);
    await cache.get('a');
    expect(reads).toEqual(['a']);
    tick(1);
    await cache.get('a');
    expect(reads).toEqual(['a', 'a']);
  });

  test('never holds more than max users: the least recently used goes first', async () => {
    const { cache, reads } = cacheOf(2);
    await cache.get('a');
    await cache.get('b');
    await cache.get('a'); // a is now the most recent
    await cache.get('c'); // evicts b
    expect(cache.size).toBe(2);
    await cache.get('a');
    await cache.get('c');
    expect(reads).toEqual(['a', 'b', 'c']);
    await cache.get('b');
    expect(reads).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.size).toBe(2);
  });

  test('a flood of distinct users leaves the size at max', async () => {
    const { cache } = cacheOf(100);
    for (let i = 0; i < 1000; i++) await cache.get(`user-${i}`);
    expect(cache.size).toBe(100);
  });
});
