/**
 * What a nurse and an admin read in the console, at 1280×800 and 390×844: the chat log follows new messages while
 * she is at the bottom and never jumps while she reads further up; hostile text (right-to-left overrides in a
 * patient's name, reason and message, and in a staff name) stays inside its own box in every view; a 78-character
 * unbroken name never widens the page; the status bar is one row on a desktop; the admin's tables show dates and
 * scroll inside their own frame on a phone. Screenshots go to test-results/console/.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { MedChat, type Session } from '@medchat/sdk';
import type { RunningServer } from '../../server/src/server';
import { launchChromium, VIEWPORTS } from '../helpers/browser';
import { openConsole, overflowsViewport, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';

const JOY = 'nurse.joy@demo.clinic';
const ADMIN = 'admin@demo.clinic';
/** Reads "Nurse Joy" on screen, and reverses whatever follows it unless isolated ("MP 25:20 Nurse Joy"). */
const HOSTILE_NAME = '\u202EyoJ esruN';
const HOSTILE_REASON = 'Invoice \u202Efdp.exe';
const LONG_NAME = 'Maximiliana'.repeat(7) + 'X';

let server: RunningServer;
let browser: Browser;

/** A patient through the SDK (over HTTP) with an open chat. */
async function startPatient(displayName: string, reason: string): Promise<{ client: MedChat; session: Session }> {
  const client = new MedChat({ baseUrl: server.url });
  await client.auth.guest({ siteKey: 'demo', displayName });
  return { client, session: await client.sessions.start({ reason }) };
}

/** The open chat's log, and where its last message sits in it. */
const logState = (page: Page) =>
  page.evaluate(() => {
    const log = [...document.querySelectorAll<HTMLElement>('.message-log')].find((l) => l.checkVisibility())!;
    const last = log.querySelector('.messages > li:last-child')!.getBoundingClientRect();
    const frame = log.getBoundingClientRect();
    return {
      scrollTop: log.scrollTop,
      isScrollable: log.scrollHeight > log.clientHeight,
      lastInView: last.bottom <= frame.bottom + 2 && last.bottom > frame.top,
    };
  });

/**
 * Text nodes holding a bidi control whose element does not isolate exactly that text: such text reorders what
 * is around it. Isolated means `<bdi>`, an element with `dir`, or `unicode-bidi: isolate`/`plaintext`.
 */
