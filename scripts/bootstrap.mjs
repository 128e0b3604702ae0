#!/usr/bin/env node
// Sets up what MedChat needs on a fresh machine with only Node.js 20+ and npm, then runs a task:
//   node scripts/bootstrap.mjs demo    install, then start the demo (embedded database, seeded clinic)
//   node scripts/bootstrap.mjs test    install, then run the checks (types, lint, format, dependency rules, widget build,
//                                      size budgets) and every test on the embedded database and on Postgres
//   node scripts/bootstrap.mjs check   install, then run the checks alone
//   node scripts/bootstrap.mjs bench   install, then run the benchmarks
// Bun is installed from npm into .tools/ (pinned); packages from bun.lock; Chromium and promtool from the system.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * promtool, Prometheus's rule checker, for tests/operations/alerts.test.ts: PROMTOOL_PATH wins; else the system's; else
 * apt-get (Debian's `prometheus` package) when we may. Without it those checks are skipped, and the test says so.
 */
function ensurePromtool() {
  const found = [process.env.PROMTOOL_PATH, '/usr/bin/promtool', '/usr/local/bin/promtool'].filter(Boolean).find((p) => existsSync(p));
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    log('installing promtool for the alert rule checks (apt-get install prometheus)');
    try {
      run('apt-get', ['update', '-qq']);
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (existsSync('/usr/bin/promtool')) return '/usr/bin/promtool';
    } catch {
      log('could not install promtool');
    }
  }
  log('promtool not found: the alert rule checks (tests/operations/alerts.test.ts) are skipped');
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

/** Runs a command, its output shown only when it fails (or always with MEDCHAT_VERBOSE=1); resolves to its exit code. */
function check(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const keep = (chunk) => (process.env.MEDCHAT_VERBOSE ? process.stdout.write(chunk) : out.push(chunk));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => out.push(Buffer.from(String(error))));
    child.on('close', (code) => {
      if (code !== 0) process.stdout.write(Buffer.concat(out));
      resolve(code ?? 1);
    });
  });
}

/**
 * What `npm test` checks besides the tests, each counted as one test: the promises of README.md, ARCHITECTURE.md
 * and the packages' READMEs that no test file can see. Each also runs alone: `npm run typecheck`, `lint`,
 * `format:check`, `deps`, `node scripts/check-tests.mjs`,
 * `bun run --cwd widget build`, `bun run scripts/size.ts`.
 */
function checks() {
  const node = process.execPath;
  const bin = (path) => join(root, 'node_modules', path);
  return [
    ['types: tsc --noEmit over server, sdk, widget, examples, tests, bench and scripts', node, [bin('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']],
    ['lint: biome lint (rules in biome.json)', node, [bin('@biomejs/biome/bin/biome'), 'lint', '.']],
    ['format: biome format (npm run format fixes it)', node, [bin('@biomejs/biome/bin/biome'), 'format', '--reporter=summary', '.']],
    // dependency-cruiser needs Node 22+; Bun runs it on any machine this script runs on.
    [
      'dependency rules: dependency-cruiser (.dependency-cruiser.cjs)',
      bun,
      [bin('dependency-cruiser/bin/dependency-cruiser.mjs'), '--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...DEPENDENCY_ROOTS],
    ],
    ['citations: comments cite docs/requirements.md or tests, not outside documents', node, [join(root, 'scripts/check-citations.mjs')]],
    ['tests that cannot fail: no empty test bodies, none that call nothing, no expect() of constants', node, [join(root, 'scripts/check-tests.mjs')]],
    ['widget build: rollup, fails on a type error', bun, ['run', '--cwd', 'widget', 'build']],
    [
      'size budgets on fresh builds: SDK ≤ 6 KB (its admin, notes, records and attachments entries ≤ 2 KB each), widget loader ≤ 5 KB, widget conversation ≤ 25 KB and each of its on-demand chunks ≤ 5 KB min+gzip',
      bun,
      ['run', 'scripts/size.ts'],
    ],
  ];
}
/** The folders dependency-cruiser reads (its rules: .dependency-cruiser.cjs). */
const DEPENDENCY_ROOTS = ['server/src', 'sdk', 'widget', 'examples', 'tests', 'bench', 'scripts'];

/** Totals of a JUnit report written by `bun test --reporter=junit`; null when there is none. */
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeXml = (text) =>
  text.replace(/&(#\d+|#x[\da-f]+|\w+);/gi, (whole, e) =>
    e[0] === '#' ? String.fromCodePoint(Number(e[1].toLowerCase() === 'x' ? `0${e.slice(1)}` : e.slice(1))) : (ENTITIES[e] ?? whole),
  );

/**
 * Why a JUnit test case failed, in a few indented lines: its error and where it was thrown. The summary at the end
 * of a long run is often all that is kept of it, so it says why as well as what.
 */
function failureSummary(body) {
  const text = unescapeXml(/<(?:failure|error)\b[^>]*>([\s\S]*?)<\/(?:failure|error)>/.exec(body)?.[1] ?? /\bmessage="([^"]*)"/.exec(body)?.[1] ?? '');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const at = lines.filter((l) => l.startsWith('at ') && !l.includes('node_modules')).slice(0, 2);
  const said = lines
    .filter((l) => !l.startsWith('at '))
    .slice(0, 4)
    .map((l) => (l.length > 200 ? `${l.slice(0, 200)}…` : l));
  return [...said, ...at].map((l) => `\n      ${l}`).join('');
}

function junitTotals(file) {
  if (!existsSync(file)) return null;
  const xml = readFileSync(file, 'utf8');
  const root = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? '';
  const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(root)?.[1] ?? 0);
  const failures = [];
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    if (!/<(failure|error)\b/.test(m[2] ?? '')) continue;
    const get = (name) => new RegExp(`\\b${name}="([^"]*)"`).exec(m[1])?.[1] ?? '';
    failures.push(`${get('file')}: ${[get('classname'), get('name')].filter(Boolean).join(' > ')}${failureSummary(m[2])}`);
  }
  const tests = attr('tests');
  const failed = attr('failures') + attr('errors');
  const skipped = attr('skipped');
  return { passed: tests - failed - skipped, failed, skipped, failures };
}

