import { Elysia } from 'elysia';
import { AuditExportParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { numbersInQuery } from '../../lib/http';
import { authPlugin } from '../auth/plugin';
import { errors } from '../openapi/responses';
import { exportAudit } from './trail';

const CONTENT_TYPES = { jsonl: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' } as const;

export const auditModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1', tags: ['audit'] }).use(authPlugin(ctx)).get(
    '/audit',
    async ({ actor, query, ip }) => {
      const format = query.format ?? 'jsonl';
      const { stream, to, nextCursor } = await exportAudit(ctx, actor, { ...query, format }, ip);
      const headers: Record<string, string> = {
        'content-type': CONTENT_TYPES[format],
        'content-disposition': `attachment; filename="audit.${format}"`,
        // The end of the range, fixed at the first page: pass it with the cursor so every page reads the same range.
        'x-audit-to': to,
      };
      if (nextCursor) {
        headers['x-next-cursor'] = nextCursor;
        const next = new URLSearchParams({
          ...(query.from ? { from: query.from } : {}),
          to,
          format,
          cursor: nextCursor,
          ...(query.limit ? { limit: String(query.limit) } : {}),
        });
        headers.link = `</api/v1/audit?${next}>; rel="next"`;
      }
      return new Response(stream, { headers });
    },
    {
      auth: ['admin'],
      transform: numbersInQuery,
      query: AuditExportParams,
      detail: {
        summary: "Export the clinic's audit log for a time range, oldest first, as JSON lines or CSV (streamed); the next page's cursor is in X-Next-Cursor",
        responses: {
          200: {
            description: 'One page of the log: an AuditEntry per line (jsonl), or CSV with a header row',
            headers: {
              'X-Audit-To': { description: 'The end of the range: pass it with the cursor', schema: { type: 'string', format: 'date-time' } },
              'X-Next-Cursor': { description: 'The next page’s cursor; absent on the last page', schema: { type: 'string' } },
              Link: { description: 'The next page’s URL, rel="next"', schema: { type: 'string' } },
            },
            content: {
              'application/x-ndjson': { schema: { type: 'string' } },
              'text/csv': { schema: { type: 'string' } },
            },
          },
          ...errors(),
        },
      },
    },
  );
