/**
 * Photos and PDFs in the staff console, on the demo as `npm start` serves it. A patient (through the SDK, as any
 * patient app would) sends a phone photo and a referral letter; Nurse Joy sees the photo as a thumbnail that opens
 * full size in a new tab (without its GPS position) and the letter as a card that downloads. Joy attaches a photo
 * with the file picker (progress, then its size), pastes another, and sends both with a reply that reaches the
 * patient; a text file named like a photo is refused with the server's words, then removed. Desktop and phone;
 * screenshots in test-results/console.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { MedChat, type Message } from '../../sdk/src/index';
import { MedChatAttachments } from '../../sdk/src/attachments';
import { loadConfig } from '../../server/src/config';
import { startDemo, type DemoServer } from '../../server/src/demo';
import { launchChromium } from '../helpers/browser';
import { openConsole, overflowsViewport, seriousA11yViolations, shot } from '../helpers/console';
import { pdf, photoWithGps, png } from '../helpers/files';

setDefaultTimeout(120_000);

let demo: DemoServer;
let browser: Browser;

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: attachments (browser)', () => {
  beforeAll(async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', MEDCHAT_DATA_DIR: 'memory://' });
    [demo, browser] = await Promise.all([startDemo(config), launchChromium()]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  for (const viewport of ['desktop', 'phone'] as const) {
    test(`${viewport}: a patient's photo and letter are shown and open; Joy sends files picked and pasted`, async () => {
      const joy = await openConsole(browser, demo, 'nurse.joy@demo.clinic', viewport);
      const p = joy.page;
      await p.getByLabel('Availability').selectOption('available');

      const client = new MedChat({ baseUrl: demo.origin, retry: { maxRetries: 0 } });
      const name = `Fiona Files ${viewport}`;
      await client.auth.guest({ siteKey: 'demo', displayName: name });
      const session = await client.sessions.start({ reason: 'A rash on my arm' });
      const files = new MedChatAttachments(client);
      const photo = await files.upload(session.id, new File([await photoWithGps()], 'rash.jpg'));
      const letter = await files.upload(session.id, new File([pdf()], 'referral.pdf'));
      await files.send(session.id, { body: 'Here is the rash and my letter', attachments: [photo, letter] });

      // Joy sees the photo as a thumbnail and the letter as a card (on a phone, once she opens the chat from her list).
      if (viewport === 'phone') await p.getByRole('tab', { name: new RegExp(name) }).click();
      const message = p.locator('.message-patient', { hasText: 'Here is the rash and my letter' });
      await message.waitFor();
      const thumbnail = message.getByRole('img', { name: 'rash.jpg' });
      await thumbnail.waitFor();
      await p.waitForFunction((img) => (img as HTMLImageElement).naturalWidth > 0, await thumbnail.elementHandle());
      await message.getByRole('button', { name: /^Download referral\.pdf/ }).waitFor();
      await shot(p, `attachments-received-${viewport}`);

      // The photo opens full size in a new tab, without the phone's EXIF.
      const [tab] = await Promise.all([p.context().waitForEvent('page'), message.getByRole('button', { name: 'Open rash.jpg full size' }).click()]);
      // The tab may load the link before a listener could see its response: wait for its address, then read it.
      await tab.waitForURL((url) => url.pathname === `/api/v1/attachments/${photo.id}/content`);
      const opened = await p.request.get(tab.url());
      expect(opened.headers()['content-type']).toBe('image/jpeg');
      expect((await sharp(await opened.body()).metadata()).exif).toBeUndefined();
      await tab.close();

      // The letter downloads.
      const [download] = await Promise.all([p.waitForEvent('download'), message.getByRole('button', { name: /^Download referral\.pdf/ }).click()]);
      expect(download.suggestedFilename()).toBe('referral.pdf');

      // Joy attaches a photo with the picker, pastes another, and sends them with a reply.
      const received: Message[] = [];
      const chat = client.chat(session.id);
      chat.on('change', () => received.splice(0, received.length, ...chat.messages));
      await p
        .getByRole('button', { name: 'Attach file' })
        .locator('input[type="file"]')
        .setInputFiles({ name: 'care-sheet.png', mimeType: 'image/png', buffer: await png() });
      const tray = p.getByRole('list', { name: 'Files to send' });
      await tray.getByRole('button', { name: 'Remove care-sheet.png' }).waitFor();
      const pasted = Buffer.from(await png()).toString('base64');
      await p.getByRole('combobox', { name: `Reply to ${name}` }).evaluate((box, data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
        box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
      }, pasted);
      await tray.getByRole('button', { name: 'Remove pasted.png' }).waitFor();
      await shot(p, `attachments-tray-${viewport}`);
      const box = p.getByRole('combobox', { name: `Reply to ${name}` });
      await box.fill('Please use this cream twice a day');
      await box.press('Enter');
      await p.locator('.message-own', { hasText: 'Please use this cream twice a day' }).getByRole('img', { name: 'pasted.png' }).waitFor();
      expect(await tray.isHidden()).toBe(true);
      const deadline = Date.now() + 20_000;
      while (!received.some((m) => m.body === 'Please use this cream twice a day') && Date.now() < deadline) await Bun.sleep(100);
      const reply = received.find((m) => m.body === 'Please use this cream twice a day');
      expect(reply?.attachments?.map((a) => a.name)).toEqual(['care-sheet.png', 'pasted.png']);

      // A text file named like a photo: the server's refusal, then removed.
      joy.guard.allow(/415/);
      await p
        .getByRole('button', { name: 'Attach file' })
        .locator('input[type="file"]')
        .setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo') });
      await tray.getByText('Not uploaded: Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be sent.').waitFor();
      await shot(p, `attachments-refused-${viewport}`);
      await tray.getByRole('button', { name: 'Remove' }).click();
      expect(await tray.isHidden()).toBe(true);

      expect(await seriousA11yViolations(p)).toEqual([]);
      expect(await overflowsViewport(p)).toBe(false);
      expect(joy.failures.filter((f) => !f.startsWith('415 '))).toEqual([]);
      await joy.guard.assertClean();
      chat.close();
      // Joy holds one chat at a time in the demo: this one ends so the next test's chat comes to her.
      await client.sessions.end(session.id);
      await client.auth.logout().catch(() => {});
      await p.context().close();
    });
  }
});