const unisolatedText = (page: Page) =>
  page.evaluate(() => {
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
      if (!/[\u202A-\u202E\u2066-\u2069]/.test(node.data)) continue;
      const element = node.parentElement!;
      const isolates = ['isolate', 'plaintext', 'isolate-override'].includes(getComputedStyle(element).unicodeBidi);
      if (!isolates || element.textContent !== node.data) found.push(`<${element.tagName.toLowerCase()} class="${element.className}">${element.textContent}`);
    }
    return found;
  });

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('what the console shows (browser)', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    await server.ctx.db.execute(sql`update users set capacity = 5 where email = ${JOY}`);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const viewport of ['desktop', 'phone'] as const) {
    test(`${viewport}: the log follows new messages at the bottom; scrolled up, nothing jumps and "New messages" appears`, async () => {
      const { page, guard } = await openConsole(browser, server, JOY, viewport);
      await page.getByLabel('Availability').selectOption('available');
      const name = `Scroll ${viewport}`;
      const { client, session } = await startPatient(name, 'Rash on both arms');
      await page.getByRole('tab', { name: new RegExp(name) }).click();
      const send = (body: string) => client.messages.send(session.id, { body });
      const shown = (body: string) => page.locator('.chat:not([hidden]) .message-patient .body', { hasText: body }).waitFor();
      // Ended whatever happens, so that a failure here leaves no chat in the next test's list.
      const ended = () => client.sessions.end(session.id).catch(() => {});
      try {
        // Several short messages (the log starts to scroll), one of 450 characters, then more.
        for (let i = 1; i <= 10; i++) await send(`Short message ${i}`);
        await shown('Short message 10');
        expect(await logState(page)).toMatchObject({ isScrollable: true, lastInView: true });
        await send(`It started on Monday ${'and it itches more every evening, '.repeat(13)}end.`);
        await shown('end.');
        expect((await logState(page)).lastInView).toBe(true);
        for (let i = 1; i <= 3; i++) await send(`After the long one ${i}`);
        await shown('After the long one 3');
        expect((await logState(page)).lastInView).toBe(true);
        await expect(page.getByRole('button', { name: /New messages/ }).isVisible()).resolves.toBe(false);
        await shot(page, `text-01-log-follows-${viewport}`);

        // The nurse scrolls up to read: new messages do not move what she reads; a control offers them.
        await page.locator('.message-log:visible').evaluate((log) => log.scrollTo({ top: 0 }));
        await page.waitForFunction(() => document.querySelector<HTMLElement>('.chat:not([hidden]) .message-log')!.scrollTop === 0);
        await send('Are you still there?');
        await send('Hello?');
        const newMessages = page.getByRole('button', { name: /New messages/ });
        await newMessages.waitFor();
        expect((await logState(page)).scrollTop).toBe(0);
        await shot(page, `text-02-new-messages-${viewport}`);
        expect(await seriousA11yViolations(page)).toEqual([]);
        await newMessages.click();
        await page.waitForFunction(() => !document.querySelector('.new-messages')!.checkVisibility());
        expect((await logState(page)).lastInView).toBe(true);

        // Her own reply always brings the log to the bottom.
        await page.locator('.message-log:visible').evaluate((log) => log.scrollTo({ top: 0 }));
        const reply = page.getByLabel(`Reply to ${name}`);
        await reply.fill('Yes, I am here. Can you send a photo?');
        await reply.press('Enter');
        await page.locator('.message-own', { hasText: 'Can you send a photo?' }).waitFor();
        await page.waitForFunction(() => {
          const log = document.querySelector<HTMLElement>('.chat:not([hidden]) .message-log')!;
          return log.scrollHeight - log.scrollTop - log.clientHeight < 24;
        });
      } finally {
        await ended();
      }
      await guard.assertClean();
      await page.context().close();
    }, 60_000);
  }

  test('hostile and long text stays in its own box in every view, and never widens the page', async () => {
    // The server may refuse bidi controls in names, so the hostile name and reason are written into the database
    // after the patient signed in with an ordinary one. A staff name and a message carry them too.
    await server.ctx.db.execute(sql`update users set availability = 'offline' where email = ${JOY}`);
    const hostile = await startPatient('Hostile Patient', 'Invoice');
    await server.ctx.db.execute(sql`update users set display_name = ${HOSTILE_NAME} where id = ${hostile.session.patient.id}`);
    await server.ctx.db.execute(sql`update chat_sessions set reason = ${HOSTILE_REASON} where id = ${hostile.session.id}`);
    await server.ctx.db.execute(sql`update users set display_name = ${'Nurse \u202Eyoj'} where email = ${JOY}`);
    const long = await startPatient(LONG_NAME, `${'Unbroken'.repeat(12)} reason`);

    const { page, guard } = await openConsole(browser, server, JOY);
    await page.locator('.queue-entry').nth(1).waitFor();
    expect(await unisolatedText(page)).toEqual([]);
    expect(await overflowsViewport(page)).toBe(false);

    await page.getByLabel('Availability').selectOption('available');
    await page.getByRole('tab').nth(1).waitFor();
    await hostile.client.messages.send(hostile.session.id, { body: 'Please pay \u202Egnp.exe today' });
    await long.client.messages.send(long.session.id, { body: 'A'.repeat(300) });
    await page.getByRole('tab').first().click();
    await page.locator('.message-patient', { hasText: 'Please pay' }).waitFor();
    await page.locator('.chat:not([hidden])').getByText('Assignment history').click();
    await page.locator('.chat:not([hidden]) .history .trail li').waitFor();
    const typing = hostile.client.chat(hostile.session.id);
    // A typing frame goes out only on an open socket.
    if (hostile.client.state !== 'open') await new Promise<void>((resolve) => hostile.client.on('state', ({ state }) => state === 'open' && resolve()));
    typing.typing(true);
    await page.locator('.chat:not([hidden]) .typing', { hasText: 'is typing…' }).waitFor();
    expect(await unisolatedText(page)).toEqual([]);
    typing.close();
    hostile.client.disconnect();
    expect(await overflowsViewport(page)).toBe(false);
    await shot(page, 'text-03-hostile-desktop');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'text-03-hostile-desktop-dark');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });

    // The status bar is one row at 1280 px: every control it shows overlaps the same line.
    const isOneRow = await page.locator('.status-bar').evaluate((bar) => {
      const boxes = [...bar.children].filter((e) => e.checkVisibility()).map((e) => e.getBoundingClientRect());
      return Math.max(...boxes.map((b) => b.top)) < Math.min(...boxes.map((b) => b.bottom));
    });
    expect(isOneRow).toBe(true);

    await page.getByRole('tab', { name: /Maximiliana/ }).click();
    await page.locator('.message-patient', { hasText: 'AAAA' }).waitFor();
    expect(await overflowsViewport(page)).toBe(false);
    await shot(page, 'text-04-long-name-desktop');

    await page.setViewportSize(VIEWPORTS.phone);
    expect(await overflowsViewport(page)).toBe(false);
    await shot(page, 'text-05-long-name-phone');
    await page.getByRole('button', { name: 'All chats' }).click();
    expect(await overflowsViewport(page)).toBe(false);
    expect(await unisolatedText(page)).toEqual([]);
    await shot(page, 'text-06-list-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await guard.assertClean();

    // The admin's overview: isolated text, start times with their date, tables that scroll inside their frame.
    for (const viewport of ['desktop', 'phone'] as const) {
      const admin = await openConsole(browser, server, ADMIN, viewport);
      const row = admin.page.locator(`tr[data-session-id="${hostile.session.id}"]`);
      await row.waitFor();
      expect(await row.locator('time').innerText()).toContain(String(new Date().getFullYear()));
      expect(await unisolatedText(admin.page)).toEqual([]);
      expect(await overflowsViewport(admin.page)).toBe(false);
      await shot(admin.page, `text-07-admin-${viewport}`);
      expect(await seriousA11yViolations(admin.page)).toEqual([]);
      await admin.guard.assertClean();
      await admin.page.context().close();
    }
    await page.context().close();
  }, 90_000);
});
