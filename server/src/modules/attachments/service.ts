/**
 * Attachments: upload (checked by content, images re-encoded, idempotent by the uploader's client id), the claim
 * by a message (in the send's transaction), short-lived links and the bytes behind them, each download audited.
 * Who may upload is who may write to the session (the patient, the employee holding it); who may see a file is who
 * may read the session's messages, and an unsent upload only its uploader.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Attachment, AttachmentVariant } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Queryable, Tx } from '../../db/client';
import { attachments, chatSessions, clinics, pendingBlobs, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Slots } from '../../lib/slots';
import { cleanName } from '../../lib/text';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/actor';
import { assertCanWrite, canRead, readableSession, type SessionRow } from '../sessions/access';
import { signLink, verifyLink } from './links';
import { type AttachmentRow, toAttachment } from './store';
import { processUpload } from './process';
import { type Spooled, spoolUpload } from './spool';

/** A file name fit to show and to put in a download's header: one line, no path, no control characters. */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  try {
    return cleanName(base, 'name', { maxLength: 200 });
  } catch {
    return 'file';
  }
}

export interface UploadInput {
  clientId: string;
  name: string;
  /** The declared Content-Length, when there is one. */
  declaredLength: number | null;
  body: ReadableStream<Uint8Array> | null;
}

/**
 * Stores one upload and answers its attachment (`created` false: the same client id was uploaded before). The
 * limit is checked on the declared length before a byte is read; the body is then spooled to a temporary file
 * (./spool.ts), counted and sniffed as it arrives, so a file too large or of a refused type is answered before the
 * rest of it is read, and nothing is stored. Decoding and storing run in one of the instance's upload slots. The
 * row is written only after its bytes are in the store, so a crash midway leaves no attachment, and the blobs it
 * left are known by their pending keys (`storeUpload`).
 */
export async function uploadAttachment(ctx: AppContext, actor: Actor, sessionId: string, input: UploadInput, ip: string | null) {
  const session = await readableSession(ctx.db, actor, sessionId);
  assertCanWrite(actor, session);
  const [clinic] = await ctx.db.select({ maxBytes: clinics.attachmentMaxBytes }).from(clinics).where(eq(clinics.id, session.clinicId));
  const maxBytes = clinic!.maxBytes;
  if (input.declaredLength !== null && input.declaredLength > maxBytes) {
    await input.body?.cancel().catch(() => {});
    throw new AppError('file_too_large', { maxBytes });
  }
  if (!input.body) throw new AppError('file_unreadable', { problem: 'empty' }, 'The file is empty.');
  const spooled = await spoolUpload(input.body, maxBytes);
  try {
    const clientId = input.clientId;
    const earlier = await findUpload(ctx.db, sessionId, actor.id, clientId);
    if (earlier) return { attachment: sameUpload(earlier, spooled.sha256), created: false };
    const row = await ctx.uploadSlots.run(() => storeUpload(ctx, session, actor, input, spooled)).finally(() => collectUploadGarbage(ctx.uploadSlots));
    if (!row) return { attachment: sameUpload((await findUpload(ctx.db, sessionId, actor.id, clientId))!, spooled.sha256), created: false };
    await recordAudit(ctx.db, { clinicId: session.clinicId, actorId: actor.id, action: 'attachment.uploaded', sessionId, subjectId: row.id, ip });
    return { attachment: toAttachment(row), created: true };
  } finally {
    await spooled.remove();
  }
}

/**
 * The encoded image and its thumbnail are buffers outside the JavaScript heap, which the collector does not count
 * by their size: with many uploads in a row, finished ones' buffers piled up to a few hundred MB before a collection
 * ran (bench/sections/uploads.ts). A full collection frees them at once, but it pauses every socket of the instance:
 * it runs once the last upload in flight has ended, one per burst rather than one per upload.
 */
const collectUploadGarbage = (slots: Slots) => {
  if (slots.idle) Bun.gc(true);
};

/**
 * Decodes and encodes the spooled file, stores its blobs, then writes its row; null when the same upload won. The
 * blobs' keys are written to `pending_blobs` before the blobs, and deleted in the transaction of the row: a process
 * killed in between leaves keys there, and ./cleanup.ts deletes what they name from the store.
 */
async function storeUpload(ctx: AppContext, session: SessionRow, actor: Actor, input: UploadInput, spooled: Spooled): Promise<AttachmentRow | null> {
  const { sniffed } = spooled;
  const processed = await processUpload(spooled.path, sniffed);
  const storageKey = crypto.randomUUID();
  const thumbnailKey = processed.thumbnail ? crypto.randomUUID() : null;
  const keys = thumbnailKey ? [storageKey, thumbnailKey] : [storageKey];
  await ctx.db.insert(pendingBlobs).values(keys.map((key) => ({ key })));
  await ctx.blobs.put(storageKey, processed.bytes, processed.contentType);
  if (thumbnailKey) await ctx.blobs.put(thumbnailKey, processed.thumbnail!, 'image/webp');
  const row = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(attachments)
      .values({
        clinicId: session.clinicId,
        sessionId: session.id,
        uploaderId: actor.id,
        clientId: input.clientId,
        sourceSha256: spooled.sha256,
        kind: sniffed.kind,
        contentType: processed.contentType,
        name: cleanFileName(input.name),
        size: processed.bytes.byteLength,
        width: processed.width,
        height: processed.height,
        storageKey,
        thumbnailKey,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted) await tx.delete(pendingBlobs).where(inArray(pendingBlobs.key, keys));
    return inserted;
  });
  if (row) return row;
  // The same upload, twice at once: the other one won; ours is dropped (and its keys, once the blobs are gone).
  await ctx.blobs.delete(keys);
  await ctx.db.delete(pendingBlobs).where(inArray(pendingBlobs.key, keys));
  return null;
}

