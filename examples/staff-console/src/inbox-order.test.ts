import { expect, test } from 'bun:test';
import type { Message, Role } from '@medchat/sdk';
import { compareInbox, inboxKey, type InboxKey } from './inbox-order';

let seq = 0;
const message = (role: Role | null, minute: number): Message => ({
  id: `m${++seq}`,
  sessionId: 's',
  seq,
  kind: role ? 'text' : 'system',
  sender: role ? { id: role, role, displayName: role } : null,
  body: 'x',
  system: role ? null : { event: 'session.assigned', employeeName: 'Joy' },
  clientMsgId: null,
  createdAt: `2026-12-06T10:${String(minute).padStart(2, '0')}:00.000Z`,
});
const chat = { priority: 'routine' as const, createdAt: '2026-12-06T09:59:00.000Z', isMine: true, isSetAside: false };

test('a chat whose patient wrote last awaits a reply, since their first message after staff last wrote', () => {
  const messages = [message('patient', 1), message('employee', 2), message(null, 3), message('patient', 4), message('patient', 5)];
  expect(inboxKey(messages, chat)).toEqual({ group: 'reply', priority: 'routine', since: messages[3]!.createdAt });
  // Staff never wrote (nobody, or only the patient): it awaits a reply since it started.
  expect(inboxKey([message(null, 1)], chat)).toEqual({ group: 'reply', priority: 'routine', since: chat.createdAt });
  expect(inboxKey([message(null, 1), message('patient', 2)], chat)).toEqual({ group: 'reply', priority: 'routine', since: chat.createdAt });
});

test('staff wrote last, or the chat is set aside: it waits on the patient; not mine any more: closed', () => {
  const messages = [message('patient', 1), message('employee', 2), message(null, 3)];
  expect(inboxKey(messages, chat).group).toBe('patient');
  expect(inboxKey([message('patient', 1)], { ...chat, isMine: false, isSetAside: true }).group).toBe('patient');
  const quiet = message('patient', 7);
  expect(inboxKey([quiet], { ...chat, isMine: false })).toEqual({ group: 'closed', priority: 'routine', since: quiet.createdAt });
});

test('urgent first, then the longest wait; groups in their order; closed the latest first', () => {
  const key = (id: string, group: InboxKey['group'], priority: InboxKey['priority'], minute: number) => ({
    id,
    group,
    priority,
    since: `2026-12-06T10:${String(minute).padStart(2, '0')}:00.000Z`,
  });
  const rows = [
    key('closed-old', 'closed', 'urgent', 1),
    key('routine-old', 'reply', 'routine', 1),
    key('waiting', 'patient', 'urgent', 0),
    key('urgent-new', 'reply', 'urgent', 9),
    key('routine-new', 'reply', 'routine', 5),
    key('closed-new', 'closed', 'routine', 8),
  ];
  expect(rows.sort(compareInbox).map((r) => r.id)).toEqual(['urgent-new', 'routine-old', 'routine-new', 'waiting', 'closed-new', 'closed-old']);
});
