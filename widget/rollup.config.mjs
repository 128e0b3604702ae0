// Builds <medchat-widget> into two self-contained files (Lit and the SDK included):
//   dist/medchat-widget.js       ES module, for <script type="module">
//   dist/medchat-widget.iife.js  classic script, for sites without modules
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
    '@medchat/sdk/protocol': here('../sdk/src/protocol/index.ts'),
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

export const input = here('./src/medchat-widget.ts');

export default {
  input,
  plugins: plugins(),
  output: [
    { file: here('./dist/medchat-widget.js'), format: 'es' },
    { file: here('./dist/medchat-widget.iife.js'), format: 'iife', name: 'MedChatWidget' },
  ],
  onwarn(warning, warn) {
    // Lit's compiled output uses `this` at module scope in a guarded way.
    if (warning.code === 'THIS_IS_UNDEFINED') return;
    warn(warning);
  },
};
