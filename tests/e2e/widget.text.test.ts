/**
 * Text written by people (staff names, message bodies) is isolated from the text around it (`<bdi>`, `dir="auto"`),
 * so a right-to-left override cannot reorder the widget's own words, and long unbroken text wraps inside the panel
 * instead of widening it. Desktop and phone, guarded pages.
 */
import { describe, expect, test } from 'bun:test';
import { MedChat } from '@medchat/sdk';
import type { Locator } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { ISOLATIONS, panelOf, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

/** Widest right edge of anything inside the element, against the element's own right edge. */
const overflow = (el: Locator) =>
  el.evaluate((root) => {
    const right = root.getBoundingClientRect().right;
    let widest = 0;
    const walk = (node: Element) => {
      widest = Math.max(widest, node.getBoundingClientRect().right);
      for (const child of node.children) walk(child);
      if (node.shadowRoot) for (const child of node.shadowRoot.children) walk(child);
    };
    walk(root);
    return Math.round(widest - right);
  });

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> shows what people wrote as isolated text that wraps (isolation: ${isolation})`, () => {
    const { harness, newContext, openPage, startChat, endChat, newStaff, shot, expectNoSidewaysScroll, expectAxeClean } = useWidgetBrowser({ isolation });

    for (const size of Object.keys(VIEWPORTS) as Viewport[]) {
      test(
        `at ${size} size: a 78-character unbroken name, a 400-character word and a right-to-left override`,
        async () => {
          // A member of staff whose name has no space in it (78 characters).
          const longName = `Dr.${'Abcdefghijklmnopqrstuvwxy'.repeat(3)}`;
          expect(longName).toHaveLength(78);
          const email = `long.name.${size}@demo.clinic`;
          const admin = new MedChat({ baseUrl: harness().server.url });
          await admin.auth.login({ email: 'admin@demo.clinic', password: DEMO_PASSWORD });
          await admin.employees.create({ email, displayName: longName, password: DEMO_PASSWORD });
          await admin.auth.logout();

          const context = await newContext({ size });
          const { page, w, guard } = await openPage(context);
          const patient = `Tess Text ${size}`;
          await startChat(w, patient, 'Hostile text');
          const panel = panelOf(w);
          const widthBefore = (await panel.boundingBox())!.width;

          const nurse = await newStaff(email);
          const chat = await nurse.take(patient);
          await w.getByText('You are now chatting with', { exact: false }).waitFor();
          const word = 'x'.repeat(400);
          await chat.send(word);
          await chat.send('\u202Eolleh \u05e9\u05dc\u05d5\u05dd');
          chat.typing(true);
          await w.getByText('is typing…', { exact: false }).waitFor();
          await w.getByText(word).waitFor();
          await shot(page, `40-long-text-${size}`);
          await expectAxeClean(page, 'long and right-to-left text');

          // Nothing wider than the panel, the panel as wide as before, the page not pushed sideways.
          expect((await panel.boundingBox())!.width).toBe(widthBefore);
          const log = w.locator('[part="message-list"]');
          expect(await log.evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
          expect(await overflow(panel)).toBeLessThanOrEqual(0);
          await expectNoSidewaysScroll(page);

          // Names are isolated wherever they appear, also inside the widget's own sentences; bodies take their
          // direction from their own text, isolated.
          const names = w.locator('bdi').filter({ hasText: longName });
          expect(await names.count()).toBe(4); // the sender of both messages, "You are now chatting with …", "… is typing…"
          for (const style of await names.evaluateAll((nodes) => nodes.map((n) => getComputedStyle(n).unicodeBidi))) expect(style).toBe('isolate');
          await w
            .locator('.system')
            .filter({ hasText: `You are now chatting with ${longName}.` })
            .waitFor();
          const rtl = w.locator('[part~="message"]').filter({ hasText: 'olleh' }).locator('[dir="auto"]');
          expect(await rtl.count()).toBe(1);
          expect(await rtl.evaluate((n) => getComputedStyle(n).unicodeBidi)).toBe('isolate');

          chat.typing(false);
          await endChat(w);
          await nurse.close();
          await guard.assertClean();
        },
        TEST_TIMEOUT_MS,
      );
    }
  });
