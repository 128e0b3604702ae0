import { describe, expect, test } from 'bun:test';
import type { Message } from '@medchat/sdk/patient';
import { authorKind, lastOwnSeq, ownStatus } from './message-list.status';

const me = { id: 'p1', role: 'patient' as const, displayName: 'Pat' };
const nurse = { id: 'e1', role: 'employee' as const, displayName: 'Nurse Joy' };
const msg = (seq: number, sender: Message['sender'], kind: Message['kind'] = 'text'): Message => ({
  id: `m${seq}`,
  sessionId: 's',
  seq,
  kind,
  sender,
  body: 'x',
  system: kind === 'system' ? { event: 'session.assigned', employeeName: 'Nurse Joy' } : null,
  clientMsgId: null,
  createdAt: '2025-05-01T10:00:00Z',
});

describe('own message status', () => {
  test('sent while nobody holds the chat, delivered once someone does', () => {
    expect(ownStatus(msg(1, me), new Map(), 'p1', false)).toBe('sent');
    expect(ownStatus(msg(1, me), new Map(), 'p1', true)).toBe('delivered');
  });

  test('read once another participant read up to its seq; own read marks do not count', () => {
    expect(ownStatus(msg(3, me), new Map([['e1', 3]]), 'p1', true)).toBe('read');
    expect(ownStatus(msg(3, me), new Map([['e1', 2]]), 'p1', true)).toBe('delivered');
    expect(ownStatus(msg(3, me), new Map([['p1', 9]]), 'p1', true)).toBe('delivered');
  });

  test('the last own text message is the one whose status shows', () => {
    const messages = [msg(1, me), msg(2, null, 'system'), msg(3, me), msg(4, nurse)];
    expect(lastOwnSeq(messages, 'p1')).toBe(3);
    expect(lastOwnSeq(messages, null)).toBe(0);
    expect(lastOwnSeq([], 'p1')).toBe(0);
  });

  test('author kinds', () => {
    expect(authorKind(msg(1, me), 'p1')).toBe('own');
    expect(authorKind(msg(1, nurse), 'p1')).toBe('staff');
    expect(authorKind(msg(1, null, 'system'), 'p1')).toBe('system');
  });
});
