import { Elysia, t } from 'elysia';
import { WebhookCreateParams, WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin } from '../auth/plugin';
import { errors, noContent } from '../openapi/responses';
import { createEndpoint, deleteEndpoint, deliveryLog, listEndpoints, replayDelivery, rotateSecret } from './service';

const params = t.Object({ id: t.String({ format: 'uuid' }) });

export const webhooksModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1', tags: ['webhooks'] })
    .use(authPlugin(ctx))
    .post(
      '/webhooks',
      async ({ actor, body, ip, set }) => {
        set.status = 201;
        return createEndpoint(ctx, actor, body, ip);
      },
      {
        auth: ['admin'],
        body: WebhookCreateParams,
        response: { 201: WebhookEndpointWithSecret },
        detail: {
          summary: 'Register a webhook endpoint; its secret is in this answer only (400 names a URL it will not call)',
          responses: errors('invalid_request'),
        },
      },
    )
    .get('/webhooks', async ({ actor }) => ({ endpoints: await listEndpoints(ctx, actor) }), {
      auth: ['admin'],
      response: { 200: t.Object({ endpoints: t.Array(WebhookEndpoint) }) },
      detail: { summary: "The clinic's webhook endpoints (without secrets)", responses: errors() },
    })
    .post('/webhooks/:id/rotate-secret', ({ actor, params, ip }) => rotateSecret(ctx, actor, params.id, ip), {
      auth: ['admin'],
      params,
      response: { 200: WebhookEndpointWithSecret },
      detail: { summary: 'A new secret; the previous one keeps signing beside it for 24 hours', responses: errors('not_found') },
    })
    .delete(
      '/webhooks/:id',
      async ({ actor, params, ip, set }) => {
        await deleteEndpoint(ctx, actor, params.id, ip);
        set.status = 204;
      },
      {
        auth: ['admin'],
        params,
        detail: { summary: 'Remove an endpoint and its pending deliveries', responses: { ...noContent('Removed'), ...errors('not_found') } },
      },
    )
    .get('/webhooks/:id/deliveries', async ({ actor, params }) => ({ deliveries: await deliveryLog(ctx, actor, params.id) }), {
      auth: ['admin'],
      params,
      response: { 200: t.Object({ deliveries: t.Array(WebhookDelivery) }) },
      detail: { summary: "The endpoint's latest 100 deliveries, newest first", responses: errors('not_found') },
    })
    .post(
      '/webhooks/:id/deliveries/:deliveryId/replay',
      async ({ actor, params, ip, set }) => {
        await replayDelivery(ctx, actor, params.id, params.deliveryId, ip);
        set.status = 204;
      },
      {
        auth: ['admin'],
        params: t.Object({ id: t.String({ format: 'uuid' }), deliveryId: t.String({ format: 'uuid' }) }),
        detail: { summary: 'Send a delivery again now, with the same event id', responses: { ...noContent('Queued to send now'), ...errors('not_found') } },
      },
    );
