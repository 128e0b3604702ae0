/**
 * Bundle sizes, measured one way for every caller: the size budgets in `npm test`, the packages' `size` scripts
 * and the benchmark's bundle rows (bench/sections/bundles.ts). Every figure comes from a fresh in-memory build of
 * the sources, never from a dist/ folder that may be stale.
 *
 *   bun run scripts/size.ts [sdk|widget]   prints the sizes; exits 1 when a bundle is over its budget
 *
 * `sdk` measures the SDK's budgeted entries: the main one (`@medchat/sdk`, what a staff console bundles), the admin
 * one (`@medchat/sdk/admin`) and the records one (`@medchat/sdk/records`), each measured alone: what a page adds for
 * it is at most this much.
 *
 * The SDK is bundled as an app's bundler would (Bun.build, browser, minified); the widget exactly as its release
 * build (widget/rollup.config.mjs, Lit and the SDK included, so a type error fails here too).
 */
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import { inputs as widgetInputs, plugins as widgetPlugins } from '../widget/rollup.config.mjs';

const ROOT = new URL('../', import.meta.url).pathname;

/** Bytes of a minified bundle, and of it compressed with gzip -9: the figures the budgets are set in. */
export interface BundleSize {
  min: number;
  gzip: number;
}

/** min+gzip budgets, in bytes (README.md of each package states them). */
export const BUDGETS = {
  sdk: 6 * 1024,
  sdkAdmin: 2 * 1024,
  sdkNotes: 2 * 1024,
  sdkRecords: 2 * 1024,
  sdkAttachments: 2 * 1024,
  widget: 25 * 1024,
  widgetLoader: 5 * 1024,
  /** Each chunk the conversation loads on demand (a language other than English). */
  widgetLazyChunk: 5 * 1024,
} as const;

/** The one measuring function. */
export function sizeOf(minified: string): BundleSize {
  return { min: Buffer.byteLength(minified), gzip: gzipSync(minified, { level: 9 }).byteLength };
}

/** Minified ES module of one entry, bundled for browsers with everything it imports (used for the SDK and the floors). */
export async function bundleWithBun(entry: string): Promise<string> {
  const result = await Bun.build({ entrypoints: [entry], format: 'esm', target: 'browser', minify: true, conditions: ['browser', 'production'] });
  if (!result.success) throw new AggregateError(result.logs, `Bun.build of ${entry} failed: ${result.logs.map(String).join('; ').slice(0, 300)}`);
  return await result.outputs[0]!.text();
}

/** The SDK's main entry: the client as a staff console bundles it. */
export const SDK_ENTRY = `${ROOT}sdk/src/index.ts`;

/** The admin entry (`@medchat/sdk/admin`): settings, reports and webhooks on a `MedChat` client. */
export const SDK_ADMIN_ENTRY = `${ROOT}sdk/src/admin.ts`;

/** The records entry (`@medchat/sdk/records`): transcripts and FHIR exports on a `MedChat` client. */
export const SDK_RECORDS_ENTRY = `${ROOT}sdk/src/records.ts`;

/** The attachments entry (`@medchat/sdk/attachments`): uploads with progress, sending them, links to them. */
export const SDK_ATTACHMENTS_ENTRY = `${ROOT}sdk/src/attachments.ts`;

/** One SDK entry, bundled alone. TypeBox stays out of browser bundles: entries import protocol models as types only. */
async function sdkEntrySize(entry: string): Promise<BundleSize> {
  const code = await bundleWithBun(entry);
  if (/@sinclair\/typebox|TypeBox\.|Type\.Object/.test(code))
    throw new Error(`the bundle of ${entry} contains TypeBox: import protocol models with \`import type\``);
  return sizeOf(code);
}

export const sdkSize = () => sdkEntrySize(SDK_ENTRY);
export const sdkAdminSize = () => sdkEntrySize(SDK_ADMIN_ENTRY);
export const sdkAttachmentsSize = () => sdkEntrySize(SDK_ATTACHMENTS_ENTRY);
export const sdkRecordsSize = () => sdkEntrySize(SDK_RECORDS_ENTRY);

/** The staff extras entry (`@medchat/sdk/notes`): internal notes and quick replies on a `MedChat` client. */
export const SDK_NOTES_ENTRY = `${ROOT}sdk/src/notes.ts`;
export const sdkNotesSize = () => sdkEntrySize(SDK_NOTES_ENTRY);

