import { Elysia, t } from 'elysia';
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context';

const Readiness = t.Object({
  /** `draining`: the instance got SIGTERM and will stop soon; it still answers, but takes no new clients. */
  status: t.Union([t.Literal('ready'), t.Literal('unavailable'), t.Literal('draining')]),
  database: t.Union([t.Literal('up'), t.Literal('down')]),
  bus: t.Union([t.Literal('listening'), t.Literal('not_listening')]),
});

/** Whether the database answers `select 1` within 2 s. */
async function databaseAnswers(ctx: AppContext) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([ctx.db.execute(sql`select 1`), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 2000)))]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process answers (liveness). `/readyz`: it can serve (readiness, for the load balancer): the database
 * answers and the bus hears other instances; 503 when either is not so, naming which, and 503 `draining` from
 * SIGTERM on (the drain delay), so the load balancer takes the instance out before its port closes.
 */
export const healthModule = (ctx: AppContext) =>
  new Elysia({ tags: ['health'] })
    .get('/healthz', () => ({ status: 'ok' as const }), {
      response: { 200: t.Object({ status: t.Literal('ok') }) },
      detail: { summary: 'Liveness: the process answers', responses: {} },
    })
    .get(
      '/readyz',
      async ({ set }) => {
        const database = (await databaseAnswers(ctx)) ? 'up' : 'down';
        const bus = ctx.bus.isListening ? 'listening' : 'not_listening';
        const ready = database === 'up' && bus === 'listening';
        if (!ready || ctx.lifecycle.draining) set.status = 503;
        return { status: ctx.lifecycle.draining ? 'draining' : ready ? 'ready' : 'unavailable', database, bus } as const;
      },
      {
        response: { 200: Readiness, 503: Readiness },
        detail: {
          summary: 'Readiness: the database answers within 2 s and the bus is listening; 503 otherwise, naming which, or while draining',
          responses: {},
        },
      },
    );
