import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { clinics } from './clinics';

/** Where a clinic's systems want to hear about its chats (docs/webhooks.md). Admins manage them through the API. */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid().primaryKey().defaultRandom(),
    clinicId: uuid()
      .notNull()
      .references(() => clinics.id, { onDelete: 'cascade' }),
    url: text().notNull(),
    /** The event types sent here (`session.started`…). */
    events: text().array().notNull(),
    /** Standard Webhooks secret (`whsec_…`). Stored as it is, like the clinic identity secret. */
    secret: text().notNull(),
    /** The secret before the last rotation, still signed with until `previousSecretUntil` (an overlap for receivers). */
    previousSecret: text(),
    previousSecretUntil: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_endpoints_clinic_id_idx').on(t.clinicId)],
);

/**
 * The outbox: one row per event, written in the transaction of the change it reports (none if it rolls back). Its
 * id is the `webhook-id` receivers de-duplicate by. Ids only in the payload, never message text or names.
 */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Order of events; per session it is commit order, since a session's changes hold its row lock. */
    seq: bigint({ mode: 'number' }).generatedAlwaysAsIdentity(),
    clinicId: uuid().notNull(),
    type: text().notNull(),
    sessionId: uuid(),
    payload: jsonb().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('webhook_events_clinic_id_created_at_idx').on(t.clinicId, t.createdAt),
    // The cleanup deletes the oldest first, across clinics (./modules/webhooks/cleanup.ts).
    index('webhook_events_created_at_idx').on(t.createdAt),
    // Retention deletes a purged session's events with it.
    index('webhook_events_session_id_idx').on(t.sessionId),
  ],
);

/** One event to one endpoint: its delivery state and the last attempt (the endpoint's delivery log). */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid().primaryKey().defaultRandom(),
    eventId: uuid()
      .notNull()
      .references(() => webhookEvents.id, { onDelete: 'cascade' }),
    endpointId: uuid()
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    /** Copied from the event: a delivery waits for the endpoint's earlier ones of the same session. */
    sessionId: uuid(),
    eventSeq: bigint({ mode: 'number' }).notNull(),
    /** pending, delivered, or failed (given up after the retry period). */
    status: text().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** While an instance sends it: claimed rows are skipped by others until then (a dead instance's come back). */
    lockedUntil: timestamp({ withTimezone: true }),
    lastStatus: integer(),
    lastError: text(),
    lastLatencyMs: integer(),
    lastAttemptAt: timestamp({ withTimezone: true }),
    deliveredAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_endpoint_id_session_id_event_seq_idx').on(t.endpointId, t.sessionId, t.eventSeq).where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_endpoint_id_created_at_idx').on(t.endpointId, t.createdAt),
    // Deleting an event (cleanup, retention) finds its deliveries through this, for the cascade and the pending check.
    index('webhook_deliveries_event_id_idx').on(t.eventId),
  ],
);