/**
 * Runs `bun test` with its usual output on the terminal, and takes the totals from its JUnit report. An error
 * outside any test (a file that fails to load, an unhandled rejection) is in no report: a non-zero exit with no
 * failed test counts as one failure.
 */
function bunTest(name, args, env) {
  const report = join(root, 'test-results', `junit-${name}.xml`);
  mkdirSync(dirname(report), { recursive: true });
  rmSync(report, { force: true });
  return new Promise((resolve) => {
    const child = spawn(bun, ['test', '--reporter=junit', `--reporter-outfile=${report}`, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: 'inherit',
    });
    child.on('close', (code) => {
      const totals = junitTotals(report) ?? { passed: 0, failed: 0, skipped: 0, failures: [] };
      if (code !== 0 && totals.failed === 0) {
        totals.failed = 1;
        totals.failures.push(`bun test exited with ${code} outside any test (see its output above)`);
      }
      resolve(totals);
    });
  });
}

/** Runs every check; resolves to the names of those that failed. */
async function runChecks() {
  const failures = [];
  for (const [name, cmd, args] of checks()) {
    log(`check: ${name}`);
    const started = Date.now();
    const code = await check(cmd, args);
    log(`check: ${name}: ${code === 0 ? 'passed' : 'FAILED'} (${Math.round((Date.now() - started) / 1000)} s)`);
    if (code !== 0) failures.push(`check: ${name}`);
  }
  return { passed: checks().length - failures.length, failures };
}

async function test(extra) {
  const chromium = ensureChromium();
  const promtool = ensurePromtool();
  const env = { CI: process.env.CI ?? '', ...(chromium ? { CHROMIUM_PATH: chromium } : {}), ...(promtool ? { PROMTOOL_PATH: promtool } : {}) };
  let passed = 0;
  let skipped = 0;
  const failures = [];
  // With arguments (`npm test -- tests/e2e`), only those tests run; `npm run check` runs the checks alone.
  if (!extra.length) {
    const result = await runChecks();
    passed += result.passed;
    failures.push(...result.failures);
  }
  let failed = failures.length;
  const runs = [{ name: 'embedded database (PGlite)', id: 'pglite', env: { ...env, TEST_DATABASE_URL: '' } }];
  let pgUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!pgUrl && (await reachable('127.0.0.1', 5432))) pgUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (pgUrl) runs.push({ name: `PostgreSQL (${new URL(pgUrl).host})`, id: 'postgres', env: { ...env, TEST_DATABASE_URL: pgUrl, MEDCHAT_SKIP_BROWSER: '1' } });
  else log('no PostgreSQL found (set TEST_DATABASE_URL=postgres://…): the Postgres-only tests run on the embedded database pass only');
  for (const r of runs) {
    log(`running the tests on the ${r.name}`);
    const result = await bunTest(r.id, extra, r.env);
    log(`${r.name}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped (test-results/junit-${r.id}.xml)`);
    passed += result.passed;
    failed += result.failed;
    skipped += result.skipped;
    failures.push(...result.failures.map((f) => `${r.id}: ${f}`));
  }
  if (failures.length) log(`failed:\n  ${failures.join('\n  ')}`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed > 0 ? 1 : 0);
}

const [task = 'demo', ...rest] = process.argv.slice(2);
ensureBun();
ensurePackages();
if (task === 'test') await test(rest);
else if (task === 'check') {
  const { passed, failures } = await runChecks();
  if (failures.length) log(`failed:\n  ${failures.join('\n  ')}`);
  console.log(`${passed} passed, ${failures.length} failed, 0 skipped`);
  process.exit(failures.length ? 1 : 0);
} else if (task === 'demo' || task === 'bench') {
  const child = spawn(bun, ['run', task === 'demo' ? 'server/src/demo.ts' : 'bench/run.ts', ...rest], { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('close', (code) => process.exit(code ?? 0));
} else {
  console.error(`unknown task ${task}: use demo, test, check or bench`);
  process.exit(2);
}
