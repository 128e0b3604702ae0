/**
 * The one-command demo: the service on the embedded database (kept in .data/demo), the demo clinic seeded,
 * then the URLs and demo logins printed. Never used in production: it prints passwords.
 */
import { loadConfig } from './config';
import { DEMO_PASSWORD, DEMO_STAFF, seedDemo } from './db/seed';
import { startServer } from './server';

const config = loadConfig({ LOG_LEVEL: 'warn', MEDCHAT_DATA_DIR: '.data/demo', ...process.env });
const origin = `http://localhost:${config.port}`;
const server = await startServer(config);
await seedDemo(server.ctx.db, { allowedOrigins: [origin, `http://127.0.0.1:${config.port}`] });

console.log(`
  MedChat demo is running (embedded database in ${config.dataDir ?? 'memory'})

  API            ${server.url}/api/v1   (OpenAPI: ${server.url}/openapi)
  Health         ${server.url}/readyz

  Demo staff logins (password: ${DEMO_PASSWORD})
${DEMO_STAFF.map((s) => `    ${s.role.padEnd(9)} ${s.email.padEnd(26)} ${s.displayName}`).join('\n')}

  Press Ctrl+C to stop.
`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}
