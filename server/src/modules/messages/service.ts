import { eq, sql } from 'drizzle-orm';
import { LIMITS, type MessagePage } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { readMarkers } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { cleanText } from '../../lib/text';
import { errorKind } from '../../lib/logger';
import { inTransaction } from '../../lib/transaction';
import { returnToQueue } from '../assignments/patient-idle';
import { claimAttachments } from '../attachments/service';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/actor';
import { assertCanWrite, lockReadable, readableSession } from '../sessions/access';
import { appendMessage, findByClientId, listMessages } from './store';
import { MessageWriter, type SendInput, type SendResult } from './writer';

/**
 * Stores a message, idempotently: the same sender and client id give back the same message (200), never a
 * second one; the same client id with another body is a conflict (docs/requirements.md#delivery). The caller acks only after
 * this resolves, that is after commit (docs/requirements.md#delivery). Concurrent sends share one transaction (./writer.ts).
 */
export async function sendMessage(
  ctx: AppContext,
  actor: Actor,
  sessionId: string,
  input: { clientMsgId: string; body: string; attachmentIds?: string[] },
): Promise<SendResult> {
  const attachmentIds = input.attachmentIds ?? [];
  // A photo may go without words: the body may be empty (or blank) only when the message carries files.
  const body =
    attachmentIds.length > 0 && input.body.trim() === '' ? '' : cleanText(input.body, 'body', { maxLength: LIMITS.messageBody, allowNewlines: true });
  const clientMsgId = cleanText(input.clientMsgId, 'clientMsgId', { maxLength: LIMITS.clientMsgId });
  const result = await ctx.writer.send({ actor, sessionId, clientMsgId, body, attachmentIds });
  // The patient is back in a chat that waited on them: to the queue now. The message is stored either way; should
  // this step fail, the sweeper does it (assignments/patient-idle.ts).
  if (result.wasIdle && actor.role === 'patient')
    await returnToQueue(ctx, sessionId).catch((error) => ctx.logger.warn('session.return_failed', { sessionId, ...errorKind(error) }));
  return result;
}

/** This instance's writer, built once by the runtime (server/src/runtime.ts): the batches and the one-message path. */
export const createMessageWriter = (ctx: Pick<AppContext, 'db' | 'bus' | 'logger' | 'metrics' | 'tracing' | 'beforeCommit'>) =>
  new MessageWriter(ctx, (send) => sendOne(ctx, send));

/** One message in its own transaction: the rules every send follows, for the sends a batch leaves to it. */
function sendOne(
  ctx: Pick<AppContext, 'db' | 'bus' | 'logger' | 'metrics' | 'beforeCommit'>,
  { actor, sessionId, clientMsgId, body, attachmentIds = [] }: SendInput,
): Promise<SendResult> {
  return inTransaction(ctx, async (tx, emit) => {
    const session = await lockReadable(tx, actor, sessionId);
    const existing = await findByClientId(tx, sessionId, actor.id, clientMsgId);
    if (existing) {
      const sameFiles = (existing.attachments ?? []).map((a) => a.id).join() === attachmentIds.join();
      if (existing.body !== body || !sameFiles) throw new AppError('idempotency_conflict');
      // Published again: the first publish may never have happened (see MessageWriter.settle).
      emit({ t: 'message.created', clinicId: session.clinicId, sessionId, seq: existing.seq, messages: [existing] });
      return { message: existing, created: false };
    }
    assertCanWrite(actor, session);
    const message = await appendMessage(tx, {
      sessionId,
      sender: { id: actor.id, role: actor.role, displayName: actor.displayName },
      kind: 'text',
      body,
      clientMsgId,
    });
    const files = await claimAttachments(tx, session, actor.id, message.id, attachmentIds);
    if (files.length > 0) message.attachments = files;
    emit({ t: 'message.created', clinicId: session.clinicId, sessionId, seq: message.seq, messages: [message] });
    return session.status === 'idle' ? { message, created: true, wasIdle: true } : { message, created: true };
  });
}

/** A page of history. Every read writes an audit row (docs/requirements.md#privacy). */
export async function readMessages(
  ctx: AppContext,
  actor: Actor,
  sessionId: string,
  page: { after?: number; before?: number; limit?: number },
  ip: string | null,
): Promise<MessagePage> {
  if (page.after !== undefined && page.before !== undefined) throw new AppError('invalid_request', { problem: 'use either after or before' });
  await readableSession(ctx.db, actor, sessionId);
  const result = await listMessages(ctx.db, sessionId, { after: page.after, before: page.before, limit: Math.min(page.limit ?? 50, LIMITS.pageSize) });
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
    emit({ t: 'read.updated', clinicId: session.clinicId, sessionId, patientId: session.patientId, userId: actor.id, seq: row!.seq });
    return row!.seq;
  });
}

export async function readMarkersOf(ctx: AppContext, sessionId: string) {
  return ctx.db.select({ userId: readMarkers.userId, seq: readMarkers.lastReadSeq }).from(readMarkers).where(eq(readMarkers.sessionId, sessionId));
}
