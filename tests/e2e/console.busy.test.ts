/**
 * A busy shift in the staff console, at the largest capacity a clinic can set (50), under the server's default
 * limits (25 HTTP requests per second per user, bursts of 100; 20 socket frames per second): Nurse Joy takes 50
 * chats, patients write in all of them, she goes offline (every chat goes back to the queue) and available again
 * (every chat comes back). Her own console must never be refused (no 429, no `rate_limited` frame), and every chat
 * stays listed. Then the same console on a phone: the list of chats and the open chat switch views.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { CLOSE_CODES, MedChat } from '@medchat/sdk';
import type { RunningServer } from '../../server/src/server';
import { launchChromium, VIEWPORTS } from '../helpers/browser';
import { busiestSecond, openConsole, overflowsViewport, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';

const JOY = 'nurse.joy@demo.clinic';
const CHATS = 50;

let server: RunningServer;
let browser: Browser;

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console on a busy shift (browser)', () => {
  beforeAll(async () => {
    // Only the sign-in limit is lifted: the test signs 50 patients in from one address within a minute.
    server = await startConsoleServer({ SIGN_INS_PER_MINUTE: '1000' });
    await server.ctx.db.execute(sql`update users set capacity = ${CHATS} where email = ${JOY}`);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('50 chats, traffic, offline and back: zero 429s, every chat listed, the list and the chat switch on a phone', async () => {
    // 50 patients wait before Joy signs in (through the SDK, over HTTP only).
    const patients = await Promise.all(
      Array.from({ length: CHATS }, async (_, i) => {
        const client = new MedChat({ baseUrl: server.url });
        await client.auth.guest({ siteKey: 'demo', displayName: `Patient ${String(i + 1).padStart(2, '0')}` });
        const session = await client.sessions.start({ reason: `Question ${i + 1}` });
        return { client, session };
      }),
    );

    const { page, guard, failures, requests } = await openConsole(browser, server, JOY);
    await page
      .locator('.queue-entry')
      .nth(CHATS - 1)
      .waitFor();

    // Available: the engine hands her all 50 at once.
    await page.getByLabel('Availability').selectOption('available');
    await page
      .locator('#load')
      .filter({ hasText: `${CHATS} / ${CHATS}` })
      .waitFor({ timeout: 30_000 });
    await page.waitForFunction((n) => document.querySelectorAll('[role="tab"]').length === n, CHATS);

    // Traffic: every patient writes twice; every chat receives it.
    await Promise.all(patients.map(({ client, session }) => client.messages.send(session.id, { body: `First line from ${session.reason}` })));
    await Promise.all(patients.map(({ client, session }) => client.messages.send(session.id, { body: `Second line from ${session.reason}` })));
    await page.waitForFunction((n) => document.querySelectorAll('.message-patient').length === 2 * n, CHATS, { timeout: 30_000 });
    await shot(page, 'busy-01-fifty-chats');

    // Offline: every chat goes back to the queue. Available again after a break: they all come back.
    await page.getByLabel('Availability').selectOption('offline');
    await page
      .locator('#load')
      .filter({ hasText: `0 / ${CHATS}` })
      .waitFor({ timeout: 30_000 });
    await page
      .getByRole('tab', { name: /transferred/ })
      .nth(CHATS - 1)
      .waitFor();
    // A break longer than the engine's rejoin cooldown (a chat she left is not offered to her again for 2 min).
    await server.ctx.db.execute(sql`update chat_sessions set left_at = left_at - interval '3 minutes' where left_at is not null`);
    await page.getByLabel('Availability').selectOption('available');
    await page
      .locator('#load')
      .filter({ hasText: `${CHATS} / ${CHATS}` })
      .waitFor({ timeout: 30_000 });
    expect(await page.getByLabel('Availability').inputValue()).toBe('available');
    expect(await page.getByRole('tab').count()).toBe(CHATS);
    expect(await page.getByRole('tab', { name: /transferred/ }).count()).toBe(0);

    // A patient writes in the last chat: it arrives, and choosing it shows it.
    const last = patients[CHATS - 1]!;
    await last.client.messages.send(last.session.id, { body: 'Still there?' });
    await page.getByRole('tab', { name: /Patient 50/ }).click();
    await page.locator('.message-patient', { hasText: 'Still there?' }).waitFor();
    await shot(page, 'busy-02-desktop-chat');
    expect(await overflowsViewport(page)).toBe(false);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Her connection drops and comes back: the console subscribes to all 50 chats again, without one refused
    // frame (a refusal leaves that chat deaf, with an error in its panel), and every chat is live again.
    for (const conn of [...server.hub.conns.values()]) if (conn.actor.role !== 'patient') server.hub.close(conn, CLOSE_CODES.goingAway, 'network change');
    await page.locator('.connection[data-state="reconnecting"]').waitFor();
    await page.locator('.connection[data-state="open"]').waitFor();
    await Promise.all(patients.map(({ client, session }) => client.messages.send(session.id, { body: `Back again from ${session.reason}` })));
    await page.waitForFunction((n) => document.querySelectorAll('.message-patient').length === 3 * n + 1, CHATS, { timeout: 30_000 });
    expect(await page.locator('.chat .error').evaluateAll((nodes) => nodes.map((n) => n.textContent).filter(Boolean))).toEqual([]);

    // Reads follow what changed: no request per chat or per event. Every second stays under the limit's rate
    // (the burst allowance is never needed), and the whole shift costs fewer requests than there are chats.
    expect(busiestSecond(requests)).toBeLessThanOrEqual(25);
    expect(requests.length).toBeLessThan(CHATS);

    // A phone: the list of chats first; choosing one shows the chat alone, with a way back to the list.
    await page.setViewportSize(VIEWPORTS.phone);
    const backToChats = page.getByRole('button', { name: 'All chats' });
    if (await backToChats.isVisible()) await backToChats.click();
    await page.getByRole('tab', { name: /Patient 07/ }).waitFor();
    expect(await page.locator('.chat:not([hidden])').isVisible()).toBe(false);
    await shot(page, 'busy-03-phone-list');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('tab', { name: /Patient 07/ }).click();
    await page.locator('.message-patient', { hasText: 'Second line from Question 7' }).waitFor();
    expect(await page.getByRole('tab', { name: /Patient 07/ }).isVisible()).toBe(false);
    await shot(page, 'busy-04-phone-chat');
    expect(await overflowsViewport(page)).toBe(false);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await backToChats.click();
    await page.getByRole('tab', { name: /Patient 07/ }).waitFor();

    expect(failures).toEqual([]);
    await guard.assertClean();
    await page.context().close();
  }, 180_000);
});
