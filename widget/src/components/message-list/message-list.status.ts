import type { Message } from '@medchat/sdk/patient';

export type OwnStatus = 'sent' | 'delivered' | 'read';

/**
 * The state of one of the patient's stored messages: `read` once anyone else's read mark reaches its seq
 * (`chat.readBy`), `delivered` while a staff member holds the chat (it is on their screen), else `sent`.
 */
export function ownStatus(message: Message, readBy: ReadonlyMap<string, number>, selfId: string | null, hasEmployee: boolean): OwnStatus {
  for (const [userId, seq] of readBy) if (userId !== selfId && seq >= message.seq) return 'read';
  return hasEmployee ? 'delivered' : 'sent';
}

/** The seq of the patient's latest stored text message (its status is the one shown), or 0. */
export function lastOwnSeq(messages: readonly Message[], selfId: string | null): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.kind === 'text' && selfId && m.sender?.id === selfId) return m.seq;
  }
  return 0;
}

/** Who a message is from, for styling and parts. */
export function authorKind(message: Message, selfId: string | null): 'own' | 'staff' | 'system' {
  if (message.kind === 'system' || !message.sender) return 'system';
  return message.sender.id === selfId ? 'own' : 'staff';
}
