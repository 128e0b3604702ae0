/**
 * What is deleted of attachments without anyone asking, on every instance (server.ts runs it at start-up and every
 * CLEANUP_INTERVAL_MS; several instances at once is safe, every step being a delete of what is still there):
 * - uploads no message claimed within ATTACHMENT_LIMITS.unclaimedMinutes, row and blobs;
 * - blobs whose attachment row never committed (a process killed between storing the bytes and writing the row,
 *   or a failed insert): their keys are still in `pending_blobs` after PENDING_MINUTES, far longer than an upload
 *   takes once its body is in; the blobs go from the store first, then the keys, so a crash between leaves the keys
 *   to try again;
 * - spooled bodies (./spool.ts) a killed process left in the temporary folder.
 * Either store: the database's `attachment_blobs` and S3 alike, through `BlobStore.delete`.
 */
import { and, inArray, isNull, lt, sql } from 'drizzle-orm';
import { ATTACHMENT_LIMITS } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { attachments, pendingBlobs } from '../../db/schema';
import { errorKind } from '../../lib/logger';
import { removeStaleSpools } from './spool';
import { blobKeys } from './store';

/** Minutes after which a pending blob key means its upload died: an upload stores its blobs and row in seconds. */
export const PENDING_MINUTES = 60;
export const CLEANUP_INTERVAL_MS = 15 * 60 * 1000;
/** Rows handled per statement; the rest waits for the next round. */
const BATCH = 500;

type CleanupContext = Pick<AppContext, 'db' | 'blobs'>;

const olderThan = (column: typeof attachments.createdAt | typeof pendingBlobs.createdAt, minutes: number) =>
  lt(column, sql`now() - make_interval(mins => ${minutes})`);

/** Deletes uploads no message claimed within the limit, with their bytes; returns how many. */
export async function deleteUnclaimed(ctx: CleanupContext, olderThanMinutes: number): Promise<number> {
  const stale = await ctx.db
    .select({ id: attachments.id })
    .from(attachments)
    .where(and(isNull(attachments.messageId), olderThan(attachments.createdAt, olderThanMinutes)))
    .limit(BATCH);
  if (stale.length === 0) return 0;
  const gone = await ctx.db
    .delete(attachments)
    .where(
      and(
        inArray(
          attachments.id,
          stale.map((s) => s.id),
        ),
        isNull(attachments.messageId),
      ),
    )
    .returning({ storageKey: attachments.storageKey, thumbnailKey: attachments.thumbnailKey });
  await ctx.blobs.delete(blobKeys(gone));
  return gone.length;
}

/** Deletes from the store the blobs of uploads that died before their row committed, then their keys; returns how many. */
export async function deletePendingBlobs(ctx: CleanupContext, olderThanMinutes: number): Promise<number> {
  const stale = await ctx.db.select({ key: pendingBlobs.key }).from(pendingBlobs).where(olderThan(pendingBlobs.createdAt, olderThanMinutes)).limit(BATCH);
  if (stale.length === 0) return 0;
  const keys = stale.map((s) => s.key);
  await ctx.blobs.delete(keys);
  await ctx.db.delete(pendingBlobs).where(inArray(pendingBlobs.key, keys));
  return keys.length;
}

/** One round of every clean-up above; what each removed. */
export async function cleanUpAttachments(ctx: CleanupContext) {
  const unclaimed = await deleteUnclaimed(ctx, ATTACHMENT_LIMITS.unclaimedMinutes);
  const pendingBlobs = await deletePendingBlobs(ctx, PENDING_MINUTES);
  const spools = await removeStaleSpools(PENDING_MINUTES * 60 * 1000);
  return { unclaimed, pendingBlobs, spools };
}

/** Runs `cleanUpAttachments` now and every `intervalMs`; the stop waits for a round under way. */
export function startAttachmentCleanup(ctx: CleanupContext & Pick<AppContext, 'logger'>, intervalMs = CLEANUP_INTERVAL_MS): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  const round = () => {
    running = cleanUpAttachments(ctx)
      .then((removed) => {
        if (removed.unclaimed + removed.pendingBlobs + removed.spools > 0) ctx.logger.info('attachments.cleaned', removed);
      })
      .catch((error) => ctx.logger.warn('attachments.cleanup_failed', errorKind(error)));
  };
  round();
  const timer = setInterval(round, intervalMs);
  return () => {
    clearInterval(timer);
    return running;
  };
}
