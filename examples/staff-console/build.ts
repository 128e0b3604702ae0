/**
 * Builds the console in memory for the server to serve at `/console/`: index.html, main.js, styles.css and favicon.svg,
 * keyed by their path relative to the console's root. Nothing is written to disk.
 */
import { join } from 'node:path';

export interface ConsoleFile {
  body: string | Uint8Array;
  type: string;
}

const dir = import.meta.dir;

export async function buildConsole(): Promise<Map<string, ConsoleFile>> {
  const result = await Bun.build({
    entrypoints: [join(dir, 'src/main.ts')],
    target: 'browser',
    format: 'esm',
    minify: true,
    // The root tsconfig maps `@medchat/sdk` to the SDK's sources, so the console never needs a built dist/.
    tsconfig: join(dir, '../../tsconfig.json'),
  });
  if (!result.success) throw new AggregateError(result.logs, 'The staff console failed to build.');
  const [script] = result.outputs;
  if (!script) throw new Error('The staff console build produced no output.');
  return new Map<string, ConsoleFile>([
    ['index.html', { body: await Bun.file(join(dir, 'index.html')).text(), type: 'text/html; charset=utf-8' }],
    ['main.js', { body: await script.text(), type: 'text/javascript; charset=utf-8' }],
    ['styles.css', { body: await Bun.file(join(dir, 'styles.css')).text(), type: 'text/css; charset=utf-8' }],
    ['favicon.svg', { body: await Bun.file(join(dir, 'favicon.svg')).text(), type: 'image/svg+xml' }],
  ]);
}
