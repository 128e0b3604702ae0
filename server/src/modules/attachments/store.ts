/**
 * Attachment rows as the API shows them, and the reads other modules need (messages add their files; retention
 * finds the bytes to delete). Depends on the schema only, so the message store can use it.
 */
import { asc, eq, inArray } from 'drizzle-orm';
import type { Attachment, Message } from '@medchat/sdk/protocol';
import type { Queryable } from '../../db/client';
import { attachments } from '../../db/schema';

export type AttachmentRow = typeof attachments.$inferSelect;

export const toAttachment = (row: AttachmentRow): Attachment => ({
  id: row.id,
  kind: row.kind,
  contentType: row.contentType,
  name: row.name,
  size: row.size,
  width: row.width,
  height: row.height,
  thumbnail: row.thumbnailKey !== null,
});

/** The attachments of these messages, in their order, added to them (messages without any are left as they are). */
export async function withAttachments(q: Queryable, list: Message[]): Promise<Message[]> {
  if (list.length === 0) return list;
  const rows = await q
    .select()
    .from(attachments)
    .where(
      inArray(
        attachments.messageId,
        list.map((m) => m.id),
      ),
    )
    .orderBy(asc(attachments.position));
  if (rows.length === 0) return list;
  const byMessage = Map.groupBy(rows, (r) => r.messageId!);
  return list.map((m) => (byMessage.has(m.id) ? { ...m, attachments: byMessage.get(m.id)!.map(toAttachment) } : m));
}

/** The blob keys of these rows. */
export const blobKeys = (rows: readonly { storageKey: string; thumbnailKey: string | null }[]) =>
  rows.flatMap((r) => (r.thumbnailKey ? [r.storageKey, r.thumbnailKey] : [r.storageKey]));

/** The blob keys of a session's attachments (for retention, which deletes them with the session). */
export async function sessionBlobKeys(q: Queryable, sessionId: string): Promise<string[]> {
  return blobKeys(
    await q
      .select({ storageKey: attachments.storageKey, thumbnailKey: attachments.thumbnailKey })
      .from(attachments)
      .where(eq(attachments.sessionId, sessionId)),
  );
}
