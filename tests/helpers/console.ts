/**
 * The staff console as the demo serves it: built in memory by `buildConsole()`, under a strict
 * Content-Security-Policy, on a real server with the demo clinic seeded. `openConsole()` signs a member of staff
 * in, in a guarded page (tests/helpers/browser.ts) at one of the two viewports.
 */
import { afterAll, beforeAll } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { buildConsole } from '../../examples/staff-console/build';
import { loadConfig } from '../../server/src/config';
import { DEMO_PASSWORD, seedDemo } from '../../server/src/db/seed';
import { startServer, type RunningServer } from '../../server/src/server';
import { guardContext, guardPage, launchChromium, VIEWPORTS, type PageGuard } from './browser';

export const CONSOLE_SHOTS = 'test-results/console';
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * A server with the console under `/console/`. The HTTP request limit stays the server's default (the console must
 * live within it); `env` may change other settings.
 */
export async function startConsoleServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', MEDCHAT_DATA_DIR: 'memory://', ...env }), await consoleRoutes());
  await seedDemo(server.ctx.db, { allowedOrigins: [server.url] });
  return server;
}

/** The console's files under `/console/`, with its CSP: pass to `startServer` as its extension. */
export async function consoleRoutes(): Promise<NonNullable<Parameters<typeof startServer>[1]>> {
  const files = await buildConsole();
  return (app) =>
    app.get('/console/*', ({ params }) => {
      const file = files.get(params['*'] || 'index.html');
      if (!file) return new Response('Not found', { status: 404 });
      // Uint8Array<ArrayBufferLike> is a valid body; TypeScript's DOM typings only accept an ArrayBuffer-backed one.
      return new Response(file.body as BodyInit, { headers: { 'content-type': file.type, 'content-security-policy': CSP } });
    });
}

/**
 * The console server and a browser for the calling file (or describe block): started before its tests, after
 * `prepare` (the file's own changes to the seeded clinic), and stopped after them. Read `server` and `browser` from
 * hooks and tests.
 */
export function useConsoleBrowser(prepare?: (server: RunningServer) => Promise<unknown>, env?: Record<string, string>) {
  const state = {} as { server: RunningServer; browser: Browser };
  beforeAll(async () => {
    state.server = await startConsoleServer(env);
    await prepare?.(state.server);
    state.browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await state.browser?.close();
    await state.server?.stop();
  });
  return state;
}

export interface ConsolePage {
  page: Page;
  guard: PageGuard;
  /** Every HTTP status >= 400 the page received, as "429 GET /api/v1/queue", and every socket frame refused as too fast. */
  failures: string[];
  /** When each API request of the page started (ms, performance clock of the test). */
  requests: number[];
}

/** Signs `email` in to the console in a fresh guarded context and waits for the live connection. */
export async function openConsole(browser: Browser, server: RunningServer, email: string, viewport: keyof typeof VIEWPORTS = 'desktop'): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport] });
  await guardContext(context);
  const page = await context.newPage();
  const guard = guardPage(page);
  const failures: string[] = [];
  const requests: number[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => String(payload).includes('"rate_limited"') && failures.push(`socket: ${payload}`)));
  page.on('request', (r) => new URL(r.url()).pathname.startsWith('/api/') && requests.push(performance.now()));
  page.on('response', (r) => r.status() >= 400 && failures.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`));
  await page.goto(`${server.url}/console/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.connection[data-state="open"]').waitFor();
  return { page, guard, failures, requests };
}

export const shot = (page: Page, name: string) => page.screenshot({ path: `${CONSOLE_SHOTS}/${name}.png`, fullPage: true });

/** axe-core in the page (evaluated over the DevTools protocol, so the page's CSP does not apply): serious and critical only. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.evaluate(await Bun.file(require.resolve('axe-core/axe.min.js')).text());
  const ids = await page.evaluate(async () => {
    const result = await (globalThis as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target).join(', ')}`);
  });
  return ids as string[];
}

/** The page is no wider than its viewport: nothing pushes the layout sideways. */
export const overflowsViewport = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

/** The most requests made within any one second. */
export function busiestSecond(requests: readonly number[]): number {
  let most = 0;
  for (let i = 0, j = 0; j < requests.length; j++) {
    while (requests[j]! - requests[i]! >= 1000) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}
