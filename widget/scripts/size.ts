/**
 * Size budget of the widget: bundles both builds exactly as rollup.config.mjs does (Lit and the SDK included),
 * unminified and minified, and prints raw / min / min+gzip next to a minimal Lit element for comparison.
 * Exits non-zero when the ES module build is over budget. Run: `bun run --cwd widget size`.
 */
import { gzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rollup, type OutputOptions, type Plugin } from 'rollup';
// @ts-expect-error -- the rollup config is plain ESM JavaScript without type declarations.
import { input, plugins } from '../rollup.config.mjs';

const BUDGET_BYTES = 25 * 1024;
const makePlugins = plugins as (options: { minify: boolean }) => Plugin[];

async function bundle(entry: string, format: OutputOptions['format'], minify: boolean): Promise<string> {
  const build = await rollup({ input: entry, plugins: makePlugins({ minify }), onwarn: () => {} });
  const { output } = await build.generate({ format, name: 'MedChatWidget' });
  await build.close();
  return output[0].code;
}

async function measure(entry: string, format: OutputOptions['format']) {
  const raw = (await bundle(entry, format, false)).length;
  const min = await bundle(entry, format, true);
  return { raw, min: min.length, gzip: gzipSync(min, { level: 9 }).byteLength };
}

mkdirSync(new URL('../dist', import.meta.url).pathname, { recursive: true });
// Inside the package, so `lit` resolves from its node_modules like the widget's own imports.
const dir = mkdtempSync(join(new URL('..', import.meta.url).pathname, 'dist', '.size-'));
const minimal = join(dir, 'minimal-lit.js');
writeFileSync(
  minimal,
  `import { LitElement, html, css } from 'lit';
   class MinimalElement extends LitElement {
     static styles = css\`:host { display: block; }\`;
     static properties = { name: {} };
     render() { return html\`<p>Hello, \${this.name}!</p>\`; }
   }
   customElements.define('minimal-element', MinimalElement);`,
);

const rows: [string, Awaited<ReturnType<typeof measure>>][] = [];
try {
  rows.push(['medchat-widget.js (ES module)', await measure(input as string, 'es')]);
  rows.push(['medchat-widget.iife.js (classic)', await measure(input as string, 'iife')]);
  rows.push(['minimal Lit element (baseline)', await measure(minimal, 'es')]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`.padStart(10);
console.log(`${''.padEnd(34)}${'raw'.padStart(10)}${'min'.padStart(10)}${'min+gzip'.padStart(10)}`);
for (const [name, s] of rows) console.log(`${name.padEnd(34)}${kb(s.raw)}${kb(s.min)}${kb(s.gzip)}`);
const module = rows[0]![1];
console.log(`\nbudget for the ES module build: ${kb(BUDGET_BYTES).trim()} min+gzip; used ${((module.gzip / BUDGET_BYTES) * 100).toFixed(0)}%`);
if (module.gzip > BUDGET_BYTES) {
  console.error(`Over budget by ${module.gzip - BUDGET_BYTES} bytes.`);
  process.exit(1);
}
