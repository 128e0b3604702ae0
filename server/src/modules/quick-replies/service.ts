/**
 * A clinic's quick replies (canned answers): admins create, change and delete them (audited), every member of staff
 * lists them for the console's composer (`/` and a shortcut). Shortcuts are unique per clinic whatever their case.
 */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { NOTE_LIMITS, type QuickReply, type QuickReplyCreateParams, type QuickReplyLibrary, type QuickReplyPatchParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Tx } from '../../db/client';
import { clinics, quickReplies } from '../../db/schema';
import { AppError, pgCode } from '../../lib/errors';
import { cleanText } from '../../lib/text';
import { inTransaction } from '../../lib/transaction';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/actor';

type Row = typeof quickReplies.$inferSelect;
const view = (r: Row): QuickReply => ({ id: r.id, shortcut: r.shortcut, body: r.body, updatedAt: r.updatedAt.toISOString() });

function assertAdmin(actor: Actor) {
  if (actor.role !== 'admin') throw new AppError('forbidden');
}

const cleanBody = (body: string) => cleanText(body, 'body', { maxLength: NOTE_LIMITS.quickReplyBody, allowNewlines: true });

/** A taken shortcut is a 409, whichever write found it (the unique index decides under concurrency). */
async function unlessTaken<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (pgCode(error) === '23505') throw new AppError('conflict', { field: 'shortcut', problem: 'taken' }, 'Another quick reply has this shortcut.');
    throw error;
  }
}

/** The clinic's quick replies by shortcut: staff only. */
/** The clinic's quick replies by shortcut, with its name and phone for their `{clinic.*}` variables. */
export async function listQuickReplies(ctx: AppContext, actor: Actor): Promise<QuickReplyLibrary> {
  if (actor.role === 'patient') throw new AppError('forbidden');
  const [rows, [clinic]] = await Promise.all([
    ctx.db
      .select()
      .from(quickReplies)
      .where(eq(quickReplies.clinicId, actor.clinicId))
      .orderBy(asc(sql`lower(${quickReplies.shortcut})`)),
    ctx.db.select({ name: clinics.name, phone: clinics.phone }).from(clinics).where(eq(clinics.id, actor.clinicId)),
  ]);
  return { quickReplies: rows.map(view), clinic: clinic ?? { name: '', phone: null } };
}

async function lockClinicReplies(tx: Tx, clinicId: string) {
  // One writer of a clinic's quick replies at a time, so the count checked is the count inserted into.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('quick_replies'), hashtext(${clinicId}))`);
}

export async function createQuickReply(ctx: AppContext, actor: Actor, input: QuickReplyCreateParams, ip: string | null): Promise<QuickReply> {
  assertAdmin(actor);
  const body = cleanBody(input.body);
  return unlessTaken(() =>
    inTransaction(ctx, async (tx) => {
      await lockClinicReplies(tx, actor.clinicId);
      const [{ n }] = (await tx.select({ n: count() }).from(quickReplies).where(eq(quickReplies.clinicId, actor.clinicId))) as [{ n: number }];
      if (n >= NOTE_LIMITS.quickReplies) throw new AppError('invalid_request', { field: 'shortcut', problem: 'too_many', maxItems: NOTE_LIMITS.quickReplies });
      const [row] = await tx.insert(quickReplies).values({ clinicId: actor.clinicId, shortcut: input.shortcut, body }).returning();
      await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'quick_reply.created', subjectId: row!.id, ip });
      return view(row!);
    }),
  );
}

export async function updateQuickReply(ctx: AppContext, actor: Actor, id: string, input: QuickReplyPatchParams, ip: string | null): Promise<QuickReply> {
  assertAdmin(actor);
  const set: Partial<Row> = { updatedAt: new Date() };
  if (input.shortcut !== undefined) set.shortcut = input.shortcut;
  if (input.body !== undefined) set.body = cleanBody(input.body);
  return unlessTaken(() =>
    inTransaction(ctx, async (tx) => {
      const [row] = await tx
        .update(quickReplies)
        .set(set)
        .where(and(eq(quickReplies.id, id), eq(quickReplies.clinicId, actor.clinicId)))
        .returning();
      if (!row) throw new AppError('not_found');
      await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'quick_reply.updated', subjectId: id, ip });
      return view(row);
    }),
  );
}

export async function deleteQuickReply(ctx: AppContext, actor: Actor, id: string, ip: string | null): Promise<void> {
  assertAdmin(actor);
  await inTransaction(ctx, async (tx) => {
    const [row] = await tx
      .delete(quickReplies)
      .where(and(eq(quickReplies.id, id), eq(quickReplies.clinicId, actor.clinicId)))
      .returning({ id: quickReplies.id });
    if (!row) throw new AppError('not_found');
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'quick_reply.deleted', subjectId: id, ip });
  });
}
