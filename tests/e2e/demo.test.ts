/**
 * The demo as `npm start` serves it (startDemo: API, clinic page, staff console, all with their real headers), in
 * Chromium: a patient chats from the clinic page while a nurse answers in the console, and neither page trips its
 * Content-Security-Policy (docs/requirements.md#input). tests/security/headers.test.ts checks the headers themselves.
 * Skipped when MEDCHAT_SKIP_BROWSER=1 (the Postgres pass of the suite).
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../../server/src/config';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { startDemo, type DemoServer } from '../../server/src/demo';
import { chatSurface } from '../helpers/browser';

setDefaultTimeout(60_000);

let demo: DemoServer;
let browser: Browser;
/** Page errors, console errors and CSP violations of every page: a clean run has none. */
const problems: string[] = [];

async function open(path: string, name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  context.setDefaultTimeout(15_000);
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  // Failed loads are caught by status below; the browser's own favicon request (the clinic page has none) is not.
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(`${name}: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`${name}: ${e.message}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${name}: ${r.status()} ${r.url()}`));
  await page.goto(demo.origin + path);
  return page;
}

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('the demo pages in a browser, under their own CSP', () => {
  beforeAll(async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', MEDCHAT_DATA_DIR: 'memory://' });
    [demo, browser] = await Promise.all([
      startDemo(config),
      chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  test('a patient on the clinic page chats with a nurse in the console', async () => {
    const nurse = await open('/console/', 'console');
    await nurse.getByLabel('Email').fill('nurse.joy@demo.clinic');
    await nurse.getByLabel('Password').fill(DEMO_PASSWORD);
    await nurse.getByRole('button', { name: 'Sign in' }).click();
    await nurse.locator('.connection[data-state="open"]').waitFor();
    await nurse.getByLabel('Availability').selectOption('available');

    const clinic = await open('/', 'clinic page');
    // The launcher is in the page; the chat, in the frame the widget shows (on the server's origin).
    await clinic.locator('medchat-widget').getByRole('button', { name: 'Open chat' }).click();
    const w = chatSurface(clinic);
    // The demo clinic asks its red-flag questions first: no to each.
    const noes = w.getByRole('radio', { name: 'No' });
    await noes.first().waitFor();
    for (let i = 0; i < (await noes.count()); i++) await noes.nth(i).check();
    await w.getByLabel('Your name').fill('Dana Demo');
    await w.getByLabel('Reason for your visit').fill('A question about my prescription');
    await w.getByRole('button', { name: 'Start chat' }).click();
    await w.getByText('You are now chatting with Nurse Joy.').waitFor();

    const box = w.getByRole('textbox', { name: 'Message' });
    await box.fill('Hello from the clinic page');
    await box.press('Enter');
    await nurse.locator('.message-patient', { hasText: 'Hello from the clinic page' }).waitFor();
    const reply = nurse.getByLabel('Reply to Dana Demo');
    await reply.fill('Hello Dana, how can I help?');
    await reply.press('Enter');
    await w.getByText('Hello Dana, how can I help?').waitFor();

    // The demo's quick replies: / in the composer lists them.
    await reply.fill('/hours');
    await nurse.getByRole('option', { name: /\/hours/ }).waitFor();
    await reply.press('Enter');
    expect(await reply.inputValue()).toContain('Monday to Friday');

    expect(problems).toEqual([]);
  });
});
