import type { WebhookCreateParams } from '../protocol/requests';
import type { WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret } from '../protocol/webhooks';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';

const path = (id: string) => `/webhooks/${encodeURIComponent(id)}`;

/**
 * Admin: the clinic's signed webhooks (`/api/v1/webhooks`; what a receiver gets and how it verifies it:
 * docs/webhooks.md). A secret is in the answers of `create` and `rotateSecret` only; keep it then.
 */
export class Webhooks {
  constructor(private readonly http: HttpConfig) {}

  /** Registers an endpoint for some session events. A URL the server will not call (not https, a private address) is a 400. */
  create(body: WebhookCreateParams, options?: CallOptions): Promise<WebhookEndpointWithSecret> {
    return request(this.http, 'POST', '/webhooks', { ...options, body });
  }

  /** The clinic's endpoints, oldest first, without their secrets. */
  async list(options?: CallOptions): Promise<WebhookEndpoint[]> {
    return (await request<{ endpoints: WebhookEndpoint[] }>(this.http, 'GET', '/webhooks', options)).endpoints;
  }

  /** A new secret; the previous one keeps signing beside it for 24 hours (`previousSecretUntil`), so receivers can switch. */
  rotateSecret(id: string, options?: CallOptions): Promise<WebhookEndpointWithSecret> {
    return request(this.http, 'POST', `${path(id)}/rotate-secret`, options);
  }

  /** Removes the endpoint and its pending deliveries. */
  delete(id: string, options?: CallOptions): Promise<void> {
    return request(this.http, 'DELETE', path(id), options);
  }

  /** The endpoint's latest 100 deliveries, newest first: state, attempts, the last attempt's status and latency. */
  async deliveries(id: string, options?: CallOptions): Promise<WebhookDelivery[]> {
    return (await request<{ deliveries: WebhookDelivery[] }>(this.http, 'GET', `${path(id)}/deliveries`, options)).deliveries;
  }

  /** Sends a delivery again now, with the same event id (`webhook-id`), so the receiver can tell it is the same event. */
  replay(id: string, deliveryId: string, options?: CallOptions): Promise<void> {
    return request(this.http, 'POST', `${path(id)}/deliveries/${encodeURIComponent(deliveryId)}/replay`, options);
  }
}
