/**
 * Fast checks on the example pages, no browser: the clinic page embeds the widget with exactly the README's
 * snippet, and neither page needs anything a strict CSP blocks (inline scripts, inline handlers, inline styles).
 * The console's bundle never writes HTML: patient text reaches the DOM as text only.
 */
import { describe, expect, test } from 'bun:test';
import { buildConsole } from '../../examples/staff-console/build';

const SNIPPET = `<script type="module" src="/widget/medchat-widget.js"></script>
    <medchat-widget server="http://localhost:3000" site="demo"></medchat-widget>`;

/** What a strict Content-Security-Policy (script-src 'self'; style-src 'self') would block. */
function cspBlockers(html: string): string[] {
  const found: string[] = [];
  for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) if (!/\bsrc=/.test(tag)) found.push(`inline script: ${tag}`);
  for (const [attr] of html.matchAll(/\son[a-z]+\s*=/gi)) found.push(`inline handler: ${attr.trim()}`);
  for (const [attr] of html.matchAll(/\sstyle\s*=/gi)) found.push(`inline style: ${attr.trim()}`);
  if (/<style\b/i.test(html)) found.push('<style> element');
  if (/javascript:/i.test(html)) found.push('javascript: URL');
  return found;
}

describe('clinic site', () => {
  test('embeds the widget with exactly the documented snippet and nothing a strict CSP blocks', async () => {
    const html = await Bun.file(new URL('../../examples/clinic-site/index.html', import.meta.url)).text();
    expect(html).toContain(SNIPPET);
    expect(cspBlockers(html)).toEqual([]);
  });
});

describe('staff console build', () => {
  test('serves index.html, main.js and styles.css, CSP-clean, and never writes HTML from data', async () => {
    const files = await buildConsole();
    expect([...files.keys()]).toEqual(expect.arrayContaining(['index.html', 'main.js', 'styles.css']));
    expect(files.get('main.js')!.type).toStartWith('text/javascript');
    const html = String(files.get('index.html')!.body);
    expect(cspBlockers(html)).toEqual([]);
    expect(html).toContain('src="./main.js"');
    const js = String(files.get('main.js')!.body);
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
  });
});
