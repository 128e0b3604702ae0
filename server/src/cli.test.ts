import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../tests/helpers/database';
import { until } from '../../tests/helpers/until';

const CLI = join(import.meta.dir, 'cli.ts');
const COMMANDS = ['migrate', 'seed-demo', 'create-clinic'];

/** Runs the CLI as an operator would (from another folder), with only these variables set. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([process.execPath, CLI, ...args], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const timer = setTimeout(() => proc.kill(), 60_000);
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('usage', () => {
  for (const args of [['--help'], ['help'], ['-h']]) {
    test(`${args[0]}: exit 0, every command with its usage on stdout`, async () => {
      const { code, stdout, stderr } = await cli(args);
      expect(code).toBe(0);
      expect(stdout).toStartWith('usage: bun run server/src/cli.ts <command>');
      for (const command of COMMANDS) expect(stdout).toContain(`\n  ${command} `);
      expect(stdout).toContain('--site-key KEY --admin-email EMAIL');
      expect(stdout).toContain('MEDCHAT_DATA_DIR (default: .data/medchat');
      expect(stderr).toBe('');
    });
  }

  test('an unknown command or none: exit 2, the usage on stderr, nothing on stdout', async () => {
    for (const args of [['frobnicate'], []]) {
      const { code, stdout, stderr } = await cli(args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(args[0] ? 'unknown command: frobnicate' : 'no command given');
      expect(stderr).toContain('usage: bun run server/src/cli.ts <command>');
    }
  });

  test('create-clinic with options missing, an unknown option or no password: exit 2 and what is wrong, before any database is opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medchat-cli-'));
    try {
      const env = { MEDCHAT_DATA_DIR: join(dir, 'db'), MEDCHAT_ADMIN_PASSWORD: 'long enough password' };
      const full = ['create-clinic', '--name', 'Riverside', '--site-key', 'riverside', '--admin-email', 'a@riverside.example'];
      const missing = await cli(['create-clinic', '--name', 'Riverside'], env);
      expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([2, 'create-clinic needs --site-key, --admin-email']);
      const unknown = await cli([...full, '--colour', 'red'], env);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("Unknown option '--colour'");
      const noPassword = await cli(full, { MEDCHAT_DATA_DIR: env.MEDCHAT_DATA_DIR });
      expect([noPassword.code, noPassword.stderr.split('\n')[0]]).toEqual([2, 'create-clinic needs MEDCHAT_ADMIN_PASSWORD set, 10 characters or more']);
      expect(await Bun.file(join(dir, 'db', 'PG_VERSION')).exists()).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('create-clinic, then the server', () => {
  let database: TestDatabase;
  let dir: string;
  /** The database the CLI and the server share: the test's Postgres database, or an embedded one in a folder. */
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'medchat-cli-'));
    env = database.url ? { DATABASE_URL: database.url } : { MEDCHAT_DATA_DIR: join(dir, 'db') };
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('prints the new clinic’s id and site key, which the server then serves; a taken site key is refused with exit 1', async () => {
    const args = ['create-clinic', '--name', 'Riverside', '--site-key', 'riverside', '--admin-email', 'admin@riverside.example'];
    const created = await cli([...args, '--origin', 'https://riverside.example'], { ...env, MEDCHAT_ADMIN_PASSWORD: 'correct horse battery' });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const id = /^clinic id: ([0-9a-f-]{36})$/m.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toMatch(/^site key: riverside$/m);

    const again = await cli(args, { ...env, MEDCHAT_ADMIN_PASSWORD: 'correct horse battery' });
    expect([again.code, again.stderr.trim()]).toEqual([1, 'site key riverside is taken']);

    // The production entry, on the same variables, reads the clinic the CLI wrote.
    const server = Bun.spawn([process.execPath, join(import.meta.dir, 'index.ts')], {
      env: { PATH: process.env.PATH ?? '', ...env, PORT: '0', LOG_LEVEL: 'info' },
      stdout: 'pipe',
      stderr: 'inherit',
    });
    try {
      let output = '';
      const reader = server.stdout.getReader();
      void (async () => {
        for (let r = await reader.read(); !r.done; r = await reader.read()) output += new TextDecoder().decode(r.value);
      })();
      await until(() => /"event":"server.listening".*"port":(\d+)/.test(output), 'the server to listen', 60_000);
      const port = /"event":"server.listening".*"port":(\d+)/.exec(output)![1];
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/clinics/riverside`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id, name: 'Riverside' });
      const staff = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@riverside.example', password: 'correct horse battery' }),
      });
      expect(staff.status).toBe(200);
      expect((await staff.json()).user).toMatchObject({ clinicId: id, role: 'admin' });
    } finally {
      server.kill('SIGTERM');
      await server.exited;
    }
  }, 120_000);
});
