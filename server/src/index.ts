/** Production entry: `bun run server/src/index.ts` with DATABASE_URL (or MEDCHAT_DATA_DIR for the embedded database). */
import { loadConfig } from './config';
import { startServer } from './server';

const server = await startServer(loadConfig());
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    server.ctx.logger.info('server.stopping', { signal });
    await server.stop();
    process.exit(0);
  });
}
