/**
 * Packs the SDK the way npm publishes it, installs the tarball into an empty project and checks, under Node 20
 * and Bun, that both the ESM and the CJS builds load and export the public surface; also that the published
 * types resolve for `import` and `require` consumers (TypeScript, node16 resolution). No server needed.
 * Run: `bun run --cwd sdk pack-smoke`. Exits non-zero on the first failure.
 */
import { mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const sdk = new URL('..', import.meta.url).pathname;
const root = join(sdk, '..');
const work = mkdtempSync(join(tmpdir(), 'medchat-sdk-smoke-'));

function run(cmd: string[], cwd: string): string {
  const result = Bun.spawnSync(cmd, { cwd, stdout: 'pipe', stderr: 'pipe' });
  const out = result.stdout.toString() + result.stderr.toString();
  if (result.exitCode !== 0) throw new Error(`\`${cmd.join(' ')}\` failed (${result.exitCode}):\n${out}`);
  return out.trim();
}

const checks = `
  const names = ['MedChat', 'SessionHandle', 'MedChatError', 'ConnectionError', 'TimeoutError', 'AbortError', 'isMedChatError',
    'memoryTokens', 'localStorageTokens', 'CLOSE_CODES', 'FATAL_CLOSE_CODES', 'MAX_MESSAGE_LENGTH'];
  const missing = names.filter((n) => sdk[n] === undefined);
  if (missing.length) throw new Error('missing exports: ' + missing.join(', '));
  const client = new sdk.MedChat({ baseUrl: 'http://localhost:1' });
  if (client.state !== 'idle' || client.auth.user !== null || typeof client.chat !== 'function') throw new Error('client surface');
  if (!sdk.isMedChatError(new sdk.ConnectionError())) throw new Error('error brand');
  if (!('ERRORS' in protocol) || protocol.ERRORS.session_ended.status !== 409 || protocol.Message.type !== 'object') throw new Error('protocol entry');
  const other = await client.sessions.list().catch((e) => e);
  if (!sdk.isMedChatError(other) || other.code !== 'connection_error') throw new Error('no-response error: ' + other);
  // The admin entry: its own file, built on the client's HTTP settings, with the same errors.
  if ('MedChatAdmin' in sdk) throw new Error('the root must not carry the admin entry');
  const settings = await new admin.MedChatAdmin(client).settings.get().catch((e) => e);
  if (!sdk.isMedChatError(settings) || settings.code !== 'connection_error') throw new Error('admin entry: ' + settings);
  // The records entry likewise.
  if ('MedChatRecords' in sdk) throw new Error('the root must not carry the records entry');
  const pdf = await new records.MedChatRecords(client).transcript('id', 'pdf').catch((e) => e);
  if (!sdk.isMedChatError(pdf) || pdf.code !== 'connection_error') throw new Error('records entry: ' + pdf);
  console.log('ok', typeof process !== 'undefined' && process.versions.bun ? 'bun ' + process.versions.bun : 'node ' + process.version);
`;

try {
  // npm pack builds dist/ first (prepack), as it does when the package is published.
  // The tarball's name is the line ending in .tgz (the build may print notes around it).
  const tarball = run(['npm', 'pack', '--silent', '--pack-destination', work], sdk)
    .split('\n')
    .findLast((line) => line.trim().endsWith('.tgz'))!
    .trim();
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'smoke', private: true, type: 'module' }));
  run(['npm', 'install', '--silent', '--no-audit', '--no-fund', '--offline', join(work, tarball)], app);

  // The main entry must load with nothing else installed: no runtime dependencies.
  writeFileSync(join(app, 'bare.mjs'), `import { MedChat } from '@medchat/sdk'; new MedChat({ baseUrl: 'http://x' }); console.log('bare ok');`);
  writeFileSync(join(app, 'bare.cjs'), `const { MedChat } = require('@medchat/sdk'); new MedChat({ baseUrl: 'http://x' }); console.log('bare ok');`);
  for (const file of ['bare.mjs', 'bare.cjs']) run(['node', file], app);

  // The protocol entry carries the TypeBox schemas, for servers that have TypeBox themselves.
  mkdirSync(join(app, 'node_modules/@sinclair'), { recursive: true });
  symlinkSync(dirname(realpathSync(Bun.resolveSync('@sinclair/typebox/package.json', sdk))), join(app, 'node_modules/@sinclair/typebox'));

  writeFileSync(
    join(app, 'smoke.mjs'),
    `import * as sdk from '@medchat/sdk';\nimport * as protocol from '@medchat/sdk/protocol';\nimport * as admin from '@medchat/sdk/admin';\nimport * as records from '@medchat/sdk/records';\n${checks}`,
  );
  writeFileSync(
    join(app, 'smoke.cjs'),
    `const sdk = require('@medchat/sdk');\nconst protocol = require('@medchat/sdk/protocol');\nconst admin = require('@medchat/sdk/admin');\nconst records = require('@medchat/sdk/records');\n(async () => {${checks}})().catch((e) => { console.error(e); process.exit(1); });`,
  );
  const nodeVersion = run(['node', '--version'], app);
  if (!nodeVersion.startsWith('v20.') && !/^v2[1-9]\./.test(nodeVersion)) throw new Error(`need Node >= 20, found ${nodeVersion}`);
  for (const runtime of ['node', 'bun']) for (const file of ['smoke.mjs', 'smoke.cjs']) console.log(`${runtime} ${file}: ${run([runtime, file], app)}`);

  // Published types resolve for ESM and CJS consumers alike; they carry the TypeBox declarations they use
  // (scripts/vendor-types.mjs), so consumers need no TypeBox (tests/contract/sdk-package.test.ts checks it without).
  const consumer = `import { MedChat, isMedChatError, type Message } from '@medchat/sdk';\nimport { ERRORS } from '@medchat/sdk/protocol';\nconst client = new MedChat({ baseUrl: 'http://x' });\nexport const seq: Promise<Message> = client.chat('id').send('hi');\nexport const ok: boolean = isMedChatError(ERRORS);\nimport { MedChatAdmin, type WebhookDelivery } from '@medchat/sdk/admin';\nexport const log: Promise<WebhookDelivery[]> = new MedChatAdmin(client).webhooks.deliveries('id');\n`;
  writeFileSync(join(app, 'consumer.mts'), consumer);
  writeFileSync(join(app, 'consumer.cts'), consumer);
  const tsc = Bun.resolveSync('typescript/bin/tsc', root);
  run(
    [
      'node',
      tsc,
      '--noEmit',
      '--strict',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--lib',
      'es2022,dom',
      '--skipLibCheck',
      'false',
      'consumer.mts',
      'consumer.cts',
    ],
    app,
  );
  console.log('types: ok (node16, import and require)');
  console.log(`pack-smoke passed (${tarball})`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