/** One widget entry as its release build makes it, minified, in each format asked, with the chunks it loads on demand. */
async function widgetEntry(input: string, formats: Array<'es' | 'iife'>): Promise<Array<{ entry: BundleSize; lazy: Array<[string, BundleSize]> }>> {
  // As the release build: an entry whose chunks import from it exports what they need (no facade entry).
  const build = await rollup({ input, plugins: widgetPlugins({ minify: true }), preserveEntrySignatures: 'allow-extension', onwarn: () => {} });
  try {
    const outputs = await Promise.all(formats.map((format) => build.generate({ format, name: 'MedChatWidget', chunkFileNames: 'medchat-chat-[name].js' })));
    return outputs.map(({ output }) => {
      const chunks = output.filter((o) => o.type === 'chunk');
      return {
        entry: sizeOf(chunks.find((c) => c.isEntry)!.code),
        lazy: chunks.filter((c) => !c.isEntry).map((c): [string, BundleSize] => [c.fileName, sizeOf(c.code)]),
      };
    });
  } finally {
    await build.close();
  }
}

export interface WidgetSizes {
  module: BundleSize;
  classic: BundleSize;
  chat: BundleSize;
  /** The conversation's on-demand chunks, by file name. */
  chatLazy: Array<[string, BundleSize]>;
  frame: BundleSize;
}

/**
 * The widget's release build: the loader the clinic's page loads (ES module and classic script), the conversation
 * (what the chat frame, or an in-page widget, loads when the chat opens) with its on-demand chunks, and the frame's
 * own script.
 */
export async function widgetSizes(): Promise<WidgetSizes> {
  const [[module, classic], [chat], [frame]] = await Promise.all([
    widgetEntry(widgetInputs.loader, ['es', 'iife']),
    widgetEntry(widgetInputs.chat, ['es']),
    widgetEntry(widgetInputs.frame, ['es']),
  ]);
  return { module: module!.entry, classic: classic!.entry, chat: chat!.entry, chatLazy: chat!.lazy, frame: frame!.entry };
}

if (import.meta.main) {
  const which = process.argv[2];
  const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`.padStart(10);
  const rows: Array<[string, BundleSize, number | null]> = [];
  let over = 0;
  /** A bundle that does not build fails the check too, and the other one is still measured. */
  const measure = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      console.error(`${name}: does not build: ${error instanceof Error ? error.message : error}`);
      over++;
    }
  };
  if (which !== 'widget') {
    await measure('@medchat/sdk', async () => void rows.push(['@medchat/sdk (sdk/src/index.ts)', await sdkSize(), BUDGETS.sdk]));
    await measure('@medchat/sdk/admin', async () => void rows.push(['@medchat/sdk/admin (sdk/src/admin.ts)', await sdkAdminSize(), BUDGETS.sdkAdmin]));
    await measure('@medchat/sdk/notes', async () => void rows.push(['@medchat/sdk/notes (sdk/src/notes.ts)', await sdkNotesSize(), BUDGETS.sdkNotes]));
    await measure(
      '@medchat/sdk/records',
      async () => void rows.push(['@medchat/sdk/records (sdk/src/records.ts)', await sdkRecordsSize(), BUDGETS.sdkRecords]),
    );
    await measure(
      '@medchat/sdk/attachments',
      async () => void rows.push(['@medchat/sdk/attachments (sdk/src/attachments.ts)', await sdkAttachmentsSize(), BUDGETS.sdkAttachments]),
    );
  }
  if (which !== 'sdk') {
    await measure('the widget', async () => {
      const widget = await widgetSizes();
      rows.push(
        ['medchat-widget.js (loader, ES module)', widget.module, BUDGETS.widgetLoader],
        ['medchat-widget.iife.js (loader, classic)', widget.classic, BUDGETS.widgetLoader],
        ['medchat-chat.js (conversation)', widget.chat, BUDGETS.widget],
        ...widget.chatLazy.map(([file, size]): [string, BundleSize, number] => [`${file} (on demand)`, size, BUDGETS.widgetLazyChunk]),
        ["medchat-frame.js (the frame's script)", widget.frame, null],
      );
    });
  }
  console.log(`${''.padEnd(44)}${'min'.padStart(10)}${'min+gzip'.padStart(10)}${'budget'.padStart(10)}`);
  for (const [name, size, budget] of rows) {
    console.log(`${name.padEnd(44)}${kb(size.min)}${kb(size.gzip)}${budget === null ? '' : kb(budget)}`);
    if (budget !== null && size.gzip > budget) {
      console.error(`${name}: over its budget by ${size.gzip - budget} bytes min+gzip`);
      over++;
    }
  }
  process.exit(over ? 1 : 0);
}
