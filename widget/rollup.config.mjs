// Builds the widget into self-contained files (the SDK's needed parts included in each):
//   dist/medchat-widget.js       the loader a clinic's page holds, ES module, for <script type="module">
//   dist/medchat-widget.iife.js  the same loader as a classic script, for sites without modules
//   dist/medchat-chat.js         the conversation (Lit included): loaded by the chat frame, or in-page
//   dist/medchat-chat-<lang>.js  a language other than English, loaded by the conversation when a patient reads it
//   dist/medchat-chat-attachments.js  attach, upload, thumbnails: loaded by the conversation when the clinic takes files
//   dist/medchat-frame.js        the chat frame's side of the page <-> frame messages
// The SDK is compiled from its sources (tsconfig paths), so no SDK build is needed first.
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { fileURLToPath } from 'node:url';
import { minifyTemplates } from './scripts/minify-templates.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** Bundles the SDK from its TypeScript sources, whether or not sdk/dist was built (it may be stale). */
function sdkFromSource() {
  const entries = {
    '@medchat/sdk': here('../sdk/src/index.ts'),
    '@medchat/sdk/patient': here('../sdk/src/patient.ts'),
    // Uploads and links, in the conversation's attachments chunk only.
    '@medchat/sdk/attachments': here('../sdk/src/attachments.ts'),
    '@medchat/sdk/protocol': here('../sdk/src/protocol/index.ts'),
    // The page <-> frame messages alone: the loader must not carry the rest of the protocol (TypeBox schemas).
    '@medchat/sdk/protocol/embed': here('../sdk/src/protocol/embed.ts'),
  };
  return { name: 'medchat-sdk-source', resolveId: (id) => entries[id] ?? null };
}

/** The plugins shared by the build and ../scripts/size.ts (the size budget measures this build). */
export function plugins({ minify = true } = {}) {
  return [
    sdkFromSource(),
    typescript({
      tsconfig: here('./tsconfig.build.json'),
      filterRoot: here('..'),
      include: ['widget/src/**/*.ts', 'sdk/src/**/*.ts'],
      exclude: ['**/*.test.ts', 'sdk/src/testing/**'],
      // A type error fails the build (a misspelt translation key included: see src/translations/translation.ts).
      noEmitOnError: true,
      outputToFilesystem: false,
    }),
    minify && minifyTemplates(),
    // `browser` first so Lit's production browser build is used (no dev-mode warnings, no Node shims).
    nodeResolve({ browser: true, exportConditions: ['browser', 'production', 'default'] }),
    minify &&
      terser({
        ecma: 2020,
        module: true,
        compress: { passes: 2 },
        format: { comments: false },
      }),
  ].filter(Boolean);
}

/** The entries, each bundled alone (nothing shared: the page loads only the loader). */
export const inputs = {
  loader: here('./src/medchat-widget.ts'),
  chat: here('./src/medchat-chat.ts'),
  frame: here('./src/medchat-frame.ts'),
};
/** The loader's entry (the snippet's script). */
export const input = inputs.loader;

function onwarn(warning, warn) {
  // Lit's compiled output uses `this` at module scope in a guarded way.
  if (warning.code === 'THIS_IS_UNDEFINED') return;
  warn(warning);
}

export default [
  {
    input: inputs.loader,
    plugins: plugins(),
    output: [
      { file: here('./dist/medchat-widget.js'), format: 'es' },
      { file: here('./dist/medchat-widget.iife.js'), format: 'iife', name: 'MedChatWidget' },
    ],
    onwarn,
  },
  {
    input: inputs.chat,
    plugins: plugins(),
    // The attachments chunk imports Lit and the SDK from the conversation: the entry exports them too, rather than
    // becoming a facade over a chunk of its own.
    preserveEntrySignatures: 'allow-extension',
    // Languages other than English are chunks beside it (dist/medchat-chat-es.js), loaded by the patients who read them;
    // so is the attachments' UI (dist/medchat-chat-attachments.js).
    output: { dir: here('./dist'), entryFileNames: 'medchat-chat.js', chunkFileNames: 'medchat-chat-[name].js', format: 'es' },
    onwarn,
  },
  { input: inputs.frame, plugins: plugins(), output: { file: here('./dist/medchat-frame.js'), format: 'es' }, onwarn },
];
