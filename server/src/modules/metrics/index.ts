import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorPlugin } from '../../lib/error-plugin';
import { AppError } from '../../lib/errors';
import { bearer } from '../../lib/http';
import { isMetricsScraper, scrapeSources } from './service';

export const METRICS_PATH = '/metrics';

/**
 * `GET /metrics`, Prometheus's text format (docs/operations/metrics.md). Never public by default: where `served` is
 * false (the main port, when METRICS_PORT gives metrics a listener of their own, or when neither it nor
 * METRICS_TOKEN is set) it answers 404 like any unknown path; where served, a METRICS_TOKEN, when set, must come as
 * `Authorization: Bearer …` (401 otherwise). Reads no PHI: counts, and clinics' site keys.
 */
export const metricsModule = (ctx: AppContext, { served }: { served: boolean }) =>
  new Elysia({ tags: ['operations'] }).get(
    METRICS_PATH,
    async ({ request, set }) => {
      if (!served) throw new AppError('not_found');
      if (!isMetricsScraper(ctx.config.metricsToken, bearer(request))) throw new AppError('unauthorized');
      set.headers['content-type'] = ctx.metrics.contentType;
      set.headers['cache-control'] = 'no-store';
      return ctx.metrics.render(scrapeSources(ctx));
    },
    {
      response: { 200: t.String({ description: 'Prometheus text exposition format 0.0.4' }) },
      detail: {
        // For the operator's Prometheus, not an integrator: described in docs/operations/, not in the API document.
        hide: true,
        summary: 'Prometheus metrics of this instance',
        description:
          'Served only when METRICS_TOKEN (sent as a bearer token) or METRICS_PORT (a listener of its own) is set; otherwise 404. Counts only: no ids, names or text.',
      },
    },
  );

/** Whether the main port serves /metrics: only with a token, and only when metrics have no port of their own. */
export const metricsOnMainPort = (config: AppContext['config']) => Boolean(config.metricsToken) && config.metricsPort === undefined;

/**
 * METRICS_PORT: a listener of its own on METRICS_HOST (127.0.0.1 unless set) that serves `/metrics` only, for a
 * monitoring network the public never reaches; null without METRICS_PORT.
 */
export function listenForMetrics(ctx: AppContext) {
  if (ctx.config.metricsPort === undefined) return null;
  const app = new Elysia({ name: 'metrics-listener' }).use(errorPlugin(ctx.logger)).use(metricsModule(ctx, { served: true }));
  app.listen({ port: ctx.config.metricsPort, hostname: ctx.config.metricsHost });
  return { port: app.server!.port!, stop: () => app.stop(true) };
}
