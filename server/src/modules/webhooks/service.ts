/**
 * Admins manage their clinic's webhook endpoints: create (the secret is shown once), list, rotate the secret (the
 * old one keeps signing alongside for a day, so receivers can switch without losing events), delete, read the
 * delivery log and replay a delivery. Every change is audited.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { WebhookCreateParams, WebhookEventType } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { webhookDeliveries, webhookEndpoints, webhookEvents } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { refusedTarget, targetPolicy } from './address';

/** How long the previous secret keeps signing after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
/** Rows of a delivery log page. */
const LOG_PAGE = 100;

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

type EndpointRow = typeof webhookEndpoints.$inferSelect;
const view = (e: EndpointRow) => ({
  id: e.id,
  url: e.url,
  events: e.events as WebhookEventType[],
  createdAt: e.createdAt.toISOString(),
  previousSecretUntil: e.previousSecretUntil?.toISOString() ?? null,
});
export type WebhookEndpointView = ReturnType<typeof view>;

function assertAdmin(actor: Actor) {
  if (actor.role !== 'admin') throw new AppError('forbidden');
}

async function ownEndpoint(ctx: AppContext, actor: Actor, id: string): Promise<EndpointRow> {
  const [row] = await ctx.db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.clinicId, actor.clinicId)));
  if (!row) throw new AppError('not_found');
  return row;
}

export async function createEndpoint(ctx: AppContext, actor: Actor, input: WebhookCreateParams, ip: string | null) {
  assertAdmin(actor);
  const refused = await refusedTarget(input.url, targetPolicy(ctx.config));
  if (refused) throw new AppError('invalid_request', { field: 'url', problem: refused });
  const secret = newSecret();
  const row = await ctx.db.transaction(async (tx) => {
    const [created] = await tx.insert(webhookEndpoints).values({ clinicId: actor.clinicId, url: input.url, events: input.events, secret }).returning();
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'webhook.created', subjectId: created!.id, ip });
    return created!;
  });
  return { ...view(row), secret };
}

export async function listEndpoints(ctx: AppContext, actor: Actor) {
  assertAdmin(actor);
  const rows = await ctx.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.clinicId, actor.clinicId)).orderBy(webhookEndpoints.createdAt);
  return rows.map(view);
}

export async function rotateSecret(ctx: AppContext, actor: Actor, id: string, ip: string | null) {
  assertAdmin(actor);
  const old = await ownEndpoint(ctx, actor, id);
  const secret = newSecret();
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(webhookEndpoints)
      .set({ secret, previousSecret: old.secret, previousSecretUntil: new Date(Date.now() + ROTATION_OVERLAP_MS) })
      .where(eq(webhookEndpoints.id, id))
      .returning();
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'webhook.secret_rotated', subjectId: id, ip });
    return updated!;
  });
  return { ...view(row), secret };
}

export async function deleteEndpoint(ctx: AppContext, actor: Actor, id: string, ip: string | null) {
  assertAdmin(actor);
  await ownEndpoint(ctx, actor, id);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'webhook.deleted', subjectId: id, ip });
  });
}

/** The endpoint's latest deliveries, newest first: event, state, attempts and the last attempt's status and latency. */
export async function deliveryLog(ctx: AppContext, actor: Actor, id: string) {
  assertAdmin(actor);
  await ownEndpoint(ctx, actor, id);
  const rows = await ctx.db
    .select({ d: webhookDeliveries, type: webhookEvents.type })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.endpointId, id))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.eventSeq))
    .limit(LOG_PAGE);
  return rows.map(({ d, type }) => ({
    id: d.id,
    eventId: d.eventId,
    type,
    sessionId: d.sessionId,
    status: d.status as 'pending' | 'delivered' | 'failed',
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    lastLatencyMs: d.lastLatencyMs,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  }));
}

/** Sends a delivery again (delivered or failed): due now, with the same event id, so receivers can de-duplicate. */
export async function replayDelivery(ctx: AppContext, actor: Actor, id: string, deliveryId: string, ip: string | null) {
  assertAdmin(actor);
  await ownEndpoint(ctx, actor, id);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookDeliveries)
      .set({ status: 'pending', nextAttemptAt: sql`now()`, lockedUntil: null })
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, id)))
      .returning({ id: webhookDeliveries.id });
    if (!row) throw new AppError('not_found');
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'webhook.replayed', subjectId: deliveryId, ip });
  });
}
