/**
 * Photos and PDFs in <medchat-widget>, on the strict-CSP clinic page, with Nurse Joy in the staff console. The
 * patient attaches a photo with the button, pastes another, drops a PDF on the chat; an upload held on the wire shows
 * its progress bar and is cancelled; a file over the clinic's limit is refused before it leaves (and, when the clinic
 * lowered its limit after the page loaded, by the server with the new limit), a text file named like a photo by the
 * server, each with its reason; an upload whose connection drops is retried and stored once. Joy sees the patient's
 * photo and opens it; her photo reaches the patient, who opens it full size, downloads the PDF and finds the files in
 * the transcript. Both isolations, desktop and phone (a touch phone: "Take a photo" opens the camera). Screenshots in
 * test-results/widget and test-results/console.
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import type { Locator, Page, Route } from 'playwright-core';
import { attachments, chatSessions, clinics } from '../../server/src/db/schema';
import { openConsole, shot as consoleShot } from '../helpers/console';
import { pdf, photoWithGps, png } from '../helpers/files';
import { focusedId, ISOLATIONS, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, waitFor, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

/** What the guard may see on purpose: the refusals (413, 415) and the dropped connection, as console lines and codes. */
const EXPECTED = [/413|415|ERR_CONNECTION_RESET|ERR_FAILED/, /file_too_large|unsupported_file_type|connection_error/];

/** Files handed to the page as the clipboard or a drag would: built in the chat's own window from bytes. */
async function dispatchFiles(target: Locator, kind: 'paste' | 'drop', name: string, type: string, bytes: Buffer) {
  await target.evaluate(
    (el, { kind, name, type, data }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type }));
      const init = { bubbles: true, composed: true, cancelable: true };
      if (kind === 'paste') el.dispatchEvent(new ClipboardEvent('paste', { ...init, clipboardData: transfer }));
      else for (const event of ['dragover', 'drop']) el.dispatchEvent(new DragEvent(event, { ...init, dataTransfer: transfer }));
    },
    { kind, name, type, data: bytes.toString('base64') },
  );
}

