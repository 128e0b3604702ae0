import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import type { Message } from '../protocol/models';
import { MessageLog } from './message-log';

const msg = (seq: number): Message => ({
  id: `m${seq}`,
  sessionId: 's',
  seq,
  kind: 'text',
  sender: null,
  body: `#${seq}`,
  system: null,
  clientMsgId: null,
  createdAt: '',
});
const seqs = (log: MessageLog) => log.messages.map((m) => m.seq);

describe('MessageLog', () => {
  test('holds back messages beyond a gap until it is filled', () => {
    const log = new MessageLog();
    expect(log.add([msg(1), msg(3)]).map((m) => m.seq)).toEqual([1]);
    expect(log.hasGap).toBe(true);
    expect(log.add([msg(2)]).map((m) => m.seq)).toEqual([2, 3]);
    expect(seqs(log)).toEqual([1, 2, 3]);
    expect(log.hasGap).toBe(false);
  });

  test('any arrival order with duplicates yields 1..n once each', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.shuffledSubarray(
              [...Array(n * 2).keys()].map((i) => (i % n) + 1),
              { minLength: n * 2 },
            ),
          ),
        ),
        ([n, order]) => {
          const log = new MessageLog();
          const appended: number[] = [];
          for (const seq of order) appended.push(...log.add([msg(seq)]).map((m) => m.seq));
          const all = [...Array(n).keys()].map((i) => i + 1);
          expect(appended).toEqual(all);
          expect(seqs(log)).toEqual(all);
        },
      ),
    );
  });

  test('prepends only the part of an older page that joins without a gap', () => {
    const log = new MessageLog();
    log.reset(10);
    log.add([msg(10), msg(11)]);
    expect(log.prepend([msg(6), msg(8), msg(9), msg(10)])).toBe(2);
    expect(seqs(log)).toEqual([8, 9, 10, 11]);
    expect(log.firstSeq).toBe(8);
  });

  test('reset starts over and drops waiting messages before the new start', () => {
    const log = new MessageLog();
    log.add([msg(5), msg(9)]);
    log.reset(6);
    expect(log.isEmpty).toBe(true);
    expect(log.lastSeq).toBe(5);
    expect(log.add([msg(6), msg(7), msg(8)]).map((m) => m.seq)).toEqual([6, 7, 8, 9]);
  });
});
