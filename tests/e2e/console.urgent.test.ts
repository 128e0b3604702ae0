/**
 * Urgent patients in the staff console: a patient who answered yes to a red-flag question comes first in the queue
 * with an "Urgent" badge, an urgent arrival is announced to an available nurse, and a nurse raises a routine
 * patient's priority with a reason, which the trail keeps. Desktop and phone; screenshots in test-results/console.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { MedChat } from '@medchat/sdk';
import type { RunningServer } from '../../server/src/server';
import { launchChromium } from '../helpers/browser';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { openConsole, overflowsViewport, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';
import { query } from '../helpers/digest';

// A browser on a loaded 2-core machine is slow; nothing here asserts on time.
setDefaultTimeout(60_000);

const JOY = 'nurse.joy@demo.clinic';
let server: RunningServer;
let browser: Browser;
let chest = '';

/** A patient starts a chat through the SDK, answering the clinic's one red-flag question. */
async function patient(name: string, yes: boolean) {
  const client = new MedChat({ baseUrl: server.url });
  await client.auth.guest({ siteKey: 'demo', displayName: name });
  return client.sessions.start({ reason: `${name}'s question`, intake: { redFlags: [{ id: chest, answer: yes }] } });
}

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: urgent patients (browser)', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    // Joy is available but takes no chat (capacity 0), so the queue stays as it is while she watches it.
    await server.ctx.db.execute(sql`update users set capacity = 0 where email = ${JOY}`);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('desktop: urgent first with its badge, an urgent arrival announced, a priority raised with a reason', async () => {
    // The admin writes the question through the API; the console's editor is the admin overview's (not this test's).
    const admin = new MedChat({ baseUrl: server.url });
    await admin.auth.login({ email: 'admin@demo.clinic', password: DEMO_PASSWORD });
    const intake = await fetch(`${server.url}/api/v1/clinic/intake`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin.auth.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ redFlags: [{ text: 'Chest pain or trouble breathing?' }], emergencyInstructions: 'Call 112 now.' }),
    }).then((r) => r.json() as Promise<{ redFlags: { id: string }[] }>);
    chest = intake.redFlags[0]!.id;

    const routine = await patient('Rosa Routine', false);
    await patient('Uma Urgent', true);
    const nurse = await openConsole(browser, server, JOY);
    const entries = nurse.page.locator('.queue-entry');
    await entries.nth(1).waitFor();
    expect(await entries.first().getAttribute('data-priority')).toBe('urgent');
    await expect(entries.first().locator('.badge-urgent').innerText()).resolves.toBe('Urgent');
    expect(await entries.first().locator('.patient').innerText()).toBe('Uma Urgent');
    await expect(entries.nth(1).locator('.badge-urgent').count()).resolves.toBe(0);

    // Available: a new urgent patient is announced (the queue reorders by itself).
    await nurse.page.getByLabel('Availability').selectOption('available');
    await nurse.page.locator('.queue-entry').first().waitFor();
    await patient('Ivan Urgent', true);
    await nurse.page.getByRole('alert').filter({ hasText: 'An urgent patient is waiting.' }).waitFor();
    await nurse.page.locator('.queue-entry').nth(2).waitFor();
    expect(await nurse.page.locator('.queue-entry .patient').allInnerTexts()).toEqual(['Uma Urgent', 'Ivan Urgent', 'Rosa Routine']);

    // Rosa is raised with a reason: she joins the urgent ones in her place by age (the oldest of all).
    const rosa = nurse.page.locator('.queue-entry', { hasText: 'Rosa Routine' });
    await rosa.getByText('Mark urgent').click();
    await rosa.getByLabel('Why?').fill('Says the pain is spreading to her arm');
    await shot(nurse.page, 'urgent-01-queue-desktop');
    await rosa.getByRole('button', { name: 'Save' }).click();
    await nurse.page.waitForFunction(() => document.querySelector('.queue-entry .patient')?.textContent === 'Rosa Routine');
    expect(await nurse.page.locator('.queue-entry[data-priority="urgent"]').count()).toBe(3);
    const changes = await query(
      server.ctx.db,
      sql`select c.from_priority, c.to_priority, c.reason, u.email from priority_changes c join users u on u.id = c.changed_by where c.session_id = ${routine.id}`,
    );
    expect(changes).toEqual([{ from_priority: 'routine', to_priority: 'urgent', reason: 'Says the pain is spreading to her arm', email: JOY }]);
    await shot(nurse.page, 'urgent-02-raised-desktop');
    expect(await seriousA11yViolations(nurse.page)).toEqual([]);

    // With room for one chat, Joy takes the first in line (Rosa, the oldest urgent one) and lowers it from the chat.
    await server.ctx.db.execute(sql`update users set capacity = 1 where email = ${JOY}`);
    await nurse.page.getByLabel('Availability').selectOption('offline');
    await nurse.page.getByLabel('Availability').selectOption('available');
    const chat = nurse.page.getByRole('tabpanel');
    await chat.getByRole('heading', { name: /Rosa Routine/ }).waitFor();
    await chat.locator('.badge-urgent:not([hidden])').waitFor();
    await chat.getByText('Mark routine').click();
    await chat.getByLabel('Why?').fill('Pain gone after rest, spoke on the phone');
    await chat.getByRole('button', { name: 'Save' }).click();
    await chat.locator('.badge-urgent[hidden]').waitFor({ state: 'attached' });
    await chat.getByText('Mark urgent').waitFor();
    await shot(nurse.page, 'urgent-03-lowered-in-chat-desktop');
    const trail = await query<{ to_priority: string }>(
      server.ctx.db,
      sql`select to_priority from priority_changes where session_id = ${routine.id} order by created_at`,
    );
    expect(trail.map((r) => r.to_priority)).toEqual(['urgent', 'routine']);

    await nurse.page.getByLabel('Availability').selectOption('offline');
    // The announcement is an alert on purpose (read out at once), not an error.
    nurse.guard.allow(/^banner: An urgent patient is waiting\.$/);
    await nurse.guard.assertClean();
    expect(nurse.failures).toEqual([]);
  });

  test('phone: the badge and the order fit the screen', async () => {
    const nurse = await openConsole(browser, server, JOY, 'phone');
    await nurse.page.locator('.queue-entry').nth(2).waitFor();
    // Rosa was lowered and went back to the queue (Joy went offline): she is routine again, after the urgent ones.
    expect(await nurse.page.locator('.queue-entry .badge-urgent').count()).toBe(2);
    expect(await nurse.page.locator('.queue-entry .patient').allInnerTexts()).toEqual(['Uma Urgent', 'Ivan Urgent', 'Rosa Routine']);
    expect(await overflowsViewport(nurse.page)).toBe(false);
    await shot(nurse.page, 'urgent-04-queue-phone');
    await nurse.guard.assertClean();
  });
});
