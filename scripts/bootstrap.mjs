#!/usr/bin/env node
// Sets up what MedChat needs on a fresh machine with only Node.js 20+ and npm, then runs a task:
//   node scripts/bootstrap.mjs demo    install, then start the demo (embedded database, seeded clinic)
//   node scripts/bootstrap.mjs test    install, then run every test on the embedded database and on Postgres
//   node scripts/bootstrap.mjs bench   install, then run the benchmarks
// Bun is installed from npm into .tools/ (pinned); packages from bun.lock; Chromium from the system.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUN_VERSION = '1.4.5';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, '.tools');
const bun = join(tools, 'node_modules', '.bin', process.platform === 'win32' ? 'bun.exe' : 'bun');
// Tests and the bench spawn `bun` by name: put the pinned one first on PATH for every child process.
process.env.PATH = `${join(tools, 'node_modules', '.bin')}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH ?? ''}`;
const log = (msg) => console.log(`\x1b[36m[medchat]\x1b[0m ${msg}`);

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
}

function ensureBun() {
  if (existsSync(bun)) {
    try {
      if (execFileSync(bun, ['--version'], { encoding: 'utf8' }).trim() === BUN_VERSION) return;
    } catch {}
  }
  log(`installing Bun ${BUN_VERSION} from npm into .tools/`);
  mkdirSync(tools, { recursive: true });
  writeFileSync(join(tools, 'package.json'), '{"private":true}\n');
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `bun@${BUN_VERSION}`], { cwd: tools });
}

function ensurePackages() {
  log('installing packages (bun install --frozen-lockfile)');
  run(bun, ['install', '--frozen-lockfile']);
}

/** Chromium for the browser tests: CHROMIUM_PATH wins; else the system's; else apt-get when we may. */
function ensureChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    log('installing Chromium for the browser tests (apt-get install chromium)');
    try {
      run('apt-get', ['update', '-qq']);
      run('apt-get', ['install', '-y', '-qq', 'chromium'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
    } catch {
      log('could not install Chromium');
    }
  }
  return undefined;
}

function reachable(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Runs `bun test`, echoing its output, and returns its pass/fail counts. */
function bunTest(args, env) {
  return new Promise((resolve) => {
    const child = spawn(bun, ['test', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const echo = (stream, chunk) => {
      stream.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', (c) => echo(process.stdout, c));
    child.stderr.on('data', (c) => echo(process.stderr, c));
    child.on('close', (code) => {
      const passed = Number(/(\d+) pass/.exec(tail)?.[1] ?? 0);
      const failed = Number(/(\d+) fail/.exec(tail)?.[1] ?? 0);
      resolve({ passed, failed: failed || (code !== 0 ? Math.max(1, failed) : 0) });
    });
  });
}

async function test(extra) {
  const chromium = ensureChromium();
  const env = { CI: process.env.CI ?? '', ...(chromium ? { CHROMIUM_PATH: chromium } : {}) };
  const runs = [{ name: 'embedded database (PGlite)', env: { ...env, TEST_DATABASE_URL: '' }, args: extra }];
  let pgUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!pgUrl && (await reachable('127.0.0.1', 5432))) pgUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (pgUrl) runs.push({ name: `PostgreSQL (${new URL(pgUrl).host})`, env: { ...env, TEST_DATABASE_URL: pgUrl, MEDCHAT_SKIP_BROWSER: '1' }, args: extra });
  else log('no PostgreSQL found (set TEST_DATABASE_URL=postgres://…): the Postgres-only tests run on the embedded database pass only');
  let passed = 0;
  let failed = 0;
  for (const r of runs) {
    log(`running the tests on the ${r.name}`);
    const result = await bunTest(r.args, r.env);
    log(`${r.name}: ${result.passed} passed, ${result.failed} failed`);
    passed += result.passed;
    failed += result.failed;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

const [task = 'demo', ...rest] = process.argv.slice(2);
ensureBun();
ensurePackages();
if (task === 'test') await test(rest);
else if (task === 'demo' || task === 'bench') {
  const child = spawn(bun, ['run', task === 'demo' ? 'server/src/demo.ts' : 'bench/run.ts', ...rest], { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('close', (code) => process.exit(code ?? 0));
} else {
  console.error(`unknown task ${task}: use demo, test or bench`);
  process.exit(2);
}
