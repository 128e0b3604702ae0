import type { Config } from './config';
import type { AppContext } from './context';
import { createApp } from './app';
import { closeContext, createContext } from './runtime';
import { CLOSE_CODES } from '@medchat/sdk/protocol';
import type { Hub } from './modules/realtime/hub';
import { startMatcher } from './modules/assignments/matcher';
import { startSweeper } from './modules/realtime/presence';
import { MAX_BODY_BYTES } from './lib/error-plugin';
import { purgeExpiredSessions } from './modules/retention/service';
import { errorKind } from './lib/logger';

export interface RunningServer {
  ctx: AppContext;
  /** This instance's sockets (tests run the sweeper by hand against it). */
  hub: Hub;
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Boots one instance: database, bus, HTTP + WebSocket API on a port. `stop()` shuts it down gracefully. */
export async function startServer(config: Config, extend?: (app: ReturnType<typeof createApp>) => unknown): Promise<RunningServer> {
  const ctx = await createContext(config);
  const app = createApp(ctx);
  extend?.(app);
  app.listen({ port: config.port, hostname: config.host, maxRequestBodySize: MAX_BODY_BYTES * 4, websocket: app.realtime.websocket });
  const port = app.server!.port!;
  const stopSweeper = startSweeper(ctx, app.hub, config.sweepIntervalMs);
  const stopMatcher = startMatcher(ctx);
  const retention = setInterval(() => purgeExpiredSessions(ctx.db).catch((error) => ctx.logger.warn('retention.failed', errorKind(error))), 60 * 60 * 1000);
  ctx.logger.info('server.listening', { port, database: ctx.database.kind, instanceId: ctx.instanceId });
  let stopping: Promise<void> | null = null;
  return {
    ctx,
    hub: app.hub,
    port,
    url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`,
    stop() {
      // RELIABILITY O5: stop accepting, tell clients to reconnect elsewhere, let in-flight work finish, then exit.
      stopping ??= (async () => {
        stopSweeper();
        stopMatcher();
        clearInterval(retention);
        const stopped = app.stop(false);
        app.hub.closeAll(CLOSE_CODES.goingAway, 'server shutting down');
        await app.realtime.drained();
        await app.hub.idle();
        app.hub.stop();
        await stopped;
        await closeContext(ctx);
      })();
      return stopping;
    },
  };
}
