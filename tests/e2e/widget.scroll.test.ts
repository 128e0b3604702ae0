/**
 * The conversation follows new messages while the reader is at the bottom, also past a long message; a reader who
 * scrolled up stays where they are and gets a "new messages" button instead. Desktop and phone, guarded pages.
 */
import { describe, expect, test } from 'bun:test';
import type { Locator } from 'playwright-core';
import { ISOLATIONS, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, waitFor, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

/** Pixels between the bottom of the log's content and the bottom of what it shows. */
const distanceFromBottom = (log: Locator) => log.evaluate((el) => Math.round(el.scrollHeight - el.scrollTop - el.clientHeight));

/** The element is inside the visible part of the log. */
async function isInView(log: Locator, item: Locator): Promise<boolean> {
  const [outer, inner] = await Promise.all([log.boundingBox(), item.boundingBox()]);
  return Boolean(outer && inner && inner.y >= outer.y - 1 && inner.y + inner.height <= outer.y + outer.height + 1);
}

const LONG = 'I have had this rash for a week now and it has spread from my elbow to my wrist. '.repeat(6).trim();

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> follows the conversation (isolation: ${isolation})`, () => {
    const { newContext, openPage, startChat, endChat, sendFromPatient, newStaff, shot, expectAxeClean } = useWidgetBrowser({ isolation });

    for (const size of Object.keys(VIEWPORTS) as Viewport[]) {
      test(
        `at ${size} size: follows past a long message; scrolled up, a "new messages" button and no jump`,
        async () => {
          expect(LONG.length).toBeGreaterThan(400);
          const context = await newContext({ size });
          const { page, w, guard } = await openPage(context);
          const name = `Sam Scroll ${size}`;
          await startChat(w, name, 'Long conversation');
          const nurse = await newStaff();
          const chat = await nurse.take(name);
          await w.getByText('You are now chatting with Nurse Joy.').waitFor();
          const log = w.locator('[part="message-list"]');

          // Written one after another, as a patient types them (no waiting for the staff to get each).
          const texts = [...[1, 2, 3, 4, 5, 6].map((i) => `Short message ${i}`), LONG, ...[7, 8, 9].map((i) => `Short message ${i}`)];
          for (const text of texts) await sendFromPatient(w, text);
          await waitFor(() => chat.messages.filter((m) => m.sender?.displayName === name).length === texts.length, 'staff got every message');
          await chat.send('Thanks, I am reading everything. One moment please.');
          const reply = w.getByText('Thanks, I am reading everything.', { exact: false });
          await reply.waitFor();
          await waitFor(async () => (await distanceFromBottom(log)) <= 2, 'the log at the bottom');
          expect(await isInView(log, reply)).toBe(true);
          await shot(page, `20-follows-${size}`);

          // The reader scrolls up: new messages neither move the log nor go unnoticed.
          await log.evaluate((el) => (el.scrollTop = 0));
          await waitFor(async () => (await log.evaluate((el) => el.scrollTop)) === 0, 'scrolled to the top');
          await Bun.sleep(100);
          await chat.send('Could you send a photo of the rash?');
          await chat.send('And how high is your temperature?');
          const jump = w.getByRole('button', { name: '2 new messages' });
          await jump.waitFor();
          await w.getByText('And how high is your temperature?').waitFor();
          expect(await log.evaluate((el) => el.scrollTop)).toBe(0);
          expect(await isInView(log, w.getByText('And how high is your temperature?'))).toBe(false);
          await shot(page, `21-new-messages-${size}`);
          await expectAxeClean(page, 'new messages button');

          await jump.click();
          await waitFor(async () => (await distanceFromBottom(log)) <= 2, 'the log back at the bottom');
          expect(await isInView(log, w.getByText('And how high is your temperature?'))).toBe(true);
          await expect(jump.count()).resolves.toBe(0);

          // At the bottom again, it follows again.
          await chat.send('Thank you.');
          await w.getByText('Thank you.', { exact: true }).waitFor();
          await waitFor(async () => (await distanceFromBottom(log)) <= 2, 'following again');

          await endChat(w);
          await nurse.close();
          await guard.assertClean();
        },
        TEST_TIMEOUT_MS,
      );
    }
  });
