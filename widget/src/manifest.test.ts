/**
 * custom-elements.json (the widget's published API: attributes, properties, events, parts, custom properties) is
 * generated from the components' JSDoc by `bun run --cwd widget manifest`; this fails when the committed file is stale.
 */
import { expect, test } from 'bun:test';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const widget = new URL('..', import.meta.url).pathname;

test('the committed custom-elements.json is what the analyzer makes of the sources now', () => {
  // The analyzer takes --outdir relative to the package; dist/ is not committed.
  const out = `dist/.manifest-check-${process.pid}`;
  mkdirSync(join(widget, out), { recursive: true });
  try {
    const run = Bun.spawnSync(['bun', 'x', 'cem', 'analyze', '--outdir', out], { cwd: widget, stdout: 'pipe', stderr: 'pipe' });
    expect(run.exitCode).toBe(0);
    const fresh = canonical(readFileSync(join(widget, out, 'custom-elements.json'), 'utf8'));
    const committed = canonical(readFileSync(join(widget, 'custom-elements.json'), 'utf8'));
    if (committed !== fresh) {
      mkdirSync(join(widget, '..', 'test-results'), { recursive: true });
      writeFileSync(join(widget, '..', 'test-results', 'custom-elements.fresh.json'), fresh);
    }
    expect(committed === fresh ? 'current' : 'stale: run `bun run --cwd widget manifest` and commit custom-elements.json').toBe('current');
  } finally {
    rmSync(join(widget, out), { recursive: true, force: true });
  }
}, 60_000);

/**
 * The manifest as content: the analyzer walks the source folders concurrently, so on a busy machine it may list the
 * same modules in another order.
 */
function canonical(json: string): string {
  const manifest = JSON.parse(json);
  manifest.modules.sort((a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path));
  return JSON.stringify(manifest, null, 2);
}

test('the manifest lists every attribute, event, part and custom property of <medchat-widget>, each described', () => {
  const manifest = JSON.parse(readFileSync(join(widget, 'custom-elements.json'), 'utf8'));
  const widgetClass = manifest.modules.flatMap((m: any) => m.declarations ?? []).find((d: any) => d.tagName === 'medchat-widget' || d.name === 'MedChatWidget');
  const names = (list: any[] = []) => list.map((x) => x.name);
  expect(names(widgetClass.attributes)).toEqual(expect.arrayContaining(['server', 'site', 'identity-token', 'locale', 'position', 'open', 'label', 'theme']));
  expect(names(widgetClass.events)).toEqual(
    expect.arrayContaining(['medchat-ready', 'medchat-open', 'medchat-close', 'medchat-message', 'medchat-session-ended', 'medchat-error']),
  );
  expect(names(widgetClass.cssParts)).toHaveLength(16);
  expect(names(widgetClass.cssProperties)).toHaveLength(11);
  for (const item of [...widgetClass.attributes, ...widgetClass.events, ...widgetClass.cssParts, ...widgetClass.cssProperties]) {
    expect({ name: item.name, description: Boolean(item.description) }).toEqual({ name: item.name, description: true });
  }
});
