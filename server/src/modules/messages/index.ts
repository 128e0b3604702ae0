import { Elysia, t } from 'elysia';
import { Message, MessagePage } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin } from '../../lib/http';
import { MAX_PAGE, markRead, readMessages, sendMessage } from './service';

const params = t.Object({ id: t.String({ format: 'uuid' }) });
const Seq = t.Integer({ minimum: 0, maximum: 2_000_000_000 });

export const messagesModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1/sessions/:id', tags: ['messages'] })
    .use(authPlugin(ctx))
    .get('/messages', ({ actor, params, query, ip }) => readMessages(ctx, actor, params.id, query, ip), {
      auth: true,
      params,
      query: t.Object({ after: t.Optional(Seq), before: t.Optional(Seq), limit: t.Optional(t.Integer({ minimum: 1, maximum: MAX_PAGE })) }),
      response: { 200: MessagePage },
      detail: { summary: 'History by seq cursor: after=N (older to newer) or before=N (the page just before N)' },
    })
    .post(
      '/messages',
      async ({ actor, params, body, set }) => {
        const { message, created } = await sendMessage(ctx, actor, params.id, body);
        set.status = created ? 201 : 200;
        return message;
      },
      {
        auth: true,
        params,
        // The 4,000-character limit is checked after normalization and answered with 422 message_too_long.
        body: t.Object({ clientMsgId: t.String({ minLength: 1, maxLength: 64 }), body: t.String({ minLength: 1, maxLength: 65536 }) }),
        response: { 200: Message, 201: Message },
        detail: { summary: 'Send a message; repeating the same clientMsgId returns the same message' },
      },
    )
    .post(
      '/read',
      async ({ actor, params, body, set }) => {
        await markRead(ctx, actor, params.id, body.seq);
        set.status = 204;
      },
      { auth: true, params, body: t.Object({ seq: Seq }) },
    );
