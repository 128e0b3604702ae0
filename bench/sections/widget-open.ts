/**
 * How long a patient waits from clicking the launcher to the pre-chat form, with the conversation in its frame (the
 * default) and in the page (`isolation="none"`, the floor beside it), on a cold cache (a fresh browser profile) and
 * a warm one (the same page loaded again). The clinic page and the server are the widget browser tests' (a strict
 * CSP page on another origin than the server), in Chromium; the click comes as soon as the launcher shows, so the
 * figure includes whatever the widget still had to load.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../tests/helpers/browser';
import { startHarness, type Harness, type Isolation } from '../../tests/e2e/fixtures/widget-harness';
import type { Unit } from '../lib/report';
import { begin, failRows, progress, quick, row } from '../lib/suite';
import { errorText, percentile } from '../lib/util';
import { ROOT } from '../lib/procs';

type Cache = 'cold' | 'warm';
const CACHES: readonly Cache[] = ['cold', 'warm'];
const TARGET_MS = 1000;

export function widgetOpenSpecs() {
  return CACHES.map((cache) => ({
    id: `widget.open.${cache}`,
    label: `widget, click to pre-chat form (${cache} cache), isolated`,
    unit: 'ms' as Unit,
    target: `≤ ${TARGET_MS} ms`,
    floorLabel: 'the same in-page (isolation="none")',
  }));
}

/** One click on the launcher of a freshly loaded page, to the name field shown: milliseconds. */
async function clickToForm(page: Page, harness: Harness, isolation: Isolation): Promise<number> {
  await page.goto(isolation === 'none' ? `${harness.pageUrl}?attrs=${encodeURIComponent('isolation="none"')}` : harness.pageUrl);
  const launcher = page.locator('medchat-widget').getByRole('button', { name: /^Open chat/ });
  await launcher.waitFor();
  const name =
    isolation === 'frame'
      ? page.frameLocator('medchat-widget iframe').locator('medchat-chat').getByLabel('Your name')
      : page.locator('medchat-widget').getByLabel('Your name');
  const started = performance.now();
  await launcher.click();
  await name.waitFor({ timeout: 15_000 });
  return performance.now() - started;
}

export async function widgetOpenSection() {
  begin('widget: click to pre-chat form');
  const specs = widgetOpenSpecs();
  let harness: Harness | undefined;
  let browser: Browser | undefined;
  try {
    progress('building the widget');
    const build = Bun.spawnSync(['bun', 'run', '--cwd', 'widget', 'build'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
    if (build.exitCode !== 0) throw new Error(`widget build failed: ${build.stderr.toString().slice(0, 300)}`);
    [harness, browser] = await Promise.all([startHarness(), launchChromium()]);
    const runs = quick ? 3 : 10;
    const times: Record<string, number[]> = {};
    for (let i = 0; i < runs; i++) {
      for (const isolation of ['frame', 'none'] as const) {
        progress(`${isolation}, run ${i + 1} of ${runs}`);
        const context: BrowserContext = await browser.newContext();
        try {
          const page = await context.newPage();
          (times[`${isolation}.cold`] ??= []).push(await clickToForm(page, harness, isolation));
          (times[`${isolation}.warm`] ??= []).push(await clickToForm(page, harness, isolation));
        } finally {
          await context.close();
        }
      }
    }
    for (const [j, cache] of CACHES.entries()) {
      const value = percentile(times[`frame.${cache}`]!, 50);
      const floor = percentile(times[`none.${cache}`]!, 50);
      row({ ...specs[j]!, value, floor, met: value <= TARGET_MS, note: `median of ${runs} page loads in Chromium, each mode` });
    }
  } catch (error) {
    failRows(specs, errorText(error));
  } finally {
    await browser?.close();
    await harness?.close();
  }
}
