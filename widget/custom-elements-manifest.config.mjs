/** `bun run --cwd widget manifest` writes custom-elements.json from the components' JSDoc (src/manifest.test.ts checks it is current). */
export default {
  globs: ['src/components/**/*.component.ts', 'src/medchat-widget.ts'],
  exclude: ['src/**/*.test.ts'],
  outdir: '.',
  litelement: true,
  // package.json's customElements field is kept by hand: the analyzer would write its own --outdir there.
  packagejson: false,
};
