#!/usr/bin/env node
// Makes the published types self-contained (run by `npm run build`, after tsup). The protocol's models are TypeBox
// schemas and their types are `Static<typeof …>`, so dist/*.d.ts import '@sinclair/typebox'. A consumer without
// TypeBox would get errors, or with skipLibCheck silently `any` for every model. This copies the TypeBox
// declarations the types reach (types only, MIT, its licence beside them) into dist/typebox/ and points the
// imports there. The runtime is unchanged: only the protocol entry's schemas need TypeBox at run time.
// tests/contract/sdk-package.test.ts packs the SDK and type-checks a consumer without TypeBox.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(sdk, 'dist');
// Its CommonJS build: build/cjs/index.js, with a declaration file beside every module.
const from = dirname(createRequire(join(sdk, 'package.json')).resolve('@sinclair/typebox'));
const typebox = join(from, '..', '..');
const to = join(dist, 'typebox');

// Every declaration file index.d.ts reaches through relative imports and re-exports.
const pending = [join(from, 'index.d.ts')];
const seen = new Set();
while (pending.length) {
  const file = pending.pop();
  if (seen.has(file)) continue;
  seen.add(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const base = join(dirname(file), spec);
    const target = [`${base}.d.ts`, join(base, 'index.d.ts')].find(existsSync);
    if (!target) throw new Error(`vendor-types: ${relative(from, file)} imports ${spec}, which has no declaration file`);
    pending.push(target);
  }
}
for (const file of seen) {
  const out = join(to, relative(from, file));
  mkdirSync(dirname(out), { recursive: true });
  copyFileSync(file, out);
}
copyFileSync(join(typebox, 'license'), join(to, 'LICENSE'));
// CommonJS declarations (extensionless relative imports), whatever the SDK's own package type.
writeFileSync(join(to, 'package.json'), '{ "type": "commonjs" }\n');

let rewritten = 0;
for (const name of readdirSync(dist)) {
  if (!/\.d\.c?ts$/.test(name)) continue;
  const path = join(dist, name);
  const text = readFileSync(path, 'utf8');
  const next = text.replace(/(['"])@sinclair\/typebox\1/g, "'./typebox/index.js'");
  if (next !== text) {
    writeFileSync(path, next);
    rewritten++;
  }
}
console.log(`vendor-types: ${seen.size} TypeBox declaration files in dist/typebox, ${rewritten} declaration files point to them`);
