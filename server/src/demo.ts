/**
 * The one-command demo: the service on the embedded database (kept in .data/demo), the demo clinic seeded,
 * then the URLs and demo logins printed. Never used in production: it prints passwords.
 * `startDemo()` is the same composition without the printing, for tests that need what `npm start` serves.
 */
import { loadConfigOrExit, type Config } from './config';
import { DEMO_PASSWORD, DEMO_STAFF, seedDemo, seedDemoExtras } from './db/seed';
import { startServer, type RunningServer } from './server';
import { demoSite } from './demo-site';
import { ensureWidgetBuilt } from './modules/assets';

export interface DemoServer extends RunningServer {
  /** Where the clinic page says the chat server is; allowed by the demo clinic, with its 127.0.0.1 twin. */
  origin: string;
}

/** The server plus the demo pages, listening (port 0 picks a free one), with the demo clinic seeded. */
export async function startDemo(config: Config): Promise<DemoServer> {
  await ensureWidgetBuilt();
  let origin = `http://localhost:${config.port}`;
  const site = await demoSite(() => origin);
  const server = await startServer(config, (app) => app.use(site));
  const defaultPublicUrl = `http://localhost:${config.port}`;
  origin = `http://localhost:${server.port}`;
  // The socket's same-origin check reads the public URL; with port 0 its default is only known now.
  if (config.publicUrl === defaultPublicUrl) config.publicUrl = origin;
  const clinic = await seedDemo(server.ctx.db, { allowedOrigins: [origin, `http://127.0.0.1:${server.port}`] });
  await seedDemoExtras(server.ctx.db, clinic.id);
  return { ...server, origin };
}

if (import.meta.main) {
  const config = loadConfigOrExit({ LOG_LEVEL: 'warn', MEDCHAT_DATA_DIR: '.data/demo', ...process.env });
  const server = await startDemo(config);
  const { origin } = server;

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
      await server.drain();
      process.exit(0);
    });
  }
}
