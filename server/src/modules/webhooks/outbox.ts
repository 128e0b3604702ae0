/**
 * The webhook outbox: the session events a transaction emits become `webhook_events` rows, and one delivery row per
 * endpoint that wants each, in that same transaction (lib/transaction.ts calls this before commit). So an event is
 * delivered if and only if its change committed, even if the process dies right after the commit.
 *
 * Messages stored by the writer's batches get their `message.created` rows from the batch statement itself
 * (messages/batch-insert.sql.ts), with the same payload as `messageCreatedData` here; the messages of the
 * one-message path come through `enqueueWebhooks` like the session events. System lines ("… joined the chat") are
 * no `message.created`: the session events report the same changes, and the lines carry staff names.
 */
import { eq } from 'drizzle-orm';
import type { Message } from '@medchat/sdk/protocol';
import type { WebhookEventType } from '@medchat/sdk/protocol';
import type { Tx } from '../../db/client';
import { clinics, webhookDeliveries, webhookEndpoints, webhookEvents } from '../../db/schema';
import type { BusEvent } from '../../lib/bus-events';

/** What a receiver gets in `data`: ids and reason codes, never names; message text only where the clinic opted in. */
export interface WebhookData {
  sessionId: string;
  patientId?: string;
  employeeId?: string;
  previousEmployeeId?: string | null;
  reason?: string;
  messageId?: string;
  seq?: number;
  senderId?: string | null;
  senderRole?: string | null;
  text?: string;
  /** The files a message carries, by id (never their names): read through `GET /api/v1/attachments/:id`. */
  attachmentIds?: string[];
}

/** A `message.created` event's data, without the text (added by `enqueueWebhooks` where the clinic opted in). */
export const messageCreatedData = (m: Message): WebhookData => ({
  sessionId: m.sessionId,
  messageId: m.id,
  seq: m.seq,
  senderId: m.sender?.id ?? null,
  senderRole: m.sender?.role ?? null,
  ...(m.attachments?.length ? { attachmentIds: m.attachments.map((a) => a.id) } : {}),
});

/** The webhook events one bus event stands for (none for most). */
export function webhookEventsOf(e: BusEvent): Array<{ type: WebhookEventType; data: WebhookData; text?: string }> {
  switch (e.t) {
    case 'message.created':
      return (e.messages ?? []).filter((m) => m.kind === 'text').map((m) => ({ type: 'message.created', data: messageCreatedData(m), text: m.body }));
    case 'session.waiting':
      return [{ type: 'session.started', data: { sessionId: e.sessionId, patientId: e.patientId } }];
    case 'session.assigned': {
      const data = { sessionId: e.sessionId, patientId: e.patientId, employeeId: e.employeeId, previousEmployeeId: e.previousEmployeeId, reason: e.reason };
      if (e.reason === 'session_started')
        return [
          { type: 'session.started', data: { sessionId: e.sessionId, patientId: e.patientId } },
          { type: 'session.assigned', data },
        ];
      return [{ type: e.previousEmployeeId ? 'session.transferred' : 'session.assigned', data }];
    }
    case 'session.requeued':
      return [
        { type: 'session.requeued', data: { sessionId: e.sessionId, patientId: e.patientId, previousEmployeeId: e.previousEmployeeId, reason: e.reason } },
      ];
    case 'session.ended':
      return [{ type: 'session.ended', data: { sessionId: e.sessionId, patientId: e.patientId, previousEmployeeId: e.previousEmployeeId } }];
    default:
      return [];
  }
}

/** Writes the outbox rows for the events of one transaction, in their order. One read of endpoints per clinic named. */
export async function enqueueWebhooks(tx: Tx, events: readonly BusEvent[]): Promise<void> {
  const items = events.flatMap((e) => webhookEventsOf(e).map((w) => ({ ...w, clinicId: e.clinicId })));
  if (items.length === 0) return;
  const endpointsOf = new Map<string, Array<{ id: string; events: string[]; withText: boolean }>>();
  for (const clinicId of new Set(items.map((i) => i.clinicId)))
    endpointsOf.set(
      clinicId,
      await tx
        .select({ id: webhookEndpoints.id, events: webhookEndpoints.events, withText: clinics.webhookMessageText })
        .from(webhookEndpoints)
        .innerJoin(clinics, eq(clinics.id, webhookEndpoints.clinicId))
        .where(eq(webhookEndpoints.clinicId, clinicId)),
    );
  for (const item of items) {
    const targets = endpointsOf.get(item.clinicId)!.filter((ep) => ep.events.includes(item.type));
    if (targets.length === 0) continue;
    const timestamp = new Date().toISOString();
    const data = item.text !== undefined && targets[0]!.withText ? { ...item.data, text: item.text } : item.data;
    const [event] = await tx
      .insert(webhookEvents)
      .values({
        clinicId: item.clinicId,
        type: item.type,
        sessionId: item.data.sessionId,
        payload: { type: item.type, timestamp, data },
      })
      .returning({ id: webhookEvents.id, seq: webhookEvents.seq });
    await tx
      .insert(webhookDeliveries)
      .values(targets.map((ep) => ({ eventId: event!.id, endpointId: ep.id, sessionId: item.data.sessionId, eventSeq: event!.seq })));
  }
}
