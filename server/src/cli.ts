/**
 * Administration commands (`bun run server/src/cli.ts --help` lists them). They open the database the server
 * opens: DATABASE_URL, or without it the embedded one in MEDCHAT_DATA_DIR (config.ts, DEFAULT_DATA_DIR). Exit codes:
 * 0 done, 1 the command failed, 2 a usage error (unknown command, missing option). Tests: cli.test.ts.
 */
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from './config';
import { migrateDatabase, openDatabase } from './db/client';
import { seedDemo } from './db/seed';
import { createClinic } from './modules/clinics/service';

const USAGE = `usage: bun run server/src/cli.ts <command> [options]

commands:
  migrate         apply the database migrations (the server also applies them at start-up)
  seed-demo       create the demo clinic (site key demo) with its staff
  create-clinic   --name NAME --site-key KEY --admin-email EMAIL [--admin-name NAME] [--origin URL]...
                  create a clinic and its first admin, and print the clinic's id and site key;
                  the admin's password is read from MEDCHAT_ADMIN_PASSWORD (10+ characters), never from the command line
  help            print this (also --help, -h)

database: DATABASE_URL, or without it the embedded database in MEDCHAT_DATA_DIR (default: .data/medchat in the
project folder, the one the server opens; the demo's is .data/demo). Stop a server on the embedded database first:
it is one process's at a time.`;

const COMMANDS = ['migrate', 'seed-demo', 'create-clinic'] as const;

/** A mistake in how the command was called: exit code 2, the usage on stderr. */
class UsageError extends Error {}

const CLINIC_OPTIONS = {
  name: { type: 'string' },
  'site-key': { type: 'string' },
  'admin-email': { type: 'string' },
  'admin-name': { type: 'string' },
  origin: { type: 'string', multiple: true },
} as const;

function clinicOptions(args: string[]) {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof CLINIC_OPTIONS }>>['values'];
  try {
    values = parseArgs({ args, options: CLINIC_OPTIONS }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const missing = (['name', 'site-key', 'admin-email'] as const).filter((key) => !values[key]).map((key) => `--${key}`);
  if (missing.length > 0) throw new UsageError(`create-clinic needs ${missing.join(', ')}`);
  const password = process.env.MEDCHAT_ADMIN_PASSWORD ?? '';
  if (password.length < 10) throw new UsageError('create-clinic needs MEDCHAT_ADMIN_PASSWORD set, 10 characters or more');
  return {
    name: values.name!,
    siteKey: values['site-key']!,
    adminEmail: values['admin-email']!,
    adminName: values['admin-name'],
    adminPassword: password,
    allowedOrigins: values.origin,
  };
}

async function run(command: string | undefined, rest: string[]): Promise<number> {
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (!COMMANDS.includes(command as never)) throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  // Arguments are checked before the database is opened: a typo changes nothing.
  const input = command === 'create-clinic' ? clinicOptions(rest) : null;
  const config = loadConfigOrExit();
  const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateDatabase(database);
    if (command === 'migrate') console.log('migrations applied');
    else if (command === 'seed-demo') console.log(`demo clinic ready: site key ${(await seedDemo(database.db)).siteKey}`);
    else if (input) {
      const { clinic } = await createClinic(database.db, input);
      console.log(`clinic "${clinic.name}" created; its admin can sign in now\nclinic id: ${clinic.id}\nsite key: ${clinic.siteKey}`);
    }
    return 0;
  } catch (error) {
    const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
    // A unique violation here is the site key (or the admin's email at that clinic, which is new): say so, not the SQL.
    console.error(code === '23505' ? `site key ${input?.siteKey} is taken` : (error as Error).message);
    return 1;
  } finally {
    await database.close();
  }
}

try {
  const [command, ...rest] = process.argv.slice(2);
  process.exitCode = await run(command, rest);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n\n${USAGE}`);
  process.exitCode = 2;
}
