/** Production entry: `bun run server/src/index.ts` with DATABASE_URL (or the embedded database in MEDCHAT_DATA_DIR, by default .data/medchat: config.ts). */
import { loadConfigOrExit } from './config';
import { startServer } from './server';

const server = await startServer(loadConfigOrExit());
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    server.ctx.logger.info('server.stopping', { signal });
    await server.drain();
    process.exit(0);
  });
}
