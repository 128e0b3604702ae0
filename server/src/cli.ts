/**
 * Administration commands:
 *   bun run server/src/cli.ts migrate
 *   bun run server/src/cli.ts seed-demo
 *   bun run server/src/cli.ts create-clinic --name "…" --site-key … --admin-email … [--origin https://…]
 *     (the admin password is read from MEDCHAT_ADMIN_PASSWORD, never from the command line)
 */
import { parseArgs } from 'node:util';
import { loadConfig } from './config';
import { migrateDatabase, openDatabase } from './db/client';
import { seedDemo } from './db/seed';
import { createClinic } from './modules/clinics/service';

const [command, ...rest] = process.argv.slice(2);
const config = loadConfig();
const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir ?? (config.databaseUrl ? undefined : '.data/medchat') });

try {
  await migrateDatabase(database);
  if (command === 'migrate') {
    console.log('migrations applied');
  } else if (command === 'seed-demo') {
    const clinic = await seedDemo(database.db);
    console.log(`demo clinic ready: site key ${clinic.siteKey}`);
  } else if (command === 'create-clinic') {
    const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, 'site-key': { type: 'string' }, 'admin-email': { type: 'string' }, 'admin-name': { type: 'string' }, origin: { type: 'string', multiple: true } } });
    const password = process.env.MEDCHAT_ADMIN_PASSWORD;
    if (!values.name || !values['site-key'] || !values['admin-email'] || !password || password.length < 10) {
      throw new Error('usage: create-clinic --name NAME --site-key KEY --admin-email EMAIL [--origin URL]… with MEDCHAT_ADMIN_PASSWORD (10+ characters) set');
    }
    const { clinic } = await createClinic(database.db, { name: values.name, siteKey: values['site-key'], adminEmail: values['admin-email'], adminName: values['admin-name'], adminPassword: password, allowedOrigins: values.origin });
    console.log(`clinic "${clinic.name}" created with site key ${clinic.siteKey}; the admin can log in now`);
  } else {
    throw new Error('commands: migrate | seed-demo | create-clinic');
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await database.close();
}
