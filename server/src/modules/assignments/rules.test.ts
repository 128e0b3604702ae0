import { describe, expect, test } from 'bun:test';
import { compareCandidates, effectiveCapacity, pickEmployee, type Candidate } from './rules';

const c = (id: string, load: number, capacity: number, last: number | null): Candidate => ({
  id,
  load,
  capacity,
  lastAssignedAt: last === null ? null : new Date(last),
});

describe('pickEmployee', () => {
  test('takes the least loaded employee with spare capacity', () => {
    expect(pickEmployee([c('a', 1, 2, 0), c('b', 0, 2, 5), c('c', 2, 2, 0)])?.id).toBe('b');
  });
  test('breaks ties by who has been idle longest, never-assigned first', () => {
    expect(pickEmployee([c('a', 0, 1, 200), c('b', 0, 1, 100)])?.id).toBe('b');
    expect(pickEmployee([c('a', 0, 1, 100), c('b', 0, 1, null)])?.id).toBe('b');
  });
  test('skips full employees and the one excluded', () => {
    expect(pickEmployee([c('a', 1, 1, null), c('b', 0, 1, null)], 'b')).toBeNull();
  });
  test('is stable for equal candidates', () => {
    expect([c('b', 0, 1, null), c('a', 0, 1, null)].sort(compareCandidates).map((x) => x.id)).toEqual(['a', 'b']);
  });
});

describe('capacity', () => {
  test('an employee override wins over the clinic default, never below zero', () => {
    expect(effectiveCapacity(null, 1)).toBe(1);
    expect(effectiveCapacity(3, 1)).toBe(3);
    expect(effectiveCapacity(-2, 1)).toBe(0);
  });
});
