import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { authPlugin } from '../auth/plugin';
import { errors } from '../openapi/responses';
import { downloadTranscript } from './service';

const params = t.Object({ id: t.String({ format: 'uuid' }) });

export const transcriptsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1', tags: ['sessions'] }).use(authPlugin(ctx)).get(
    '/sessions/:id/transcript',
    async ({ actor, params, ip }) =>
      new Response(await downloadTranscript(ctx, actor, params.id, ip), {
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'content-disposition': `attachment; filename="transcript-${params.id}.txt"`,
        },
      }),
    {
      auth: ['employee', 'admin'],
      params,
      detail: {
        summary: "A session's transcript as plain text (messages, custody record, handover notes), for staff with access; audited",
        responses: {
          200: { description: 'The transcript, as a download', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...errors('session_not_found'),
        },
      },
    },
  );
