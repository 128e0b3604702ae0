import { Elysia, t } from 'elysia';
import { EMBED_FRAME_PATH, LIMITS } from '@medchat/sdk/protocol';
import { existsSync } from 'node:fs';
import { AppError } from '../../lib/errors';
import type { ClinicOrigins } from '../clinics/origins';
import { ATTACHMENTS_CHUNK, WIDGET_DIST } from './index';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The chat frame's policy: its own scripts only, talking only to this server (HTTP and socket); no styles but Lit's
 * constructable stylesheets and the CSSOM; framed only by the clinic's allowed origins, so no other site can show a
 * clinic's chat in its own page.
 */
export function frameCsp(ownOrigin: string, ancestors: readonly string[]): string {
  const socket = ownOrigin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    `connect-src 'self' ${socket}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors.length ? ancestors.join(' ') : "'none'"}`,
  ].join('; ');
}

/**
 * The frame's page: no content of its own; medchat-frame.js mounts the conversation when the page says `init`.
 * `chunks` are the conversation's on-demand chunks it will load (the page's language, when it has one; the
 * attachments, which every clinic takes): fetched alongside, not after.
 */
export function framePage(lang: string, origins: readonly string[], chunks: readonly string[] = []): string {
  const preload = chunks.map((chunk) => `\n<link rel="modulepreload" href="/widget/${escapeHtml(chunk)}">`).join('');
  return `<!doctype html>
<html lang="${escapeHtml(lang)}" data-origins="${escapeHtml(JSON.stringify(origins))}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Chat</title>
<script type="module" src="/widget/medchat-chat.js"></script>
<script type="module" src="/widget/medchat-frame.js"></script>${preload}
</head>
<body></body>
</html>
`;
}

/**
 * `GET /widget/frame?site=<key>&lang=<tag>`: the page `<medchat-widget>` frames by default, on this server's
 * origin, so the conversation and the patient's token stay out of the clinic page's reach (widget/README.md).
 */
export const chatFrame = (origins: ClinicOrigins) =>
  // A page, not API: left out of the API document.
  new Elysia({ name: 'chat-frame', detail: { hide: true } }).get(
    EMBED_FRAME_PATH,
    async ({ query, request, set }) => {
      const allowed = await origins.originsOf(query.site);
      if (!allowed) throw new AppError('clinic_not_found');
      const lang = query.lang && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(query.lang) ? query.lang : 'en';
      set.headers['content-type'] = 'text/html; charset=utf-8';
      set.headers['content-security-policy'] = frameCsp(new URL(request.url).origin, allowed);
      // frame-ancestors decides who may frame it (x-frame-options would refuse everyone).
      delete set.headers['x-frame-options'];
      const chunks = [`medchat-chat-${lang.split('-')[0]!.toLowerCase()}.js`, ATTACHMENTS_CHUNK];
      return framePage(
        lang,
        allowed,
        chunks.filter((chunk) => existsSync(`${WIDGET_DIST}/${chunk}`)),
      );
    },
    { query: t.Object({ site: t.String({ minLength: 1, maxLength: LIMITS.siteKey }), lang: t.Optional(t.String({ maxLength: 35 })) }) },
  );
