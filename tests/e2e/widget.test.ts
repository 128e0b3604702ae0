/**
 * <medchat-widget> in real Chromium, on a plain clinic page holding only the embed snippet (under a strict CSP),
 * against a real server, with a staff member answering through the SDK. Builds the widget first.
 * Skipped when MEDCHAT_SKIP_BROWSER=1 (the Postgres pass of the suite).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, readFileSync } from 'node:fs';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startHarness, Staff, waitFor, type Harness } from './fixtures/widget-harness';

const root = new URL('../../', import.meta.url).pathname;
const shots = `${root}test-results/widget`;
const TEST_TIMEOUT_MS = 45_000;
const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

declare global {
  interface Window {
    __medchat: { events: { type: string; detail: unknown }[]; csp: string[] };
  }
}

suite('<medchat-widget> in a browser', () => {
  let harness: Harness;
  let browser: Browser;
  const staff: Staff[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const build = Bun.spawnSync(['bun', 'run', '--cwd', 'widget', 'build'], { cwd: root, stderr: 'pipe', stdout: 'pipe' });
    if (build.exitCode !== 0) throw new Error(`widget build failed:\n${build.stderr.toString()}`);
    mkdirSync(shots, { recursive: true });
    [harness, browser] = await Promise.all([
      startHarness(),
      chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(staff.map((s) => s.close()));
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
    await browser?.close();
    await harness?.close();
  });

  async function newContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1024, height: 760 }, ...options });
    contexts.push(context);
    // Fail a step well inside the test timeout (a timed-out test would take the browser down with it).
    context.setDefaultTimeout(10_000);
    await context.addInitScript(() => {
      window.__medchat = { events: [], csp: [] };
      document.addEventListener('securitypolicyviolation', (e) => window.__medchat.csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      for (const type of ['medchat-ready', 'medchat-open', 'medchat-close', 'medchat-message', 'medchat-session-ended', 'medchat-error']) {
        document.addEventListener(type, (e) => window.__medchat.events.push({ type, detail: JSON.parse(JSON.stringify((e as CustomEvent).detail)) }));
      }
    });
    return context;
  }

  const problems = new WeakMap<Page, string[]>();

  /** Opens the clinic page and waits for `medchat-ready`; page errors and dialogs are collected. */
  async function openPage(context: BrowserContext, query = ''): Promise<{ page: Page; w: Locator }> {
    const page = await context.newPage();
    const seen: string[] = [];
    problems.set(page, seen);
    page.on('pageerror', (e) => seen.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => (seen.push(`dialog: ${d.message()}`), void d.dismiss()));
    await page.goto(harness.pageUrl + query);
    await page.waitForFunction(() => window.__medchat.events.some((e) => e.type === 'medchat-ready'));
    return { page, w: page.locator('medchat-widget') };
  }

  /** No script ran that should not have, nothing was blocked by the CSP, no uncaught error (I5, I6). */
  async function expectClean(page: Page) {
    expect(problems.get(page) ?? []).toEqual([]);
    expect(await page.evaluate(() => window.__medchat.csp)).toEqual([]);
  }

  const events = (page: Page, type: string) =>
    page.evaluate((t) => window.__medchat.events.filter((e) => e.type === t).map((e) => e.detail), type) as Promise<any[]>;

  async function startChat(w: Locator, name = 'Pat Patient', reason = 'A rash on my arm') {
    await w.getByRole('button', { name: /^Open chat/ }).click();
    await w.getByLabel('Your name').fill(name);
    await w.getByLabel('Reason for your visit').fill(reason);
    await w.getByRole('button', { name: 'Start chat' }).click();
    await w.getByText('You are in the queue').waitFor();
  }

  /** Every test leaves no open chat and no available staff behind, so the next one starts in the queue. */
  async function endChat(w: Locator) {
    await w.getByRole('button', { name: 'End chat' }).click();
    await w.getByRole('button', { name: 'Yes, end chat' }).click();
    await w.getByRole('heading', { name: 'Chat ended' }).waitFor();
  }

  async function sendFromPatient(w: Locator, text: string) {
    const box = w.getByRole('textbox', { name: 'Message' });
    await box.fill(text);
    await box.press('Enter');
  }

  async function newStaff(email?: string) {
    const s = await new Staff(harness.server.url).login(email);
    staff.push(s);
    return s;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: `${shots}/${name}.png` });

  test('patient flow: launcher → pre-chat → queue → chat → end → transcript → new chat', async () => {
    const context = await newContext();
    const { page, w } = await openPage(context);
    await shot(page, '01-launcher');

    await w.getByRole('button', { name: 'Open chat' }).click();
    await expect(w.getByRole('dialog', { name: 'Chat with Riverside Family Clinic' }).isVisible()).resolves.toBe(true);
    await expect(w.locator('[part="emergency-notice"]').textContent()).resolves.toContain('This chat is not for emergencies.');
    await w.getByRole('button', { name: 'Start chat' }).click();
    await w.getByText('Please enter your name.').waitFor();
    await w.getByText('Please tell us the reason for your visit.').waitFor();
    await shot(page, '02-prechat-errors');

    await w.getByLabel('Your name').fill('Pat Patient');
    await w.getByLabel('Reason for your visit').fill('A rash on my arm');
    await w.getByRole('button', { name: 'Start chat' }).click();
    await w.getByText('You are in the queue').waitFor();
    await w.getByText('You are next.').waitFor();
    await shot(page, '03-waiting');

    const nurse = await newStaff();
    const chat = await nurse.take('Pat Patient');
    await w.getByText('Nurse Joy joined the chat.').waitFor();
    await expect(w.getByText('You are in the queue').count()).resolves.toBe(0);

    await sendFromPatient(w, 'Hello from the patient');
    await waitFor(() => chat.messages.some((m) => m.body === 'Hello from the patient'), 'staff got the message');
    await w.getByText('Delivered').waitFor();
    chat.typing(true);
    await w.getByText('Nurse Joy is typing…').waitFor();
    await shot(page, '04-typing');
    await chat.send('Hi Pat, how can I help? See https://example.org/info.');
    await w.getByRole('link', { name: 'https://example.org/info' }).waitFor();
    await expect(w.getByText('Nurse Joy is typing…').count()).resolves.toBe(0);
    const link = w.getByRole('link', { name: 'https://example.org/info' });
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await link.getAttribute('target')).toBe('_blank');

    // Shift+Enter makes a new line; Enter sends.
    const box = w.getByRole('textbox', { name: 'Message' });
    await box.fill('first line');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line');
    await box.press('Enter');
    await waitFor(() => chat.messages.some((m) => m.body === 'first line\nsecond line'), 'multi-line message');
    await chat.markRead();
    await w.getByText('· Read').waitFor();
    await shot(page, '05-chat');

    // Only the token is stored, never a message (P6).
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(stored).toContain('token');
    expect(stored).not.toContain('Hello from the patient');
    expect(stored).not.toContain('rash');

    await w.getByRole('button', { name: 'End chat' }).click();
    await w.getByRole('alertdialog').waitFor();
    await shot(page, '06-confirm-end');
    await w.getByRole('button', { name: 'Yes, end chat' }).click();
    await w.getByRole('heading', { name: 'Chat ended' }).waitFor();
    await shot(page, '07-ended');
    await waitFor(async () => (await events(page, 'medchat-session-ended')).length === 1, 'session-ended event');
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    const [download] = await Promise.all([page.waitForEvent('download'), w.getByRole('link', { name: 'Download transcript' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^medchat-transcript-\d{4}-\d{2}-\d{2}\.txt$/);
    const transcript = readFileSync((await download.path())!, 'utf8');
    expect(transcript).toContain('Chat transcript: Riverside Family Clinic');
    expect(transcript).toContain('You: Hello from the patient');
    expect(transcript).toContain('Nurse Joy: Hi Pat, how can I help?');
    expect(transcript).toContain('Notice: Nurse Joy joined the chat.');

    await w.getByRole('button', { name: 'Start a new chat' }).click();
    await expect(w.getByLabel('Your name').inputValue()).resolves.toBe('Pat Patient');
    const messages = await events(page, 'medchat-message');
    expect(messages.filter((d) => d.message.body === 'Hello from the patient')).toHaveLength(1);
    expect((await events(page, 'medchat-open')).length).toBe(1);
    await nurse.close();
    await expectClean(page);
  }, TEST_TIMEOUT_MS);

  test('a reload and a second tab resume the same chat and history', async () => {
    const context = await newContext();
    const { page, w } = await openPage(context);
    await startChat(w, 'Robin Reload', 'Prescription refill');
    await sendFromPatient(w, 'Written before the reload');
    await w.getByText('· Sent').waitFor();

    await page.reload();
    await page.waitForFunction(() => window.__medchat.events.some((e) => e.type === 'medchat-ready'));
    expect((await events(page, 'medchat-ready'))[0].resumed).toBe(true);
    await w.getByRole('button', { name: 'Open chat' }).click();
    await w.getByText('Written before the reload').waitFor();
    await w.getByText('You are in the queue').waitFor();
    await shot(page, '08-resumed');

    const second = await openPage(context);
    await second.w.getByRole('button', { name: 'Open chat' }).click();
    await second.w.getByText('Written before the reload').waitFor();
    await sendFromPatient(second.w, 'From the second tab');
    await w.getByText('From the second tab').waitFor();

    await endChat(w);
    await second.w.getByRole('heading', { name: 'Chat ended' }).waitFor();
    await expectClean(page);
    await expectClean(second.page);
  }, TEST_TIMEOUT_MS);

  test('offline: a banner, and a message written offline is sent once on reconnect', async () => {
    const context = await newContext();
    const { page, w } = await openPage(context);
    await startChat(w, 'Olive Offline', 'Question about my results');
    const nurse = await newStaff('nurse.sam@demo.clinic');
    const chat = await nurse.take('Olive Offline');
    await w.getByText('Nurse Sam joined the chat.').waitFor();

    await context.setOffline(true);
    await w.getByText('You are offline.', { exact: false }).waitFor();
    await sendFromPatient(w, 'Typed while offline');
    await shot(page, '09-offline');
    await context.setOffline(false);
    await waitFor(() => chat.messages.some((m) => m.body === 'Typed while offline'), 'offline message delivered', 20_000);
    await expect(w.getByText('You are offline.', { exact: false }).count()).resolves.toBe(0);
    await Bun.sleep(500);
    const page1 = await nurse.client.messages.list(chat.sessionId, { limit: 200 });
    expect(page1.messages.filter((m) => m.body === 'Typed while offline')).toHaveLength(1);
    await expect(w.getByText('Typed while offline').count()).resolves.toBe(1);
    await endChat(w);
    await nurse.close();
    await expectClean(page);
  }, TEST_TIMEOUT_MS);

  test('staff text that looks like HTML shows as text and runs nothing', async () => {
    const context = await newContext();
    const { page, w } = await openPage(context);
    await startChat(w, '<img src=x onerror=alert(3)>', 'XSS check');
    const nurse = await newStaff('dr.lee@demo.clinic');
    const chat = await nurse.take('<img src=x onerror=alert(3)>');
    // Unread badge while the panel is closed; opening clears it.
    await w.getByRole('button', { name: 'Close chat' }).first().click();
    await chat.send('Are you still there?');
    await w.getByRole('button', { name: 'Open chat, 1 unread message' }).waitFor();
    expect(await w.locator('[part="badge"]').textContent()).toBe('1');
    await shot(page, '10-unread-badge');
    await w.getByRole('button', { name: /^Open chat/ }).click();
    await expect(w.locator('[part="badge"]').count()).resolves.toBe(0);
    const corpus = ['<img src=x onerror=alert(1)>', '<script>alert(2)</script>', 'javascript:alert(4)', '<a href="javascript:alert(5)">x</a>', '"><svg onload=alert(6)>'];
    for (const body of corpus) await chat.send(body);
    for (const body of corpus) await w.getByText(body, { exact: true }).waitFor();
    expect(await w.locator('img, script, svg[onload], a[href^="javascript"]').count()).toBe(0);
    await shot(page, '11-xss-as-text');
    await endChat(w);
    await nurse.close();
    await expectClean(page);
  }, TEST_TIMEOUT_MS);

  test('axe-core: no violations in each state, light and dark', async () => {
    for (const theme of ['light', 'dark']) {
      const context = await newContext({ colorScheme: theme as 'light' | 'dark' });
      const { page, w } = await openPage(context, theme === 'dark' ? '?attrs=theme%3D%22dark%22' : '');
      await page.evaluate(axe.source);
      const check = async (state: string) => {
        const { violations, passes } = await page.evaluate(async () => {
          const result = await (window as any).axe.run(document.querySelector('medchat-widget'), { resultTypes: ['violations'] });
          return {
            passes: result.passes.length as number,
            violations: result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => JSON.stringify(n.target)).join(', ')}`),
          };
        });
        expect({ theme, state, violations }).toEqual({ theme, state, violations: [] });
        expect(passes).toBeGreaterThan(10); // axe really looked inside the shadow roots
      };
      await check('launcher');
      await w.getByRole('button', { name: 'Open chat' }).click();
      await w.getByRole('button', { name: 'Start chat' }).click();
      await w.getByText('Please enter your name.').waitFor();
      await check('prechat with errors');
      await w.getByLabel('Your name').fill('Ada Axe');
      await w.getByLabel('Reason for your visit').fill('Accessibility');
      await w.getByRole('button', { name: 'Start chat' }).click();
      await w.getByText('You are next.').waitFor();
      await sendFromPatient(w, 'Checking contrast https://example.org');
      await w.getByText('· Sent').waitFor();
      await check('waiting');
      if (theme === 'dark') await shot(page, '12-dark');
      await w.getByRole('button', { name: 'End chat' }).click();
      await check('confirm');
      await w.getByRole('button', { name: 'Yes, end chat' }).click();
      await w.getByRole('heading', { name: 'Chat ended' }).waitFor();
      await check('ended');
      await expectClean(page);
    }
  }, TEST_TIMEOUT_MS);

  test('keyboard only: the whole flow, with focus where it belongs', async () => {
    const context = await newContext();
    const { page, w } = await openPage(context);
    const kb = page.keyboard;
    const focused = () =>
      page.evaluate(() => {
        let el: Element | null = document.activeElement;
        while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
        return el ? `${el.tagName.toLowerCase()}:${el.getAttribute('aria-label') ?? el.id ?? ''}:${(el.textContent ?? '').trim()}` : '';
      });
    const tabTo = async (pattern: RegExp, key = 'Tab') => {
      for (let i = 0; i < 15 && !pattern.test(await focused()); i++) await kb.press(key);
      expect(await focused()).toMatch(pattern);
    };

    await tabTo(/^button:Open chat/);
    await kb.press('Enter');
    expect(await focused()).toMatch(/^input:name/);
    await kb.type('Kim Keys');
    await kb.press('Tab');
    expect(await focused()).toMatch(/^textarea:reason/);
    await kb.type('Keyboard only');
    await tabTo(/^button::Start chat/);
    await kb.press('Enter');
    await w.getByText('You are in the queue').waitFor();
    await waitFor(async () => /^textarea:text/.test(await focused()), 'focus in the composer');
    await kb.type('Sent with the keyboard');
    await kb.press('Enter');
    await w.getByText('Sent with the keyboard').waitFor();

    await kb.press('Escape');
    expect(await focused()).toMatch(/^button:Open chat/);
    expect(await w.getByRole('dialog').count()).toBe(0);
    await kb.press('Enter');
    await tabTo(/^button::End chat/, 'Shift+Tab');
    await kb.press('Enter');
    expect(await focused()).toMatch(/^button::Keep chatting/);
    await kb.press('Escape');
    expect(await focused()).toMatch(/^button::End chat/);
    await kb.press('Enter');
    await kb.press('Shift+Tab');
    expect(await focused()).toMatch(/^button::Yes, end chat/);
    await shot(page, '13-keyboard-focus');
    await kb.press('Enter');
    await w.getByRole('heading', { name: 'Chat ended' }).waitFor();
    await waitFor(async () => /^a::Download transcript/.test(await focused()), 'focus on the download link');
    await kb.press('Tab');
    expect(await focused()).toMatch(/^button::Start a new chat/);
    await kb.press('Enter');
    await waitFor(async () => /^input:name/.test(await focused()), 'focus back in the form');
    await kb.press('Escape');
    expect(await focused()).toMatch(/^button:Open chat/);
    await expectClean(page);
  }, TEST_TIMEOUT_MS);

  test('loading the script twice (module + classic) defines once and works; full screen on a phone', async () => {
    const context = await newContext({ viewport: { width: 390, height: 800 }, reducedMotion: 'reduce' });
    const { page, w } = await openPage(context, '?twice=1');
    await w.getByRole('button', { name: 'Open chat' }).click();
    const box = await w.locator('[part="panel"]').boundingBox();
    expect([box!.x, box!.y, box!.width, box!.height].map(Math.round)).toEqual([0, 0, 390, 800]);
    await shot(page, '14-phone');
    await expectClean(page);
  }, TEST_TIMEOUT_MS);
});
