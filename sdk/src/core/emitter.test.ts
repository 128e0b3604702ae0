import { describe, expect, test } from 'bun:test';
import { Emitter } from './emitter';

type Events = { a: number; b: { text: string } };

describe('Emitter', () => {
  test('delivers typed payloads to the handlers of their type, until unsubscribed', () => {
    const emitter = new Emitter<Events>();
    const seen: unknown[] = [];
    const off = emitter.on('a', (n) => seen.push(n + 1));
    emitter.on('b', (p) => seen.push(p.text));
    emitter.emit('a', 1);
    emitter.emit('b', { text: 'x' });
    off();
    emitter.emit('a', 5);
    expect(seen).toEqual([2, 'x']);
    // @ts-expect-error: the payload type follows the event type.
    emitter.emit('a', 'not a number');
  });

  test('a throwing handler does not stop the others, and its error is rethrown asynchronously', async () => {
    const emitter = new Emitter<Events>();
    const seen: number[] = [];
    const original = globalThis.setTimeout;
    const rethrown: unknown[] = [];
    globalThis.setTimeout = ((fn: () => void) => {
      try {
        fn();
      } catch (e) {
        rethrown.push(e);
      }
      return 0;
    }) as unknown as typeof setTimeout;
    try {
      emitter.on('a', () => {
        throw new Error('boom');
      });
      emitter.on('a', (n) => seen.push(n));
      emitter.emit('a', 7);
    } finally {
      globalThis.setTimeout = original;
    }
    expect(seen).toEqual([7]);
    expect(String(rethrown[0])).toContain('boom');
  });

  test('a handler may unsubscribe itself while being called', () => {
    const emitter = new Emitter<Events>();
    const seen: number[] = [];
    const off = emitter.on('a', (n) => (seen.push(n), off()));
    emitter.on('a', (n) => seen.push(n * 10));
    emitter.emit('a', 1);
    emitter.emit('a', 2);
    expect(seen).toEqual([1, 10, 20]);
  });
});
