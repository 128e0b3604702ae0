/**
 * Size budget of the browser ESM bundle: bundles src/index.ts the way an app bundler would (everything the
 * entry reaches, no TypeBox), minifies it, and fails above the budget. Run: `bun run --cwd sdk size`.
 */
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 6 * 1024;
const root = new URL('..', import.meta.url).pathname;

async function bundle(minify: boolean): Promise<string> {
  const result = await Bun.build({ entrypoints: [`${root}src/index.ts`], format: 'esm', target: 'browser', minify });
  if (!result.success) throw new AggregateError(result.logs, 'build failed');
  return await result.outputs[0]!.text();
}

const raw = await bundle(false);
const min = await bundle(true);
const gzip = gzipSync(min, { level: 9 }).byteLength;
if (/@sinclair\/typebox|TypeBox\.|Type\.Object/.test(min)) {
  console.error('The browser bundle contains TypeBox: import protocol models with `import type`.');
  process.exit(1);
}
const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`.padStart(9);
console.log(`@medchat/sdk ESM (src/index.ts)\n  raw      ${kb(raw.length)}\n  min      ${kb(min.length)}\n  min+gzip ${kb(gzip)}  (budget ${kb(BUDGET_BYTES).trim()})`);
if (gzip > BUDGET_BYTES) {
  console.error(`Over budget by ${gzip - BUDGET_BYTES} bytes.`);
  process.exit(1);
}
