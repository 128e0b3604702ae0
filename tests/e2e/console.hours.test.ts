/**
 * The admin's opening hours in the staff console, in a real browser against a real server: the form shows the
 * clinic's hours, saving replaces them (the public lookup follows at once), and a schedule the server refuses
 * says why and changes nothing. Desktop and phone; screenshots in test-results/console/.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../server/src/server';
import { launchChromium, VIEWPORTS } from '../helpers/browser';
import { openConsole, overflowsViewport, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

let server: RunningServer;
let browser: Browser;

const publicHours = async () => (await (await fetch(`${server.url}/api/v1/clinics/demo`)).json()).hours;

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: opening hours (browser)', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the admin sets hours, closed dates and the after-hours text; a refused schedule says why and changes nothing', async () => {
    const { page, guard } = await openConsole(browser, server, 'admin@demo.clinic');
    const form = page.getByRole('form', { name: 'Opening hours' });
    await form.waitFor();
    // A clinic that never set hours: open around the clock.
    await expect(page.getByLabel('Time zone').inputValue()).resolves.toBe('UTC');
    expect(await page.getByLabel(/Use these opening hours/).isChecked()).toBe(false);

    await page.getByLabel(/Use these opening hours/).check();
    await page.getByLabel('Time zone').fill('Europe/Madrid');
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) await page.getByLabel(day, { exact: true }).fill('9:00-13:00, 15:00–19:00');
    await page.getByLabel(/Closed dates/).fill('2026-12-25\n2027-01-06');
    await page.getByLabel(/What patients read/).fill('We answer weekdays.\nIn an emergency call 112.');
    await page.getByRole('button', { name: 'Save opening hours' }).click();
    await form.getByRole('status').getByText('Saved.').waitFor();
    // Shown as stored: times padded, one interval list per day.
    await expect(page.getByLabel('Monday', { exact: true }).inputValue()).resolves.toBe('09:00-13:00, 15:00-19:00');
    await expect(page.getByLabel('Saturday', { exact: true }).inputValue()).resolves.toBe('');
    const stored = await publicHours();
    expect(stored.afterHoursText).toBe('We answer weekdays.\nIn an emergency call 112.');
    expect(stored.nextOpenAt).not.toBeNull();
    await shot(page, '40-admin-hours');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Overlapping intervals: refused by the server, the form says so, nothing stored.
    await page.getByLabel('Saturday', { exact: true }).fill('09:00-12:00, 11:00-14:00');
    await page.getByRole('button', { name: 'Save opening hours' }).click();
    await form
      .getByRole('status')
      .getByText(/^Not saved:/)
      .waitFor();
    // Not a time at all: caught before sending.
    await page.getByLabel('Saturday', { exact: true }).fill('mornings');
    await page.getByRole('button', { name: 'Save opening hours' }).click();
    await form
      .getByRole('status')
      .getByText(/^Saturday: write times as/)
      .waitFor();
    expect(await publicHours()).toEqual(stored);
    // The browser logs the refused request; that one line is expected.
    guard.allow(/status of 400/);
    await guard.assertClean();
  });

  test('at phone size the form fits the screen', async () => {
    const { page, guard } = await openConsole(browser, server, 'admin@demo.clinic', 'phone');
    await page.getByRole('form', { name: 'Opening hours' }).scrollIntoViewIfNeeded();
    await expect(page.getByLabel('Time zone').inputValue()).resolves.toBe('Europe/Madrid');
    expect(await overflowsViewport(page)).toBe(false);
    expect(VIEWPORTS.phone.width).toBe(390);
    await shot(page, '41-admin-hours-phone');
    await guard.assertClean();
  });
});