/** The image has loaded (under the page's and the frame's CSP): it has pixels. */
const hasPixels = (img: Locator) => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0);

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget>: attachments (isolation: ${isolation})`, () => {
    const {
      harness,
      browser,
      newContext,
      openPage,
      events,
      startChat,
      endChat,
      shot: shotAs,
      expectAxeClean,
      expectNoSidewaysScroll,
    } = useWidgetBrowser({
      withConsole: true,
      isolation,
    });
    const shot = (page: Page, name: string) => shotAs(page, `${name}-${isolation}`);

    for (const size of Object.keys(VIEWPORTS) as Viewport[])
      test(
        `${size}: attach, paste, drop, progress and cancel, refusals, a retry stored once; Joy and the patient see each other's photos`,
        async () => {
          const db = harness().server.ctx.db;
          const phone = size === 'phone';
          const context = await newContext({ size, ...(phone ? { isMobile: true, hasTouch: true } : {}) });
          const { page, w, guard } = await openPage(context);
          guard.allow(...EXPECTED);
          const name = `Pat Photo ${size}`;
          const reason = `A rash on my arm (${isolation}, ${size})`;
          await startChat(w, name, reason);

          // Joy comes on shift in the console and gets the chat.
          const joy = await openConsole(browser(), harness().server, 'nurse.joy@demo.clinic');
          await joy.page.getByLabel('Availability').selectOption('available');
          await w.getByText('You are now chatting with Nurse Joy.').waitFor();

          const attach = w.getByRole('button', { name: 'Attach a file' });
          const camera = w.getByRole('button', { name: 'Take a photo' });
          const tray = w.getByRole('list', { name: 'Files to send' });
          // The camera is offered on touch screens only, and it asks for the camera, not the gallery.
          expect(await camera.isVisible()).toBe(phone);
          expect(await w.locator('input[capture="environment"]').getAttribute('accept')).toBe('image/*');

          // 1. The button: the file picker, then the photo's size once it is up.
          const [chooser] = await Promise.all([page.waitForEvent('filechooser'), attach.click()]);
          expect(chooser.isMultiple()).toBe(true);
          await chooser.setFiles({ name: 'rash.jpg', mimeType: 'image/jpeg', buffer: await photoWithGps() });
          await tray.getByRole('button', { name: 'Remove rash.jpg' }).waitFor();

          // 2. Pasted into the message box.
          const box = w.getByRole('textbox', { name: 'Message' });
          await dispatchFiles(box, 'paste', 'pasted.png', 'image/png', await png());
          await tray.getByRole('button', { name: 'Remove pasted.png' }).waitFor();

          // 3. Dropped on the conversation.
          const log = w.getByRole('log', { name: 'Messages' });
          await dispatchFiles(log, 'drop', 'referral.pdf', 'application/pdf', pdf());
          await tray.getByRole('button', { name: 'Remove referral.pdf' }).waitFor();

          // 4. An upload held on the wire: its progress bar, then Cancel takes it away (nothing stored).
          let held: Route | null = null;
          await context.route(/\/attachments\?.*name=slow\.png/, (route) => void (held = route));
          await dispatchFiles(log, 'drop', 'slow.png', 'image/png', await png());
          await tray.getByRole('progressbar', { name: 'Uploading slow.png' }).waitFor();
          await shot(page, `90-attach-progress-${size}`);
          await tray.getByRole('listitem').filter({ hasText: 'slow.png' }).getByRole('button', { name: 'Cancel' }).click();
          await waitFor(async () => (await tray.getByText('slow.png').count()) === 0, 'the cancelled upload gone from the tray');
          await (held as Route | null)?.abort().catch(() => {});

          // 5. Over the clinic's limit: refused before it leaves, with the limit.
          const [tooBig] = await Promise.all([page.waitForEvent('filechooser'), attach.click()]);
          await tooBig.setFiles({ name: 'scan.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
          await tray.getByRole('listitem').filter({ hasText: 'scan.jpg' }).getByText('Too large: files can be up to 10 MB.').waitFor();
          // The clinic lowered its limit after the page loaded: the server refuses (413) and says the new one.
          await db
            .update(clinics)
            .set({ attachmentMaxBytes: 100 * 1024 })
            .where(eq(clinics.siteKey, 'demo'));
          const [stale] = await Promise.all([page.waitForEvent('filechooser'), attach.click()]);
          await stale.setFiles({ name: 'xray.png', mimeType: 'image/png', buffer: Buffer.alloc(200 * 1024, 1) });
          await tray.getByRole('listitem').filter({ hasText: 'xray.png' }).getByText('Too large: files can be up to 100 KB.').waitFor();
          await db
            .update(clinics)
            .set({ attachmentMaxBytes: 10 * 1024 * 1024 })
            .where(eq(clinics.siteKey, 'demo'));
          // Text named like a photo: the server reads the bytes (415).
          const [fake] = await Promise.all([page.waitForEvent('filechooser'), attach.click()]);
          await fake.setFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo at all') });
          await tray
            .getByRole('listitem')
            .filter({ hasText: 'notes.jpg' })
            .getByText('Only photos (JPEG, PNG, HEIC, WebP) and PDF documents can be sent.')
            .waitFor();
          await shot(page, `91-attach-refused-${size}`);
          // Send waits while a refused file is in the tray, and says why.
          await box.fill('Here is my rash');
          await box.press('Enter');
          await w.getByText('Wait until every file is uploaded, or remove the ones that failed.').waitFor();
          for (const file of ['scan.jpg', 'xray.png', 'notes.jpg']) await tray.getByRole('button', { name: `Remove ${file}` }).click();
          // Focus stays in the composer, on the button that adds files.
          await waitFor(async () => (await focusedId(page)) === 'attach', 'focus back on "Attach a file"');

          // 6. The connection drops after the server stored the file: the answer never arrives, nor do the SDK's
          // retries; Retry, once the line is back, gets the same file (same client id), stored once.
          let dropping = true;
          await context.route(/\/attachments\?.*name=retry\.png/, async (route) => {
            if (!dropping) return route.continue();
            await route.fetch().catch(() => {}); // It reached the server and was stored…
            await route.abort('connectionreset'); // …and the answer was lost.
          });
          const [again] = await Promise.all([page.waitForEvent('filechooser'), attach.click()]);
          await again.setFiles({ name: 'retry.png', mimeType: 'image/png', buffer: await png() });
          const retryItem = tray.getByRole('listitem').filter({ hasText: 'retry.png' });
          await retryItem.getByText('We could not reach the clinic. Check your connection.').waitFor();
          await shot(page, `92-attach-connection-lost-${size}`);
          dropping = false;
          await retryItem.getByRole('button', { name: 'Retry', exact: true }).click();
          await tray.getByRole('button', { name: 'Remove retry.png' }).waitFor();
          await shot(page, `93-attach-ready-${size}`);
          await expectAxeClean(page, `files ready to send, ${size}`);
          await expectNoSidewaysScroll(page);

          // 7. Sent with the text as one message: thumbnails for the photos, a card for the PDF.
          await box.press('Enter');
          const own = w.locator('[part~="message-own"]', { hasText: 'Here is my rash' });
          await own.waitFor();
          await waitFor(async () => (await tray.count()) === 0, 'the tray emptied once the files were sent');
          for (const photo of ['rash.jpg', 'pasted.png', 'retry.png'])
            await waitFor(() => hasPixels(own.getByRole('img', { name: photo })), `${photo} thumbnail`);
          await own.getByRole('button', { name: /^Download referral\.pdf, / }).waitFor();
          // In the database: one row per file sent, the retried one once; nothing of the cancelled or refused ones.
          const [session] = await db.select({ id: chatSessions.id }).from(chatSessions).where(eq(chatSessions.reason, reason));
          const stored = await db
            .select({ name: attachments.name, messageId: attachments.messageId })
            .from(attachments)
            .where(eq(attachments.sessionId, session!.id));
          expect(stored.map((a) => a.name).sort()).toEqual(['pasted.png', 'rash.jpg', 'referral.pdf', 'retry.png']);
          expect(stored.every((a) => a.messageId !== null)).toBe(true);
          await shot(page, `94-attach-sent-${size}`);

          // 8. Joy sees the photo in the console, opens it full size, and answers with a photo of her own.
          const message = joy.page.locator('.message-patient', { hasText: 'Here is my rash' });
          await message.waitFor();
          await waitFor(() => hasPixels(message.getByRole('img', { name: 'rash.jpg' })), 'the patient photo in the console');
          await message.getByRole('button', { name: /^Download referral\.pdf/ }).waitFor();
          await consoleShot(joy.page, `90-widget-photo-received-${isolation}-${size}`);
          await joy.page
            .getByRole('button', { name: 'Attach file' })
            .locator('input[type="file"]')
            .setInputFiles({ name: 'care-sheet.png', mimeType: 'image/png', buffer: await png() });
          await joy.page.getByRole('list', { name: 'Files to send' }).getByRole('button', { name: 'Remove care-sheet.png' }).waitFor();
          const reply = joy.page.getByRole('combobox', { name: `Reply to ${name}` });
          await reply.fill('Please use this cream twice a day');
          await reply.press('Enter');

          // 9. The patient sees Joy's photo, opens it full size, and downloads the PDF.
          const staff = w.locator('[part~="message-staff"]', { hasText: 'Please use this cream twice a day' });
          await staff.waitFor();
          await waitFor(() => hasPixels(staff.getByRole('img', { name: 'care-sheet.png' })), "Joy's photo in the widget");
          await shot(page, `95-attach-received-${size}`);
          await expectAxeClean(page, `photos in the conversation, ${size}`);
          const [tab] = await Promise.all([context.waitForEvent('page'), staff.getByRole('button', { name: 'Open care-sheet.png full size' }).click()]);
          await tab.waitForURL((url) => /^\/api\/v1\/attachments\/[0-9a-f-]+\/content$/.test(url.pathname));
          expect((await tab.request.get(tab.url())).headers()['content-type']).toBe('image/png');
          await tab.close();
          const [download] = await Promise.all([page.waitForEvent('download'), own.getByRole('button', { name: /^Download referral\.pdf, / }).click()]);
          expect(download.suggestedFilename()).toBe('referral.pdf');
          expect(readFileSync((await download.path())!, 'latin1')).toStartWith('%PDF-');

          // 10. The transcript names the files.
          await endChat(w);
          const [transcript] = await Promise.all([page.waitForEvent('download'), w.getByRole('link', { name: 'Download transcript' }).click()]);
          const text = readFileSync((await transcript.path())!, 'utf8');
          expect(text).toContain('You: Here is my rash\n    [Attached file: rash.jpg]\n    [Attached file: pasted.png]');
          expect(text).toContain('Nurse Joy: Please use this cream twice a day\n    [Attached file: care-sheet.png]');

          // The page heard of each refusal and of the lost connection by its code, and of nothing else.
          const codes = (await events(page, 'medchat-error')).map((e) => e.code);
          expect([...new Set(codes)].sort()).toEqual(['connection_error', 'file_too_large', 'unsupported_file_type']);
          expect(codes.filter((c) => c === 'file_too_large')).toHaveLength(2);

          await joy.page.getByLabel('Availability').selectOption('offline');
          expect(joy.failures.filter((f) => !/^(413|415) /.test(f))).toEqual([]);
          await joy.guard.assertClean();
          await joy.page.context().close();
          await guard.assertClean();
        },
        TEST_TIMEOUT_MS * 4,
      );
  });
