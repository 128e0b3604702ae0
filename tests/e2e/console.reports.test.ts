/**
 * The admin's reports in the staff console, in a real browser against a real server with chats seeded at known
 * times (the demo clinic keeps UTC): the figures table, the chart, the per-hour switch and the CSV download show
 * what was seeded, under the console's strict CSP. Desktop and phone; screenshots in test-results/console/.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server';
import { launchChromium } from '../helpers/browser';
import { openConsole, overflowsViewport, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';
import { query } from '../helpers/digest';
import { seedChat } from '../helpers/report-seed';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

let server: RunningServer;
let browser: Browser;

/** The cells of each row of the figures table, the row's header first. */
const tableRows = (page: Page, part: 'tbody' | 'tfoot') =>
  page.locator(`.report-table ${part} tr`).evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent?.trim() ?? '')));

async function showReport(page: Page, from: string, to: string, rows: 'Per day' | 'Per hour') {
  const form = page.getByRole('form', { name: 'Reports' });
  await form.scrollIntoViewIfNeeded();
  // Scoped to the form: the FHIR export below it has its own From and To.
  await form.getByLabel('From').fill(from);
  await form.getByLabel('To', { exact: true }).fill(to);
  await page.getByLabel('Rows').selectOption({ label: rows });
  await page.getByRole('button', { name: 'Show report' }).click();
  await page.locator('.reports [role="status"]').getByText(`${from} to ${to}, ${rows.toLowerCase()}, in UTC time.`).waitFor();
}

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: reports (browser)', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchChromium();
    const db = server.ctx.db;
    const staff = await query<{ email: string; id: string; clinic_id: string }>(
      db,
      sql`select email, id, clinic_id from users where email like '%@demo.clinic'`,
    );
    const id = (email: string) => staff.find((s) => s.email === email)!.id;
    const clinicId = staff[0]!.clinic_id;
    const joy = id('nurse.joy@demo.clinic');
    const sam = id('nurse.sam@demo.clinic');
    await seedChat(db, clinicId, '2026-03-02T09:00:00Z', [{ employeeId: joy, after: 30, until: 900, end: 'session_ended' }], { by: joy, after: 90 });
    await seedChat(
      db,
      clinicId,
      '2026-03-02T10:00:00Z',
      [
        { employeeId: sam, after: 60, until: 600, end: 'left' },
        { employeeId: joy, after: 600, until: 1200, start: 'after_leave', end: 'session_ended' },
      ],
      { by: sam, after: 120 },
      'urgent',
    );
    await seedChat(db, clinicId, '2026-03-03T12:00:00Z');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the admin sees the seeded figures by day, the chart, chats per employee, by hour, and downloads the CSV', async () => {
    const { page, guard } = await openConsole(browser, server, 'admin@demo.clinic');
    await showReport(page, '2026-03-02', '2026-03-03', 'Per day');
    const header = await page.locator('.report-table thead th').allTextContents();
    expect(header.slice(0, 8)).toEqual([
      'Day',
      'Chats started',
      'After hours',
      'Urgent',
      'To an employee, median',
      'To an employee, 90%',
      'To a first reply, median',
      'To a first reply, 90%',
    ]);
    expect(header.slice(8, 12)).toEqual(['Ended: left', 'Ended: disconnected', 'Ended: chat ended', 'Ended: removed by an admin']);
    // Waits for an employee 30 and 60 s; first replies 90 and 120 s; one hand-over, two ended with the chat.
    expect((await tableRows(page, 'tbody')).map((r) => r.slice(0, 12))).toEqual([
      ['2026-03-02', '2', '0', '1', '45 s', '57 s', '1 min 45 s', '1 min 57 s', '1', '0', '2', '0'],
      ['2026-03-03', '1', '0', '0', '–', '–', '–', '–', '0', '0', '0', '0'],
    ]);
    expect((await tableRows(page, 'tfoot')).map((r) => r.slice(0, 12))).toEqual([
      ['Total', '3', '0', '1', '45 s', '57 s', '1 min 45 s', '1 min 57 s', '1', '0', '2', '0'],
    ]);
    // The chart (Chart.js, on a canvas) names each row's figures in its fallback content, for screen readers.
    expect(await page.locator('.report-chart canvas li').allTextContents()).toEqual([
      '2026-03-02: 2 chats, 0 after hours, 1 urgent',
      '2026-03-03: 1 chat, 0 after hours, 0 urgent',
    ]);
    expect(await page.locator('.reports tr[data-employee-id]').evaluateAll((rows) => rows.map((r) => r.textContent))).toEqual(['Nurse Joy2', 'Nurse Sam1']);
    await shot(page, '50-admin-reports');
    expect(await seriousA11yViolations(page)).toEqual([]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('report-2026-03-02-2026-03-03-day.csv');
    const csv = (await readFile((await download.path())!, 'utf8')).split('\r\n');
    expect(csv[0]).toStartWith('start,label,chats_started,after_hours,urgent,');
    expect(csv.slice(1, 4).map((l) => l.split(',').slice(0, 11).join(','))).toEqual([
      '2026-03-02T00:00:00.000Z,2026-03-02,2,0,1,2,45,57,2,105,117',
      '2026-03-03T00:00:00.000Z,2026-03-03,1,0,0,0,,,0,,',
      ',total,3,0,1,2,45,57,2,105,117',
    ]);

    await showReport(page, '2026-03-02', '2026-03-02', 'Per hour');
    const hours = await tableRows(page, 'tbody');
    expect(hours).toHaveLength(24);
    expect(hours.filter((r) => r[1] !== '0').map((r) => r.slice(0, 5))).toEqual([
      ['2026-03-02 09:00', '1', '0', '0', '30 s'],
      ['2026-03-02 10:00', '1', '0', '1', '1 min'],
    ]);
    await guard.assertClean();
  });

  test('a range the server refuses says why; at phone size the report fits the screen', async () => {
    const { page, guard } = await openConsole(browser, server, 'admin@demo.clinic', 'phone');
    const form = page.getByRole('form', { name: 'Reports' });
    await form.scrollIntoViewIfNeeded();
    await form.getByLabel('From').fill('2026-03-03');
    await form.getByLabel('To', { exact: true }).fill('2026-03-02');
    await page.getByRole('button', { name: 'Show report' }).click();
    await page
      .locator('.reports [role="status"]')
      .getByText(/^Could not load the report: /)
      .waitFor();
    // The browser logs the refused request; that one line is expected.
    guard.allow(/status of 400/);

    await showReport(page, '2026-03-02', '2026-03-03', 'Per day');
    expect((await tableRows(page, 'tfoot'))[0]!.slice(0, 2)).toEqual(['Total', '3']);
    expect(await overflowsViewport(page)).toBe(false);
    await page.locator('.report-chart').scrollIntoViewIfNeeded();
    await shot(page, '51-admin-reports-phone');
    await guard.assertClean();
  });
});
