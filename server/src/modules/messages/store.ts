import { and, asc, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Message, Role } from '@medchat/sdk/protocol';
import type { Database, Queryable, Tx } from '../../db/client';
import { prepared } from '../../db/prepared';
import { withAttachments } from '../attachments/store';
import { attachments, chatSessions, messages, users, type SystemMeta } from '../../db/schema';

type MessageRow = typeof messages.$inferSelect;
export type Sender = { id: string; role: Role; displayName: string } | null;

export function toMessage(row: MessageRow, sender: Sender): Message {
  return {
    id: row.id,
    sessionId: row.sessionId,
    seq: row.seq,
    kind: row.kind,
    sender,
    body: row.body,
    system: row.system ?? null,
    clientMsgId: row.clientMsgId,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Appends a message with the next seq of its session. The seq comes from the session row's counter, bumped in
 * this same transaction, so seqs are gapless and unique (docs/requirements.md#delivery). Callers hold the session row lock.
 */
export async function appendMessage(
  tx: Tx,
  input: { sessionId: string; sender: Sender; kind: 'text' | 'system'; body: string; system?: SystemMeta; clientMsgId?: string | null },
): Promise<Message> {
  const staffText = input.kind === 'text' && input.sender !== null && input.sender.role !== 'patient';
  const [counter] = await nextSeq(tx, { id: input.sessionId, staffText });
  if (!counter) throw new Error('appendMessage: session row missing');
  const [row] = await insertMessage(tx, {
    sessionId: input.sessionId,
    seq: counter.seq,
    senderId: input.sender?.id ?? null,
    kind: input.kind,
    body: input.body,
    system: input.system ? JSON.stringify(input.system) : null,
    clientMsgId: input.clientMsgId ?? null,
  });
  return toMessage(row!, input.sender);
}

const nextSeq = prepared((db) =>
  db
    .update(chatSessions)
    .set({
      lastSeq: sql`${chatSessions.lastSeq} + 1`,
      // The first staff text of the session (reports' time to first reply).
      firstReplyAt: sql`case when ${sql.placeholder('staffText')}::boolean then coalesce(${chatSessions.firstReplyAt}, now()) else ${chatSessions.firstReplyAt} end`,
    })
    .where(eq(chatSessions.id, sql.placeholder('id')))
    .returning({ seq: chatSessions.lastSeq })
    .prepare('next_seq'),
);

// jsonb from a placeholder: the value is passed as JSON text (drizzle encodes jsonb only for values it sees).
const insertMessage = prepared((db) =>
  db
    .insert(messages)
    .values({
      sessionId: sql.placeholder('sessionId'),
      seq: sql.placeholder('seq'),
      senderId: sql.placeholder('senderId'),
      kind: sql.placeholder('kind'),
      body: sql.placeholder('body'),
      system: sql`${sql.placeholder('system')}::jsonb`,
      clientMsgId: sql.placeholder('clientMsgId'),
    })
    .returning()
    .prepare('insert_message'),
);

export async function appendSystemMessage(tx: Tx, sessionId: string, meta: SystemMeta): Promise<Message> {
  const body =
    meta.event === 'session.assigned'
      ? `${meta.employeeName ?? 'A staff member'} joined the chat.`
      : meta.event === 'session.requeued'
        ? 'Waiting for the next available staff member.'
        : meta.event === 'session.inactive'
          ? 'This chat was closed after a period of inactivity. Start a new chat any time.'
          : 'The chat has ended.';
  return appendMessage(tx, { sessionId, sender: null, kind: 'system', body, system: meta });
}

const messageColumns = {
  message: messages,
  senderRole: users.role,
  senderName: users.displayName,
};

function rowToMessage(r: { message: MessageRow; senderRole: Role | null; senderName: string | null }): Message {
  const sender = r.message.senderId && r.senderRole ? { id: r.message.senderId, role: r.senderRole, displayName: r.senderName ?? '' } : null;
  return toMessage(r.message, sender);
}

/**
 * A session's messages after a seq, for every delivery an instance did not commit itself (each message another
 * instance stored is read back here, since bus events carry ids only) and for catching a socket up. Prepared once,
 * and the sender is looked up by primary key per message (a lateral probe with `limit 1`, which Postgres cannot fold
 * into a plain join): as a join, the plan Postgres kept while `users` was small scanned every user for each read
 * (bench/README.md). Says which messages have files, so a page of text needs no second query.
 */
export function messagesAfterQuery(db: Database) {
  const sender = db.select({ role: users.role, displayName: users.displayName }).from(users).where(eq(users.id, messages.senderId)).limit(1).as('sender');
  return db
    .select({
      message: messages,
      senderRole: sender.role,
      senderName: sender.displayName,
      hasFiles: sql<boolean>`exists (select 1 from ${attachments} where ${attachments.messageId} = ${messages.id})`,
    })
    .from(messages)
    .leftJoinLateral(sender, sql`true`)
    .where(and(eq(messages.sessionId, sql.placeholder('sessionId')), gt(messages.seq, sql.placeholder('after'))))
    .orderBy(asc(messages.seq))
    .limit(sql.placeholder('limit'));
}
const messagesAfter = prepared((db) => messagesAfterQuery(db).prepare('messages_after'));

/** Messages with seq > after (ascending), or seq < before (returned ascending too), at most `limit`. */
export async function listMessages(q: Queryable, sessionId: string, page: { after?: number; before?: number; limit: number }) {
  if (page.before === undefined) {
    const rows = await messagesAfter(q, { sessionId, after: page.after ?? 0, limit: page.limit + 1 });
    const kept = rows.slice(0, page.limit);
    const list = kept.map(rowToMessage);
    const withFiles = kept.some((r) => r.hasFiles) ? await withAttachments(q, list) : list;
    return { messages: withFiles, hasMore: rows.length > page.limit };
  }
  const rows = (
    await q
      .select(messageColumns)
      .from(messages)
      .leftJoin(users, eq(users.id, messages.senderId))
      .where(and(eq(messages.sessionId, sessionId), lt(messages.seq, page.before)))
      .orderBy(desc(messages.seq))
      .limit(page.limit + 1)
  ).reverse();
  const hasMore = rows.length > page.limit;
  return { messages: await withAttachments(q, rows.slice(hasMore ? 1 : 0).map(rowToMessage)), hasMore };
}

export async function getMessageBySeq(q: Queryable, sessionId: string, seq: number): Promise<Message | null> {
  const [row] = await q
    .select(messageColumns)
    .from(messages)
    .leftJoin(users, eq(users.id, messages.senderId))
    .where(and(eq(messages.sessionId, sessionId), eq(messages.seq, seq)));
  return row ? (await withAttachments(q, [rowToMessage(row)]))[0]! : null;
}

export async function findByClientId(q: Queryable, sessionId: string, senderId: string, clientMsgId: string) {
  const [row] = await q
    .select(messageColumns)
    .from(messages)
    .leftJoin(users, eq(users.id, messages.senderId))
    .where(and(eq(messages.sessionId, sessionId), eq(messages.senderId, senderId), eq(messages.clientMsgId, clientMsgId)));
  return row ? (await withAttachments(q, [rowToMessage(row)]))[0]! : null;
}
