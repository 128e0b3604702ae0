/**
 * <medchat-widget> in real Chromium, on a plain clinic page holding only the embed snippet (under a strict CSP, on
 * another origin than the server), against a real server, with a staff member answering through the SDK. Every
 * page is guarded (tests/helpers/browser.ts): any page error, console error, CSP violation, `medchat-error` or
 * alert banner the test did not expect fails it. Builds the widget first.
 * Skipped when MEDCHAT_SKIP_BROWSER=1 (the Postgres pass of the suite).
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { ISOLATIONS, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, waitFor, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> in a browser (isolation: ${isolation})`, () => {
    const {
      newContext,
      openPage,
      events,
      startChat,
      endChat,
      sendFromPatient,
      newStaff,
      shot: shotAs,
      expectAxeClean,
      chatStorage,
    } = useWidgetBrowser({ isolation });
    const shot = (page: Parameters<typeof shotAs>[0], name: string) => shotAs(page, `${name}-${isolation}`);

    for (const size of Object.keys(VIEWPORTS) as Viewport[])
      test(
        `patient flow at ${size} size: launcher → pre-chat → queue → chat → end (no error) → transcript → new chat`,
        async () => {
          const context = await newContext({ size });
          const { page, host, w, guard } = await openPage(context);
          await shot(page, `01-launcher-${size}`);

          await host.getByRole('button', { name: 'Open chat' }).click();
          await expect(w.getByRole('dialog', { name: 'Chat with Riverside Family Clinic' }).isVisible()).resolves.toBe(true);
          await expect(w.locator('[part="emergency-notice"]').textContent()).resolves.toContain('This chat is not for emergencies.');
          await w.getByRole('button', { name: 'Start chat' }).click();
          await w.getByText('Please enter your name.').waitFor();
          await w.getByText('Please tell us the reason for your visit.').waitFor();
          await shot(page, `02-prechat-errors-${size}`);

          await w.getByLabel('Your name').fill('Pat Patient');
          await w.getByLabel('Reason for your visit').fill('A rash on my arm');
          await w.getByRole('button', { name: 'Start chat' }).click();
          await w.getByText('You are in the queue').waitFor();
          // Nobody is available yet: no place or made-up estimate, but how the answer will reach the patient.
          await w.getByText('To read our answer, come back to this page in this browser.').waitFor();
          await expect(w.getByText('Estimated wait', { exact: false }).count()).resolves.toBe(0);
          await shot(page, `03-waiting-${size}`);

          const nurse = await newStaff();
          const chat = await nurse.take('Pat Patient');
          await w.getByText('You are now chatting with Nurse Joy.').waitFor();
          await expect(w.getByText('You are in the queue').count()).resolves.toBe(0);

          await sendFromPatient(w, 'Hello from the patient');
          await waitFor(() => chat.messages.some((m) => m.body === 'Hello from the patient'), 'staff got the message');
          await w.getByText('Delivered').waitFor();
          chat.typing(true);
          await w.getByText('Nurse Joy is typing…').waitFor();
          await shot(page, `04-typing-${size}`);
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
          await shot(page, `05-chat-${size}`);

          // Only the token is stored, never a message (widget/README.md).
          const stored = await chatStorage(page);
          expect(stored).toContain('token');
          expect(stored).not.toContain('Hello from the patient');
          expect(stored).not.toContain('rash');

          await w.getByRole('button', { name: 'End chat' }).click();
          await w.getByRole('alertdialog').waitFor();
          await shot(page, `06-confirm-end-${size}`);
          await w.getByRole('button', { name: 'Yes, end chat' }).click();
          await w.getByRole('heading', { name: 'Chat ended' }).waitFor();
          await shot(page, `07-ended-${size}`);
          await waitFor(async () => (await events(page, 'medchat-session-ended')).length === 1, 'session-ended event');
          expect(await chatStorage(page)).toBe('{}');

          const [download] = await Promise.all([page.waitForEvent('download'), w.getByRole('link', { name: 'Download transcript' }).click()]);
          expect(download.suggestedFilename()).toMatch(/^medchat-transcript-\d{4}-\d{2}-\d{2}\.txt$/);
          const transcript = readFileSync((await download.path())!, 'utf8');
          expect(transcript).toContain('Chat transcript: Riverside Family Clinic');
          expect(transcript).toContain('You: Hello from the patient');
          expect(transcript).toContain('Nurse Joy: Hi Pat, how can I help?');
          expect(transcript).toContain('Notice: You are now chatting with Nurse Joy.');

          await w.getByRole('button', { name: 'Start a new chat' }).click();
          await expect(w.getByLabel('Your name').inputValue()).resolves.toBe('Pat Patient');
          const messages = await events(page, 'medchat-message');
          if (isolation === 'none') expect(messages.filter((d) => d.message.body === 'Hello from the patient')).toHaveLength(1);
          // Isolated, the page learns only the kind of each message, never its text (widget/README.md).
          else expect(messages.every((d) => JSON.stringify(Object.keys(d)) === '["kind"]') && messages.some((d) => d.kind === 'own')).toBe(true);
          expect((await events(page, 'medchat-open')).length).toBe(1);
          await nurse.close();
          await guard.assertClean();
        },
        TEST_TIMEOUT_MS,
      );

    test(
      'a reload and a second tab resume the same chat and history',
      async () => {
        const context = await newContext();
        const { page, host, w, guard } = await openPage(context);
        await startChat(w, 'Robin Reload', 'Prescription refill');
        await sendFromPatient(w, 'Written before the reload');
        await w.getByText('· Sent').waitFor();

        await page.reload();
        await page.waitForFunction(() => window.__medchat.events.some((e) => e.type === 'medchat-ready'));
        expect((await events(page, 'medchat-ready'))[0].resumed).toBe(true);
        await host.getByRole('button', { name: 'Open chat' }).click();
        await w.getByText('Written before the reload').waitFor();
        await w.getByText('You are in the queue').waitFor();
        await shot(page, '08-resumed');

        const second = await openPage(context);
        await second.host.getByRole('button', { name: 'Open chat' }).click();
        await second.w.getByText('Written before the reload').waitFor();
        await sendFromPatient(second.w, 'From the second tab');
        await w.getByText('From the second tab').waitFor();

        await endChat(w);
        await second.w.getByRole('heading', { name: 'Chat ended' }).waitFor();
        // Known race, seen once in CI: the other tab's sign-out can revoke the shared token while this tab's socket
        // still reconnects, and its ticket request is refused (401). Nothing shows: no banner, no medchat-error (both
        // still checked); only the browser's own resource line in the console.
        for (const g of [guard, second.guard]) g.allow(/^console\.error: Failed to load resource: the server responded with a status of 401/);
        await guard.assertClean();
        await second.guard.assertClean();
      },
      TEST_TIMEOUT_MS,
    );

    test(
      'offline: a banner, and a message written offline is sent once on reconnect',
      async () => {
        const context = await newContext();
        const { page, w, guard } = await openPage(context);
        await startChat(w, 'Olive Offline', 'Question about my results');
        const nurse = await newStaff('nurse.sam@demo.clinic');
        const chat = await nurse.take('Olive Offline');
        await w.getByText('You are now chatting with Nurse Sam.').waitFor();

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
        await guard.assertClean();
      },
      TEST_TIMEOUT_MS,
    );

    test(
      'staff text that looks like HTML shows as text and runs nothing',
      async () => {
        const context = await newContext();
        const { page, host, w, guard } = await openPage(context);
        await startChat(w, '<img src=x onerror=alert(3)>', 'XSS check');
        const nurse = await newStaff('dr.lee@demo.clinic');
        const chat = await nurse.take('<img src=x onerror=alert(3)>');
        // Unread badge while the panel is closed; opening clears it.
        await w.getByRole('button', { name: 'Minimize chat' }).click();
        await chat.send('Are you still there?');
        await host.getByRole('button', { name: 'Open chat, 1 unread message' }).waitFor();
        expect(await host.locator('[part="badge"]').textContent()).toBe('1');
        await shot(page, '10-unread-badge');
        await host.getByRole('button', { name: /^Open chat/ }).click();
        await expect(host.locator('[part="badge"]').count()).resolves.toBe(0);
        const corpus = [
          '<img src=x onerror=alert(1)>',
          '<script>alert(2)</script>',
          'javascript:alert(4)',
          '<a href="javascript:alert(5)">x</a>',
          '"><svg onload=alert(6)>',
        ];
        for (const body of corpus) await chat.send(body);
        for (const body of corpus) await w.getByText(body, { exact: true }).waitFor();
        expect(await w.locator('img, script, svg[onload], a[href^="javascript"]').count()).toBe(0);
        await shot(page, '11-xss-as-text');
        await endChat(w);
        await nurse.close();
        await guard.assertClean();
      },
      TEST_TIMEOUT_MS,
    );

    test(
      'axe-core: no violations in each state, light and dark',
      async () => {
        for (const theme of ['light', 'dark']) {
          const context = await newContext({ colorScheme: theme as 'light' | 'dark' });
          const { page, host, w, guard } = await openPage(context, theme === 'dark' ? '?attrs=theme%3D%22dark%22' : '');
          const check = (state: string) => expectAxeClean(page, `${theme}: ${state}`);
          await check('launcher');
          await host.getByRole('button', { name: 'Open chat' }).click();
          await w.getByRole('button', { name: 'Start chat' }).click();
          await w.getByText('Please enter your name.').waitFor();
          await check('prechat with errors');
          await w.getByLabel('Your name').fill('Ada Axe');
          await w.getByLabel('Reason for your visit').fill('Accessibility');
          await w.getByRole('button', { name: 'Start chat' }).click();
          await w.getByText('To read our answer, come back to this page in this browser.').waitFor();
          await sendFromPatient(w, 'Checking contrast https://example.org');
          await w.getByText('· Sent').waitFor();
          await check('waiting');
          if (theme === 'dark') await shot(page, '12-dark');
          await w.getByRole('button', { name: 'End chat' }).click();
          await check('confirm');
          await w.getByRole('button', { name: 'Yes, end chat' }).click();
          await w.getByRole('heading', { name: 'Chat ended' }).waitFor();
          await check('ended');
          await guard.assertClean();
        }
      },
      TEST_TIMEOUT_MS,
    );

    test(
      'keyboard only: the whole flow, with focus where it belongs',
      async () => {
        const context = await newContext();
        const { page, w, guard } = await openPage(context);
        const kb = page.keyboard;
        // The focused element, through shadow roots and into the chat frame.
        const describeFocus = () => {
          let el: Element | null = document.activeElement;
          while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
          return el ? `${el.tagName.toLowerCase()}:${el.getAttribute('aria-label') ?? el.id ?? ''}:${(el.textContent ?? '').trim()}` : '';
        };
        const focused = async () => {
          const inPage = await page.evaluate(describeFocus);
          const frame = page.frames().find((f) => f.url().includes('/widget/frame'));
          return inPage.startsWith('iframe:') && frame ? frame.evaluate(describeFocus) : inPage;
        };
        // Isolated, some moves of focus cross the page <-> frame messages: they land a moment later.
        const expectFocus = (pattern: RegExp) => waitFor(async () => pattern.test(await focused()), `focus on ${pattern}`, 3000);
        const tabTo = async (pattern: RegExp, key = 'Tab') => {
          for (let i = 0; i < 15 && !pattern.test(await focused()); i++) await kb.press(key);
          expect(await focused()).toMatch(pattern);
        };

        await tabTo(/^button:Open chat/);
        await kb.press('Enter');
        await expectFocus(/^input:name/);
        await kb.type('Kim Keys');
        await kb.press('Tab');
        await expectFocus(/^textarea:reason/);
        await kb.type('Keyboard only');
        await tabTo(/^button::Start chat/);
        await kb.press('Enter');
        await w.getByText('You are in the queue').waitFor();
        await waitFor(async () => /^textarea:text/.test(await focused()), 'focus in the composer');
        await kb.type('Sent with the keyboard');
        await kb.press('Enter');
        await w.getByText('Sent with the keyboard').waitFor();

        await kb.press('Escape');
        await expectFocus(/^button:Open chat/);
        expect(await w.getByRole('dialog').count()).toBe(0);
        await kb.press('Enter');
        await tabTo(/^button::End chat/, 'Shift+Tab');
        await kb.press('Enter');
        await expectFocus(/^button::Keep chatting/);
        await kb.press('Escape');
        await expectFocus(/^button::End chat/);
        await kb.press('Enter');
        await kb.press('Shift+Tab');
        await expectFocus(/^button::Yes, end chat/);
        await shot(page, '13-keyboard-focus');
        await kb.press('Enter');
        await w.getByRole('heading', { name: 'Chat ended' }).waitFor();
        await waitFor(async () => /^a::Download transcript/.test(await focused()), 'focus on the download link');
        await kb.press('Tab');
        await expectFocus(/^button::Start a new chat/);
        await kb.press('Enter');
        await waitFor(async () => /^input:name/.test(await focused()), 'focus back in the form');
        await kb.press('Escape');
        await expectFocus(/^button:Open chat/);
        await guard.assertClean();
      },
      TEST_TIMEOUT_MS,
    );

    test(
      'loading the script twice (module + classic) defines once and works; full screen on a phone',
      async () => {
        const context = await newContext({ size: 'phone', reducedMotion: 'reduce' });
        const { page, host, guard } = await openPage(context, '?twice=1');
        await host.getByRole('button', { name: 'Open chat' }).click();
        const box = await host.locator('[part="panel"]').boundingBox();
        expect([box!.x, box!.y, box!.width, box!.height].map(Math.round)).toEqual([0, 0, VIEWPORTS.phone.width, VIEWPORTS.phone.height]);
        await shot(page, '14-phone');
        await guard.assertClean();
      },
      TEST_TIMEOUT_MS,
    );
  });
