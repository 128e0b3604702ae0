import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { createLogger, errorKind } from './logger';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

describe('createLogger', () => {
  test('one JSON line per event at or above the level; silent writes nothing', () => {
    const lines: string[] = [];
    const logger = createLogger('info', (l) => lines.push(l));
    logger.debug('not.written');
    logger.info('written', { requestId: 'r1', count: 2 });
    logger.error('also.written');
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { level: 'info', event: 'written', requestId: 'r1', count: 2 },
      { level: 'error', event: 'also.written' },
    ]);
    const silent: string[] = [];
    createLogger('silent', (l) => silent.push(l)).error('x');
    expect(silent).toEqual([]);
  });

  test('with() adds its fields to every line, at every level, and keeps the level', () => {
    const lines: string[] = [];
    const logger = createLogger('info', (l) => lines.push(l)).with({ instanceId: 'i-1' });
    logger.debug('not.written');
    logger.info('a');
    logger.with({ extra: 1 }).warn('b', { requestId: 'r' });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { t: expect.any(String), level: 'info', event: 'a', instanceId: 'i-1' },
      { t: expect.any(String), level: 'warn', event: 'b', instanceId: 'i-1', extra: 1, requestId: 'r' },
    ]);
  });
});

describe('errorKind', () => {
  test('a wrapped database error gives its name and SQLSTATE, never its message or detail', () => {
    const driver = Object.assign(new Error('new row for relation "messages" violates check constraint'), {
      code: '23514',
      detail: 'Failing row contains (…, canary-body-42, …).',
    });
    const wrapped = new Error('Failed query: insert into "messages" … params: canary-body-42', { cause: driver });
    const kind = errorKind(wrapped);
    expect(kind).toEqual({ errorName: 'Error', errorCode: '23514' });
    expect(JSON.stringify(kind)).not.toContain('canary');
  });

  test('a code that is not a code (free text) is dropped; non-errors are described by type', () => {
    expect(errorKind(Object.assign(new Error('x'), { code: 'Patient Jane Doe' }))).toEqual({ errorName: 'Error', errorCode: undefined });
    expect(errorKind(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toEqual({ errorName: 'Error', errorCode: 'ECONNRESET' });
    expect(errorKind('a thrown string')).toEqual({ errorName: 'string', errorCode: undefined });
    expect(errorKind(null)).toEqual({ errorName: 'object', errorCode: undefined });
  });
});
