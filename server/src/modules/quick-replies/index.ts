import { Elysia, t } from 'elysia';
import { QuickReply, QuickReplyCreateParams, QuickReplyLibrary, QuickReplyPatchParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin } from '../auth/plugin';
import { errors, noContent } from '../openapi/responses';
import { createQuickReply, deleteQuickReply, listQuickReplies, updateQuickReply } from './service';

const params = t.Object({ id: t.String({ format: 'uuid' }) });

export const quickRepliesModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1/quick-replies', tags: ['quick replies'] })
    .use(authPlugin(ctx))
    .get('/', ({ actor }) => listQuickReplies(ctx, actor), {
      auth: ['employee', 'admin'],
      response: { 200: QuickReplyLibrary },
      detail: { summary: 'The clinic’s quick replies, by shortcut, and its values for their variables (staff)', responses: errors() },
    })
    .post(
      '/',
      async ({ actor, body, ip, set }) => {
        set.status = 201;
        return createQuickReply(ctx, actor, body, ip);
      },
      {
        auth: ['admin'],
        body: QuickReplyCreateParams,
        response: { 201: QuickReply },
        detail: { summary: 'Add a quick reply (admin; audited); 409 when the shortcut is taken', responses: errors('conflict') },
      },
    )
    .patch('/:id', ({ actor, params, body, ip }) => updateQuickReply(ctx, actor, params.id, body, ip), {
      auth: ['admin'],
      params,
      // No body is an empty patch (the quick reply as it is); malformed JSON is still refused.
      transform: (c) => void (c.body ??= {}),
      body: QuickReplyPatchParams,
      response: { 200: QuickReply },
      detail: { summary: 'Change a quick reply’s shortcut or text (admin; audited)', responses: errors('not_found', 'conflict') },
    })
    .delete(
      '/:id',
      async ({ actor, params, ip, set }) => {
        await deleteQuickReply(ctx, actor, params.id, ip);
        set.status = 204;
      },
      {
        auth: ['admin'],
        params,
        detail: { summary: 'Delete a quick reply (admin; audited)', responses: { ...noContent('Deleted'), ...errors('not_found') } },
      },
    );
