import type { Config } from './config';
import type { AppContext } from './context';
import { createApp } from './app';
import { closeContext, createContext } from './runtime';
import { CLOSE_CODES } from '@medchat/sdk/protocol';
import type { Hub } from './modules/realtime/hub';
import { startMatcher } from './modules/assignments/matcher';
import { startSweeper } from './modules/realtime/presence';
import { purgeExpiredSessions } from './modules/retention/service';
import { startAttachmentCleanup } from './modules/attachments/cleanup';
import { startWebhookDispatcher } from './modules/webhooks/dispatcher';
import { startEmailDispatcher } from './modules/emails/dispatcher';
import { createMailer } from './modules/emails/mailer';
import { errorKind } from './lib/logger';
import { listenForMetrics } from './modules/metrics';

export interface RunningServer {
  ctx: AppContext;
  /** This instance's sockets (tests run the sweeper by hand against it). */
  hub: Hub;
  url: string;
  port: number;
  /** The port of the metrics listener (METRICS_PORT), if any. */
  metricsPort?: number;
  stop(): Promise<void>;
  /**
   * What SIGTERM does: `/readyz` answers 503 `draining` at once, the instance keeps serving for DRAIN_DELAY_SECONDS
   * (so the load balancer stops sending it clients), then `stop()`. Logs `server.draining` and `server.stopped`.
   */
  drain(): Promise<void>;
}

/** Boots one instance: database, bus, HTTP + WebSocket API on a port. `stop()` shuts it down gracefully. */
export async function startServer(config: Config, extend?: (app: ReturnType<typeof createApp>) => unknown): Promise<RunningServer> {
  const ctx = await createContext(config);
  const app = createApp(ctx);
  extend?.(app);
  // No runtime limit on bodies: its refusal was a bare 413 without the error envelope. The app reads at most
  // MAX_BODY_BYTES of any body and refuses the rest with the envelope (lib/body.ts).
  app.listen({ port: config.port, hostname: config.host, maxRequestBodySize: Number.MAX_SAFE_INTEGER, websocket: app.realtime.websocket });
  const port = app.server!.port!;
  const stopSweeper = startSweeper(ctx, app.hub, config.sweepIntervalMs);
  const stopMatcher = startMatcher(ctx);
  const metrics = listenForMetrics(ctx);
  const stopWebhooks = startWebhookDispatcher(ctx, config.sweepIntervalMs);
  const stopEmails = startEmailDispatcher(ctx, createMailer(config), config.sweepIntervalMs);
  const retention = setInterval(() => purgeExpiredSessions(ctx).catch((error) => ctx.logger.warn('retention.failed', errorKind(error))), 60 * 60 * 1000);
  const stopAttachmentCleanup = startAttachmentCleanup(ctx);
  ctx.logger.info('server.listening', { port, database: ctx.database.kind });
  let stopping: Promise<void> | null = null;
  let draining: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    // docs/requirements.md#operations: stop accepting, tell clients to reconnect elsewhere, let in-flight work finish, then exit.
    stopping ??= (async () => {
      stopSweeper();
      stopMatcher();
      stopWebhooks();
      stopEmails();
      clearInterval(retention);
      await stopAttachmentCleanup();
      await metrics?.stop();
      const stopped = app.stop(false);
      app.hub.closeAll(CLOSE_CODES.goingAway, 'server shutting down');
      await app.realtime.drained();
      await app.hub.idle();
      app.hub.stop();
      await stopped;
      await closeContext(ctx);
    })();
    return stopping;
  };
  return {
    ctx,
    hub: app.hub,
    port,
    metricsPort: metrics?.port,
    url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`,
    drain() {
      draining ??= (async () => {
        const delaySeconds = config.drainDelaySeconds;
        ctx.lifecycle.draining = true;
        ctx.metrics.draining.set(1);
        ctx.logger.info('server.draining', { delaySeconds, sockets: app.hub.conns.size });
        if (delaySeconds > 0) await Bun.sleep(delaySeconds * 1000);
        const began = performance.now();
        const sockets = app.hub.conns.size;
        await stop();
        // After the pool closed: the logger writes to stdout, not to the database.
        ctx.logger.info('server.stopped', { sockets, drainMs: Math.round(performance.now() - began) });
      })();
      return draining;
    },
    stop,
  };
}
