import { Elysia } from 'elysia';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../lib/errors';

export const WIDGET_DIST = fileURLToPath(new URL('../../../../widget/dist', import.meta.url));
const FILES = ['medchat-widget.js', 'medchat-widget.iife.js', 'medchat-chat.js', 'medchat-frame.js'] as const;
/**
 * The conversation's on-demand chunks: a language other than English (`medchat-chat-es.js`), and the attachments
 * (`medchat-chat-attachments.js`: attach, upload, thumbnails), loaded once the clinic's card says it takes files.
 */
export const ATTACHMENTS_CHUNK = 'medchat-chat-attachments.js';
const CHUNK = /^medchat-chat-[a-z]{2,8}\.js$/;

/**
 * Serves the built widget at a stable URL, `/widget/medchat-widget.js` (the loader, module) and
 * `/widget/medchat-widget.iife.js` (classic script), and the conversation `/widget/medchat-chat.js` with the chat
 * frame's script `/widget/medchat-frame.js` (frame.ts serves the frame) and the chunks the conversation loads on
 * demand (`/widget/medchat-chat-es.js`, `/widget/medchat-chat-attachments.js`), to any site: public code, cached for
 * an hour.
 */
export const widgetAssets = () =>
  // Public code, not API: left out of the API document.
  new Elysia({ name: 'widget-assets', detail: { hide: true } }).get('/widget/:file', ({ params, set }) => {
    const file = FILES.find((f) => f === params.file) ?? (CHUNK.test(params.file) || params.file === ATTACHMENTS_CHUNK ? params.file : undefined);
    const path = file && `${WIDGET_DIST}/${file}`;
    // The envelope, with its request id, from the error plugin.
    if (!path || !existsSync(path)) throw new AppError('not_found');
    set.headers['content-type'] = 'text/javascript; charset=utf-8';
    set.headers['cache-control'] = 'public, max-age=3600';
    set.headers['access-control-allow-origin'] = '*';
    return Bun.file(path);
  });

/** Builds the widget with rollup when its files are missing (first run of the demo or of the browser tests). */
export async function ensureWidgetBuilt(): Promise<void> {
  if (FILES.every((f) => existsSync(`${WIDGET_DIST}/${f}`))) return;
  const proc = Bun.spawn([process.execPath, 'run', 'build'], {
    cwd: fileURLToPath(new URL('../../../../widget', import.meta.url)),
    stdout: 'inherit',
    stderr: 'inherit',
  });
  if ((await proc.exited) !== 0) throw new Error('building the widget failed');
}
