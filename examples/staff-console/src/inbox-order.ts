import type { Message, SessionPriority } from '@medchat/sdk';

/**
 * Where a chat sits in the inbox: `reply`, the patient (or nobody yet) wrote last and waits for staff; `patient`,
 * staff wrote last, or the chat was set aside while its patient is away; `closed`, handed on or ended.
 */
export type InboxGroup = 'reply' | 'patient' | 'closed';

/** The inbox's groups, in the order they are listed, with their headings. */
export const INBOX_GROUPS: readonly { group: InboxGroup; title: string }[] = [
  { group: 'reply', title: 'Awaiting your reply' },
  { group: 'patient', title: 'Awaiting the patient' },
  { group: 'closed', title: 'Handed on or ended' },
];

/** What the inbox orders a chat by. */
export interface InboxKey {
  group: InboxGroup;
  priority: SessionPriority;
  /**
   * `reply`: since when the patient has waited (their first message after staff last wrote; the chat's start if
   * staff never wrote). `patient`: since when staff have waited for the patient. `closed`: the last message.
   */
  since: string;
}

/**
 * A chat's place from its messages: who wrote last (system lines and notes do not count) and since when that side
 * has waited. `isMine`: I hold it; `isSetAside`: nobody holds it while its patient is away (status idle).
 */
export function inboxKey(messages: readonly Message[], chat: { priority: SessionPriority; createdAt: string; isMine: boolean; isSetAside: boolean }): InboxKey {
  const written = messages.filter((m) => m.kind === 'text' && m.sender);
  const last = written.at(-1);
  if (!chat.isMine && !chat.isSetAside) return { group: 'closed', priority: chat.priority, since: last?.createdAt ?? chat.createdAt };
  const staffLast = written.findLastIndex((m) => m.sender!.role !== 'patient');
  if (chat.isSetAside || (last && staffLast === written.length - 1)) {
    return { group: 'patient', priority: chat.priority, since: last?.createdAt ?? chat.createdAt };
  }
  // Staff never wrote: the patient has waited since the chat started (their reason is their first question).
  return { group: 'reply', priority: chat.priority, since: staffLast < 0 ? chat.createdAt : written[staffLast + 1]!.createdAt };
}

/**
 * The inbox's order: by group; in a group urgent first, then the longest wait first; closed chats the latest first.
 * Ties keep a stable order by `id`.
 */
export function compareInbox(a: InboxKey & { id: string }, b: InboxKey & { id: string }): number {
  const groups = INBOX_GROUPS.map((g) => g.group);
  return (
    groups.indexOf(a.group) - groups.indexOf(b.group) ||
    (a.group === 'closed' ? 0 : rank(a.priority) - rank(b.priority)) ||
    (a.group === 'closed' ? b.since.localeCompare(a.since) : a.since.localeCompare(b.since)) ||
    a.id.localeCompare(b.id)
  );
}

const rank = (priority: SessionPriority) => (priority === 'urgent' ? 0 : 1);
