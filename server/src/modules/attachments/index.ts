import { Elysia, t } from 'elysia';
import { Attachment, AttachmentLink, AttachmentLinkQuery, AttachmentUploadParams, AttachmentVariant } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { clientIp, numbersInQuery } from '../../lib/http';
import { authPlugin } from '../auth/plugin';
import { errors } from '../openapi/responses';
import { attachmentLink, download, downloadByLink, type Download, uploadAttachment } from './service';

const sessionParams = t.Object({ id: t.String({ format: 'uuid' }) });
const params = t.Object({ id: t.String({ format: 'uuid' }) });
const VariantQuery = t.Object({ variant: t.Optional(AttachmentVariant) });

/**
 * A file as an answer: images may be shown inline, anything else only downloads; the type is the stored one (never
 * sniffed by the browser), and if opened as a page nothing in it may run (`sandbox`).
 */
function fileResponse(file: Download, cache: string): Response {
  const disposition = `${file.inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`;
  return new Response(file.bytes as BodyInit, {
    headers: {
      'content-type': file.contentType,
      'content-disposition': disposition,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      'cache-control': cache,
    },
  });
}

/** The documented answer of the two routes that send a file. */
const binary = { schema: { type: 'string' as const, format: 'binary' } };
const FILE = {
  200: {
    description: 'The file: an image shown inline, a PDF as a download',
    content: { 'image/jpeg': binary, 'image/png': binary, 'image/webp': binary, 'application/pdf': binary },
  },
};

export const attachmentsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1', tags: ['attachments'] })
    .use(authPlugin(ctx))
    .post(
      '/sessions/:id/attachments',
      async ({ actor, params, query, request, set, ip }) => {
        const declared = request.headers.get('content-length');
        const { attachment, created } = await uploadAttachment(
          ctx,
          actor,
          params.id,
          { clientId: query.clientId, name: query.name, declaredLength: declared === null ? null : Number(declared), body: request.body },
          ip,
        );
        set.status = created ? 201 : 200;
        return attachment;
      },
      {
        auth: true,
        parse: 'none',
        params: sessionParams,
        query: AttachmentUploadParams,
        response: { 200: Attachment, 201: Attachment },
        detail: {
          summary:
            'Upload a photo (JPEG, PNG, WebP, HEIC) or PDF as the raw request body, before sending it with a message (`attachmentIds`); the type is read from the bytes; images are re-encoded without metadata. The same clientId again returns the same attachment (200)',
          responses: errors(
            'session_not_found',
            'not_assigned',
            'session_ended',
            'file_too_large',
            'unsupported_file_type',
            'file_unreadable',
            'idempotency_conflict',
          ),
        },
      },
    )
    .get('/attachments/:id/link', ({ actor, params, query }) => attachmentLink(ctx, actor, params.id, query.variant ?? 'original'), {
      auth: true,
      params,
      query: VariantQuery,
      response: { 200: AttachmentLink },
      detail: {
        summary: 'A link to the file (or its thumbnail) that works for five minutes, for an image tag or a download',
        responses: errors('attachment_not_found'),
      },
    })
    .get(
      '/attachments/:id',
      async ({ actor, params, query, ip }) => fileResponse(await download(ctx, actor, params.id, query.variant ?? 'original', ip), 'no-store'),
      {
        auth: true,
        params,
        query: VariantQuery,
        detail: {
          summary: 'The file itself, with the bearer token; downloads of the original are audited',
          responses: { ...FILE, ...errors('attachment_not_found') },
        },
      },
    )
    .get(
      '/attachments/:id/content',
      async ({ params, query, request, server }) =>
        fileResponse(
          await downloadByLink(
            ctx,
            params.id,
            { variant: query.variant, user: query.user, expires: query.expires, signature: query.signature },
            clientIp(request, server, ctx.config.trustProxy),
          ),
          `private, max-age=${60}`,
        ),
      {
        params,
        transform: numbersInQuery,
        query: AttachmentLinkQuery,
        detail: {
          summary: 'The file behind a link from `GET /attachments/:id/link`, for the person it was made for while they may still see it; audited',
          responses: { ...FILE, ...errors('attachment_link_invalid', 'attachment_not_found') },
        },
      },
    );
