/**
 * A clinic's webhook endpoints and their delivery log, as admins read them (`/api/v1/webhooks`, docs/webhooks.md).
 * What an endpoint receives is described in docs/webhooks.md; the bodies an admin sends are in ./requests.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { WebhookEventType } from './requests';

const Id = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ description: 'ISO 8601 time, UTC' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** A registered endpoint, without its secret (shown once, when it is created or rotated). */
export const WebhookEndpoint = Type.Object({
  id: Id,
  url: Type.String(),
  events: Type.Array(WebhookEventType),
  createdAt: Timestamp,
  /** Until then the previous secret signs too (after a rotation). */
  previousSecretUntil: Nullable(Timestamp),
});
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

/** An endpoint as created or after a rotation: the only answers that carry its signing secret. */
export const WebhookEndpointWithSecret = Type.Composite([
  WebhookEndpoint,
  Type.Object({ secret: Type.String({ description: 'Shown once: verify signatures with it (docs/webhooks.md)' }) }),
]);
export type WebhookEndpointWithSecret = Static<typeof WebhookEndpointWithSecret>;

export const WebhookDeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]);
export type WebhookDeliveryStatus = Static<typeof WebhookDeliveryStatus>;

/** One event for one endpoint: its state, and what its last attempt got. */
export const WebhookDelivery = Type.Object({
  id: Id,
  eventId: Type.String({ format: 'uuid', description: 'The webhook-id header: the same on every attempt' }),
  type: Type.String(),
  sessionId: Nullable(Id),
  status: WebhookDeliveryStatus,
  attempts: Type.Integer({ minimum: 0 }),
  /** The HTTP status of the last attempt; null when it got none (refused, timed out) or none was made yet. */
  lastStatus: Nullable(Type.Integer({ minimum: 0 })),
  /** Why the last attempt failed, in words (never the receiver's body). */
  lastError: Nullable(Type.String()),
  lastLatencyMs: Nullable(Type.Integer({ minimum: 0 })),
  lastAttemptAt: Nullable(Timestamp),
  /** When a pending delivery is tried next. */
  nextAttemptAt: Nullable(Timestamp),
  deliveredAt: Nullable(Timestamp),
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;