async function findUpload(q: Queryable, sessionId: string, uploaderId: string, clientId: string) {
  const [row] = await q
    .select()
    .from(attachments)
    .where(and(eq(attachments.sessionId, sessionId), eq(attachments.uploaderId, uploaderId), eq(attachments.clientId, clientId)));
  return row ?? null;
}

function sameUpload(row: AttachmentRow, sourceSha256: string): Attachment {
  if (row.sourceSha256 !== sourceSha256) throw new AppError('idempotency_conflict', undefined, 'This client id was already used for a different file.');
  return toAttachment(row);
}

/**
 * Gives the message `messageId` the sender's unsent uploads `ids`, in that order, inside the send's transaction:
 * any id that is not an unsent upload of this sender in this session fails the whole send.
 */
export async function claimAttachments(tx: Tx, session: SessionRow, senderId: string, messageId: string, ids: readonly string[]): Promise<Attachment[]> {
  if (ids.length === 0) return [];
  const [clinic] = await tx.select({ perMessage: clinics.attachmentsPerMessage }).from(clinics).where(eq(clinics.id, session.clinicId));
  if (ids.length > clinic!.perMessage) throw new AppError('too_many_attachments', { maxPerMessage: clinic!.perMessage });
  const claimed = await tx
    .update(attachments)
    .set({
      messageId,
      position: sql`array_position(array[${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )}]::uuid[], ${attachments.id})`,
    })
    .where(and(inArray(attachments.id, [...ids]), eq(attachments.sessionId, session.id), eq(attachments.uploaderId, senderId), isNull(attachments.messageId)))
    .returning();
  if (claimed.length !== ids.length) throw new AppError('attachment_not_found', { problem: 'not_an_unsent_upload_of_yours' });
  return claimed.sort((a, b) => a.position! - b.position!).map(toAttachment);
}

/** A file the actor may see: sent in a session they may read, or not yet sent and their own upload. */
async function visibleAttachment(q: Queryable, actor: Actor, attachmentId: string): Promise<AttachmentRow> {
  const [found] = await q
    .select({ attachment: attachments, session: chatSessions })
    .from(attachments)
    .innerJoin(chatSessions, eq(chatSessions.id, attachments.sessionId))
    .where(eq(attachments.id, attachmentId));
  if (!found || !(await canRead(q, actor, found.session))) throw new AppError('attachment_not_found');
  if (found.attachment.messageId === null && found.attachment.uploaderId !== actor.id) throw new AppError('attachment_not_found');
  return found.attachment;
}

/** A link to the file (or its thumbnail) for the next few minutes. */
export async function attachmentLink(ctx: AppContext, actor: Actor, attachmentId: string, variant: AttachmentVariant) {
  const attachment = await visibleAttachment(ctx.db, actor, attachmentId);
  if (variant === 'thumbnail' && !attachment.thumbnailKey) throw new AppError('attachment_not_found', { problem: 'no_thumbnail' });
  const [clinic] = await ctx.db.select({ key: clinics.linkSigningKey }).from(clinics).where(eq(clinics.id, attachment.clinicId));
  return signLink(clinic!.key, { attachmentId, variant, userId: actor.id }, new Date());
}

export interface Download {
  bytes: Uint8Array;
  contentType: string;
  name: string;
  /** Images may be shown in a page; anything else is only ever downloaded. */
  inline: boolean;
}

export interface LinkQuery {
  variant: AttachmentVariant;
  user: string;
  expires: number;
  signature: string;
}

/** The bytes behind a link, for the person it was made for if they may still see it; audited. */
export async function downloadByLink(ctx: AppContext, attachmentId: string, link: LinkQuery, ip: string | null): Promise<Download> {
  const [found] = await ctx.db
    .select({ key: clinics.linkSigningKey, user: users })
    .from(attachments)
    .innerJoin(clinics, eq(clinics.id, attachments.clinicId))
    .innerJoin(users, eq(users.id, link.user))
    .where(eq(attachments.id, attachmentId));
  const valid =
    found && (await verifyLink(found.key, { attachmentId, variant: link.variant, userId: link.user, expires: link.expires }, link.signature, new Date()));
  if (!valid || !found.user.active) throw new AppError('attachment_link_invalid');
  const { user } = found;
  const actor: Actor = { id: user.id, clinicId: user.clinicId, role: user.role, displayName: user.displayName, tokenHash: '', mfaPending: false };
  return download(ctx, actor, attachmentId, link.variant, ip);
}

/** The bytes, for a caller with a bearer token; audited. */
export async function download(ctx: AppContext, actor: Actor, attachmentId: string, variant: AttachmentVariant, ip: string | null): Promise<Download> {
  const attachment = await visibleAttachment(ctx.db, actor, attachmentId);
  const key = variant === 'thumbnail' ? attachment.thumbnailKey : attachment.storageKey;
  if (!key) throw new AppError('attachment_not_found', { problem: 'no_thumbnail' });
  const bytes = await ctx.blobs.get(key);
  if (!bytes) throw new AppError('attachment_not_found');
  // Thumbnails are read as a chat is shown: the original's download is what the audit trail records.
  if (variant === 'original')
    await recordAudit(ctx.db, {
      clinicId: attachment.clinicId,
      actorId: actor.id,
      action: 'attachment.downloaded',
      sessionId: attachment.sessionId,
      subjectId: attachmentId,
      ip,
    });
  return {
    bytes,
    contentType: variant === 'thumbnail' ? 'image/webp' : attachment.contentType,
    name: attachment.name,
    inline: attachment.kind === 'image',
  };
}
