import { Elysia, t } from 'elysia';
import { LIMITS, Message, MessageListParams, MessagePage, MessageReadParams, MessageSendParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { numbersInQuery } from '../../lib/http';
import { storedBodyText } from '../../lib/text';
import { authPlugin } from '../auth/plugin';
import { errors, noContent } from '../openapi/responses';
import { markRead, readMessages, sendMessage } from './service';

const params = t.Object({ id: t.String({ format: 'uuid' }) });

export const messagesModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1/sessions/:id', tags: ['messages'] })
    .use(authPlugin(ctx))
    .get('/messages', ({ actor, params, query, ip }) => readMessages(ctx, actor, params.id, query, ip), {
      auth: true,
      params,
      transform: numbersInQuery,
      query: MessageListParams,
      response: { 200: MessagePage },
      detail: { summary: 'History by seq cursor: after=N (older to newer) or before=N (the page just before N)', responses: errors('session_not_found') },
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
        transform: storedBodyText(LIMITS.messageBody),
        body: MessageSendParams,
        response: { 200: Message, 201: Message },
        detail: {
          summary: 'Send a message (201); repeating the same clientMsgId returns the same message (200)',
          responses: errors('session_not_found', 'not_assigned', 'session_ended', 'idempotency_conflict', 'message_too_long'),
        },
      },
    )
    .post(
      '/read',
      async ({ actor, params, body, set }) => {
        await markRead(ctx, actor, params.id, body.seq);
        set.status = 204;
      },
      {
        auth: true,
        params,
        body: MessageReadParams,
        detail: {
          summary: 'Mark messages up to seq as read (the marker never moves back)',
          responses: { ...noContent('Marked'), ...errors('session_not_found', 'not_assigned') },
        },
      },
    );
