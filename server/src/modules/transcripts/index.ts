import { Elysia, t } from 'elysia';
import { TranscriptParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin } from '../auth/plugin';
import { errors } from '../openapi/responses';
import { downloadTranscript, type TranscriptFormat } from './service';

const params = t.Object({ id: t.String({ format: 'uuid' }) });

/** `?format=` decides; without it, an Accept header that names PDF (and not plain text before it) gets PDF. */
function formatOf(query: TranscriptParams, accept: string | null): TranscriptFormat {
  if (query.format) return query.format;
  const types = (accept ?? '').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  const pdf = types.indexOf('application/pdf');
  const text = types.indexOf('text/plain');
  return pdf !== -1 && (text === -1 || pdf < text) ? 'pdf' : 'text';
}

const TYPES: Record<TranscriptFormat, { type: string; ext: string }> = {
  text: { type: 'text/plain; charset=utf-8', ext: 'txt' },
  pdf: { type: 'application/pdf', ext: 'pdf' },
};

export const transcriptsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1', tags: ['sessions'] }).use(authPlugin(ctx)).get(
    '/sessions/:id/transcript',
    async ({ actor, params, query, request, ip }) => {
      const format = formatOf(query, request.headers.get('accept'));
      const body = await downloadTranscript(ctx, actor, params.id, format, ip);
      return new Response(body as BodyInit, {
        headers: {
          'content-type': TYPES[format].type,
          'content-disposition': `attachment; filename="transcript-${params.id}.${TYPES[format].ext}"`,
          vary: 'Origin, Accept',
        },
      });
    },
    {
      auth: ['employee', 'admin'],
      params,
      query: TranscriptParams,
      detail: {
        summary:
          "A session's transcript as plain text or PDF (`?format=pdf` or `Accept: application/pdf`): clinic, patient, times, custody record with handover notes, every message; for staff with access; audited",
        responses: {
          200: {
            description: 'The transcript, as a download',
            content: {
              'text/plain': { schema: { type: 'string' } },
              'application/pdf': { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...errors('invalid_request', 'session_not_found'),
        },
      },
    },
  );
