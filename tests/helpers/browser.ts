/**
 * Browser tests fail on anything a user would call broken, not only on the assertion at hand. `launchChromium()`
 * starts Debian's Chromium (CHROMIUM_PATH overrides it); `guardPage()` watches one page for page errors, console
 * errors, dialogs, CSP violations, `medchat-error` events and visible error banners (`role="alert"`, open shadow
 * roots included). A test names what it expects with `allow()`; `assertClean()` fails on everything else.
 */
import { expect } from 'bun:test';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Desktop and phone, the two sizes every state is looked at in. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

declare global {
  interface Window {
    __guard?: { errors: unknown[]; csp: string[] };
  }
}

/** Records `medchat-error` events and CSP violations in every page of the context, from before any script runs. */
export async function guardContext(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    window.__guard = { errors: [], csp: [] };
    document.addEventListener('securitypolicyviolation', (e) => window.__guard?.csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    document.addEventListener('medchat-error', (e) => window.__guard?.errors.push(JSON.parse(JSON.stringify((e as CustomEvent).detail ?? null))));
  });
}

export interface PageGuard {
  /** Expected problems: any problem whose text matches is not a failure. */
  allow(...patterns: RegExp[]): void;
  /** Everything seen so far, allowed or not (page errors, console errors, dialogs, CSP, medchat-error, banners). */
  problems(): Promise<string[]>;
  /** Fails the test on any problem that was not allowed. */
  assertClean(): Promise<void>;
}

/**
 * Watches a page. The page's context must have gone through `guardContext()` for `medchat-error` events and CSP
 * violations to be seen; page errors, console errors and dialogs are seen either way. Dialogs are dismissed.
 */
export function guardPage(page: Page, options: { ignoreConsole?: RegExp[] } = {}): PageGuard {
  const seen: string[] = [];
  const allowed: RegExp[] = [];
  page.on('pageerror', (e) => seen.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (options.ignoreConsole?.some((p) => p.test(text))) return;
    seen.push(`console.error: ${text}`);
  });
  page.on('dialog', (d) => {
    seen.push(`dialog: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });

  async function problems(): Promise<string[]> {
    if (page.isClosed()) return [...seen];
    // Every frame of the page: the chat frame has its own guard (init scripts run in frames too) and its own banners.
    const inPage = { errors: [] as unknown[], csp: [] as string[] };
    const banners: string[] = [];
    for (const frame of page.frames()) {
      const seenThere = await frame
        .evaluate(() => ({ errors: window.__guard?.errors ?? [], csp: window.__guard?.csp ?? [] }))
        .catch(() => ({ errors: [] as unknown[], csp: [] as string[] }));
      inPage.errors.push(...seenThere.errors);
      inPage.csp.push(...seenThere.csp);
      banners.push(
        ...(await frame
          .locator('[role="alert"]')
          .evaluateAll((nodes) =>
            nodes
              .filter((n) => (n as HTMLElement).offsetParent !== null || (n as HTMLElement).getClientRects().length > 0)
              .map((n) => (n.textContent ?? '').trim())
              .filter(Boolean),
          )
          .catch(() => [] as string[])),
      );
    }
    return [
      ...seen,
      ...inPage.csp.map((c) => `csp: ${c}`),
      ...inPage.errors.map((e) => `medchat-error: ${JSON.stringify(e)}`),
      ...banners.map((b) => `banner: ${b}`),
    ];
  }

  return {
    allow: (...patterns) => void allowed.push(...patterns),
    problems,
    async assertClean() {
      const unexpected = (await problems()).filter((p) => !allowed.some((a) => a.test(p)));
      expect(unexpected).toEqual([]);
    },
  };
}

/**
 * Where a patient's chat is on a clinic page with the default embed: inside the chat frame the widget's loader
 * shows (the launcher stays in the page: `page.locator('medchat-widget')`).
 */
export function chatSurface(page: Page): Locator {
  return page.frameLocator('medchat-widget iframe').locator('medchat-chat');
}
