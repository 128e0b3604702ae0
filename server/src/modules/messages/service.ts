import { eq, sql } from 'drizzle-orm';
import { MAX_MESSAGE_LENGTH, type MessagePage } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { readMarkers } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { cleanText } from '../../lib/text';
import { inTransaction } from '../../lib/transaction';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/service';
import { lockSession } from '../assignments/engine';
import { assertCanWrite, canRead, readableSession } from '../sessions/access';
import { appendMessage, findByClientId, listMessages } from './store';
import { MessageWriter, type SendInput, type SendResult } from './writer';

export const MAX_PAGE = 200;

const writers = new WeakMap<AppContext, MessageWriter>();

/**
 * Stores a message, idempotently: the same sender and client id give back the same message (200), never a
 * second one; the same client id with another body is a conflict (RELIABILITY D1). The caller acks only after
 * this resolves, that is after commit (D3). Concurrent sends share one transaction (./writer.ts).
 */
export async function sendMessage(ctx: AppContext, actor: Actor, sessionId: string, input: { clientMsgId: string; body: string }): Promise<SendResult> {
  const body = cleanText(input.body, 'body', { maxLength: MAX_MESSAGE_LENGTH, allowNewlines: true });
  const clientMsgId = cleanText(input.clientMsgId, 'clientMsgId', { maxLength: 64 });
  let writer = writers.get(ctx);
  if (!writer) writers.set(ctx, (writer = new MessageWriter(ctx, (send) => sendOne(ctx, send))));
  return writer.send({ actor, sessionId, clientMsgId, body });
}

/** One message in its own transaction: the rules every send follows, for the sends a batch leaves to it. */
function sendOne(ctx: AppContext, { actor, sessionId, clientMsgId, body }: SendInput): Promise<SendResult> {
  return inTransaction(ctx, async (tx, emit) => {
    const session = await lockSession(tx, sessionId);
    if (!session || !(await canRead(tx, actor, session))) throw new AppError('session_not_found');
    const existing = await findByClientId(tx, sessionId, actor.id, clientMsgId);
    if (existing) {
      if (existing.body !== body) throw new AppError('idempotency_conflict');
      return { message: existing, created: false };
    }
    assertCanWrite(actor, session);
    const message = await appendMessage(tx, { sessionId, sender: { id: actor.id, role: actor.role, displayName: actor.displayName }, kind: 'text', body, clientMsgId });
    emit({ t: 'message.created', clinicId: session.clinicId, sessionId, seq: message.seq, messages: [message] });
    return { message, created: true };
  });
}

/** A page of history. Every read writes an audit row (RELIABILITY P1). */
export async function readMessages(ctx: AppContext, actor: Actor, sessionId: string, page: { after?: number; before?: number; limit?: number }, ip: string | null): Promise<MessagePage> {
  if (page.after !== undefined && page.before !== undefined) throw new AppError('invalid_request', { problem: 'use either after or before' });
  await readableSession(ctx.db, actor, sessionId);
  const result = await listMessages(ctx.db, sessionId, { after: page.after, before: page.before, limit: Math.min(page.limit ?? 50, MAX_PAGE) });
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'messages.read', sessionId, ip });
  return result;
}

/** Moves the caller's read marker forward (never back) and tells the other side. */
export async function markRead(ctx: AppContext, actor: Actor, sessionId: string, seq: number): Promise<number> {
  const session = await readableSession(ctx.db, actor, sessionId);
  if (actor.role === 'admin' && session.employeeId !== actor.id) throw new AppError('not_assigned');
  const upTo = Math.min(seq, session.lastSeq);
  return inTransaction(ctx, async (tx, emit) => {
    const [row] = await tx
      .insert(readMarkers)
      .values({ sessionId, userId: actor.id, lastReadSeq: upTo })
      .onConflictDoUpdate({
        target: [readMarkers.sessionId, readMarkers.userId],
        set: { lastReadSeq: sql`greatest(${readMarkers.lastReadSeq}, excluded.last_read_seq)`, updatedAt: sql`now()` },
      })
      .returning({ seq: readMarkers.lastReadSeq });
    emit({ t: 'read.updated', clinicId: session.clinicId, sessionId, userId: actor.id, seq: row!.seq });
    return row!.seq;
  });
}

export async function readMarkersOf(ctx: AppContext, sessionId: string) {
  return ctx.db.select({ userId: readMarkers.userId, seq: readMarkers.lastReadSeq }).from(readMarkers).where(eq(readMarkers.sessionId, sessionId));
}

