/**
 * The one-command demo: the service on the embedded database (kept in .data/demo), the demo clinic seeded,
 * then the URLs and demo logins printed. Never used in production: it prints passwords.
 */
import { loadConfig } from './config';
import { DEMO_PASSWORD, DEMO_STAFF, seedDemo } from './db/seed';
import { startServer } from './server';
import { demoSite } from './demo-site';
import { ensureWidgetBuilt } from './modules/assets';

const config = loadConfig({ LOG_LEVEL: 'warn', MEDCHAT_DATA_DIR: '.data/demo', ...process.env });
const origin = `http://localhost:${config.port}`;
await ensureWidgetBuilt();
const site = await demoSite(origin);
const server = await startServer(config, (app) => app.use(site));
await seedDemo(server.ctx.db, { allowedOrigins: [origin, `http://127.0.0.1:${config.port}`] });

console.log(`
  MedChat demo is running (embedded database in ${config.dataDir ?? 'memory'})

  Clinic page    ${origin}/            (a patient: open the chat bubble)
  Staff console  ${origin}/console/    (open it twice, with two staff logins)
  API            ${origin}/api/v1      (OpenAPI: ${origin}/openapi)
  Health         ${origin}/readyz

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
