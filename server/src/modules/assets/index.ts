import { Elysia } from 'elysia';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const WIDGET_DIST = fileURLToPath(new URL('../../../../widget/dist', import.meta.url));
const FILES = ['medchat-widget.js', 'medchat-widget.iife.js'] as const;

/**
 * Serves the built widget at a stable URL, `/widget/medchat-widget.js` (module) and
 * `/widget/medchat-widget.iife.js` (classic script), to any site: it is public code, cached for an hour.
 */
export const widgetAssets = () =>
  new Elysia({ name: 'widget-assets' }).get('/widget/:file', ({ params, set }) => {
    const file = FILES.find((f) => f === params.file);
    const path = file && `${WIDGET_DIST}/${file}`;
    if (!path || !existsSync(path)) {
      set.status = 404;
      return { error: { code: 'not_found', message: 'Not found.' } };
    }
    set.headers['content-type'] = 'text/javascript; charset=utf-8';
    set.headers['cache-control'] = 'public, max-age=3600';
    set.headers['access-control-allow-origin'] = '*';
    return Bun.file(path);
  });

/** Builds the widget with rollup when its files are missing (first run of the demo or of the browser tests). */
export async function ensureWidgetBuilt(): Promise<void> {
  if (FILES.every((f) => existsSync(`${WIDGET_DIST}/${f}`))) return;
  const proc = Bun.spawn([process.execPath, 'run', 'build'], { cwd: fileURLToPath(new URL('../../../../widget', import.meta.url)), stdout: 'inherit', stderr: 'inherit' });
  if ((await proc.exited) !== 0) throw new Error('building the widget failed');
}
