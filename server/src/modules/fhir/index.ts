import { Elysia, t } from 'elysia';
import { FhirExportParams, FhirSessionParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { numbersInQuery } from '../../lib/http';
import { authPlugin } from '../auth/plugin';
import { errors } from '../openapi/responses';
import { exportBulk, exportSessionBundle } from './service';

const params = t.Object({ id: t.String({ format: 'uuid' }) });

/** The outline of what the session route returns; every resource in it is checked against FHIR R4 in the tests. */
const FhirBundle = t.Object(
  {
    resourceType: t.Literal('Bundle'),
    id: t.String(),
    type: t.Literal('collection'),
    timestamp: t.String(),
    entry: t.Array(t.Object({ fullUrl: t.String(), resource: t.Object({ resourceType: t.String(), id: t.String() }, { additionalProperties: t.Unknown() }) })),
  },
  {
    additionalProperties: t.Unknown(),
    description: 'A FHIR R4 Bundle (collection): the Encounter, a Provenance per assignment period, a Communication per message',
  },
);

/** Query flags arrive as text: `true`/`false` become booleans before validation, digits numbers. */
const queryValues = ({ query }: { query: Record<string, unknown> }) => {
  numbersInQuery({ query });
  for (const [key, value] of Object.entries(query)) if (value === 'true' || value === 'false') query[key] = value === 'true';
};

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const FHIR_NDJSON = 'application/fhir+ndjson; charset=utf-8';

export const fhirModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1', tags: ['fhir'] })
    .use(authPlugin(ctx))
    .get(
      '/sessions/:id/fhir',
      async ({ actor, params, query, ip, set }) => {
        const bundle = await exportSessionBundle(ctx, actor, params.id, query.includeNotes, ip);
        set.headers['content-type'] = FHIR_JSON;
        return bundle;
      },
      {
        auth: ['employee', 'admin'],
        params,
        transform: queryValues,
        query: FhirSessionParams,
        response: { 200: FhirBundle },
        detail: {
          summary: 'One session as a FHIR R4 Bundle, for staff who held it and admins (docs/fhir.md); audited',
          responses: errors('session_not_found'),
        },
      },
    )
    .get(
      '/fhir/export',
      async ({ actor, query, ip }) => {
        const { stream, to, nextCursor } = await exportBulk(ctx, actor, query, ip);
        const headers: Record<string, string> = {
          'content-type': FHIR_NDJSON,
          'content-disposition': 'attachment; filename="medchat.ndjson"',
          // The end of the range, fixed at the first page: pass it with the cursor so every page reads the same range.
          'x-export-to': to,
        };
        if (nextCursor) {
          headers['x-next-cursor'] = nextCursor;
          const next = new URLSearchParams({
            ...(query.from ? { from: query.from } : {}),
            to,
            cursor: nextCursor,
            ...(query.limit ? { limit: String(query.limit) } : {}),
            ...(query.includeNotes ? { includeNotes: 'true' } : {}),
          });
          headers.link = `</api/v1/fhir/export?${next}>; rel="next"`;
        }
        return new Response(stream, { headers });
      },
      {
        auth: ['admin'],
        transform: queryValues,
        query: FhirExportParams,
        detail: {
          summary:
            'The sessions started in a time range as FHIR R4 NDJSON, one resource a line (streamed), a page of sessions at a time; the next page is in X-Next-Cursor',
          responses: {
            200: {
              description: 'One page: a FHIR R4 resource per line (Encounter, Provenance, Communication)',
              headers: {
                'X-Export-To': { description: 'The end of the range: pass it with the cursor', schema: { type: 'string', format: 'date-time' } },
                'X-Next-Cursor': { description: 'The next page’s cursor; absent on the last page', schema: { type: 'string' } },
                Link: { description: 'The next page’s URL, rel="next"', schema: { type: 'string' } },
              },
              content: { 'application/fhir+ndjson': { schema: { type: 'string' } } },
            },
            ...errors('invalid_request'),
          },
        },
      },
    );
