/**
 * Internal notes and quick replies in the staff console, on the demo as `npm start` serves it: Nurse Joy writes a
 * note mentioning Nurse Sam (the @ list), Sam is told (a toast in a live region), and the patient's widget never
 * shows it: neither its DOM (shadow roots included) nor any frame its socket received holds the note. Joy then
 * inserts a quick reply with `/` (keyboard only) and sends it. Desktop and phone; screenshots in test-results/console.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../server/src/config';
import { startDemo, type DemoServer } from '../../server/src/demo';
import { chatSurface, guardContext, guardPage, launchChromium, VIEWPORTS, type PageGuard } from '../helpers/browser';
import { openConsole, overflowsViewport, seriousA11yViolations, shot, type ConsolePage } from '../helpers/console';

// A browser on a loaded 2-core machine is slow; nothing here asserts on time.
setDefaultTimeout(120_000);

const MARKER = 'note-canary-7c41';
let demo: DemoServer;
let browser: Browser;
let joy: ConsolePage;
let sam: ConsolePage;
let patient: { page: Page; guard: PageGuard; frames: string[] };

/** Everything the widget renders, through every shadow root, in the page and in the chat frame. */
const widgetText = async (page: Page) =>
  (
    await Promise.all(
      page.frames().map((frame) =>
        frame.evaluate(() => {
          const walk = (root: Document | ShadowRoot): string =>
            root.textContent +
            [...root.querySelectorAll('*')].map((el) => (el.shadowRoot ? walk(el.shadowRoot) : '')).join(' ') +
            [...root.querySelectorAll('textarea, input')].map((el) => (el as HTMLInputElement).value).join(' ');
          return walk(document);
        }),
      ),
    )
  ).join(' ');

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: internal notes and quick replies (browser)', () => {
  beforeAll(async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', MEDCHAT_DATA_DIR: 'memory://' });
    [demo, browser] = await Promise.all([startDemo(config), launchChromium()]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  test('desktop: a note mentioning a colleague reaches them and never the patient; / inserts a quick reply', async () => {
    joy = await openConsole(browser, demo, 'nurse.joy@demo.clinic');
    sam = await openConsole(browser, demo, 'nurse.sam@demo.clinic');
    await joy.page.getByLabel('Availability').selectOption('available');

    // The patient, on the clinic page, answers the demo's red-flag questions (no) and starts a chat.
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    await guardContext(context);
    const page = await context.newPage();
    const frames: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => void frames.push(String(payload))));
    patient = { page, guard: guardPage(page), frames };
    await page.goto(`${demo.origin}/`);
    await page.locator('medchat-widget').getByRole('button', { name: 'Open chat' }).click();
    const w = chatSurface(page);
    const noes = w.getByRole('radio', { name: 'No' });
    await noes.first().waitFor();
    for (let i = 0; i < (await noes.count()); i++) await noes.nth(i).check();
    await w.getByLabel('Your name').fill('Nora Notes');
    await w.getByLabel('Reason for your visit').fill('A rash on my arm');
    await w.getByRole('button', { name: 'Start chat' }).click();
    await w.getByText('You are now chatting with Nurse Joy.').waitFor();
    const box = w.getByRole('textbox', { name: 'Message' });
    await box.fill('Hello, it itches a lot');
    await box.press('Enter');

    // Joy writes an internal note, mentioning Sam from the @ list.
    const p = joy.page;
    await p.locator('.message-patient', { hasText: 'Hello, it itches a lot' }).waitFor();
    await p.getByRole('button', { name: 'Internal note' }).click();
    await p.getByText('Internal note — not visible to the patient').first().waitFor();
    const note = p.getByLabel('Internal note about Nora Notes');
    await note.pressSequentially('Possible penicillin allergy, please check @Sa');
    await p.getByRole('option', { name: 'Nurse Sam' }).waitFor();
    await note.press('Enter');
    expect(await note.inputValue()).toBe('Possible penicillin allergy, please check @Nurse Sam ');
    await note.pressSequentially(MARKER);
    await note.press('Enter');
    const logged = p.locator('.message-note', { hasText: MARKER });
    await logged.waitFor();
    expect(await logged.locator('.note-label').innerText()).toMatch(/internal note — not visible to the patient/i);
    expect(await logged.innerText()).toContain('mentions Nurse Sam');
    await shot(p, 'notes-01-note-in-log-desktop');

    // Sam is told, in a live region, though he does not hold the chat.
    const toast = sam.page.getByRole('status', { name: 'Mentions' }).locator('.toast', { hasText: MARKER });
    await toast.waitFor();
    expect(await toast.innerText()).toContain('Nurse Joy mentioned you in an internal note');
    await shot(sam.page, 'notes-02-mention-toast-desktop');

    // Back to replying: / and part of a shortcut, arrows and Enter insert the quick reply; Enter sends it.
    await p.getByRole('button', { name: 'Internal note' }).click();
    const reply = p.getByLabel('Reply to Nora Notes');
    await reply.pressSequentially('/pre');
    const list = p.getByRole('listbox', { name: 'Quick replies' });
    await list.waitFor();
    expect(await reply.getAttribute('aria-expanded')).toBe('true');
    await shot(p, 'notes-03-quick-replies-desktop');
    expect(await seriousA11yViolations(p)).toEqual([]);
    await reply.press('Escape');
    expect(await list.isHidden()).toBe(true);
    await reply.fill('');
    await reply.pressSequentially('/');
    await list.waitFor();
    const options = await list.getByRole('option').allInnerTexts();
    expect(options.length).toBeGreaterThan(2);
    const prescription = options.findIndex((o) => o.includes('/prescription'));
    for (let i = 0; i < prescription; i++) await reply.press('ArrowDown');
    expect(await list.locator('[aria-selected="true"]').innerText()).toContain('/prescription');
    await reply.press('Enter');
    expect(await reply.inputValue()).toBe('Your prescription is ready. You can pick it up at the front desk with an ID.');
    await reply.press('Enter');
    await w.getByText('Your prescription is ready.').waitFor();

    // The patient's page: the reply, never the note, in its DOM or in any frame its socket received.
    await Bun.sleep(300);
    expect(await widgetText(page)).toContain('Your prescription is ready.');
    expect(await widgetText(page)).not.toContain(MARKER);
    expect(frames.some((f) => f.includes('Your prescription is ready.'))).toBe(true);
    expect(frames.filter((f) => f.includes(MARKER) || f.includes('"note.'))).toEqual([]);
    expect(await overflowsViewport(p)).toBe(false);
    for (const guard of [joy.guard, sam.guard, patient.guard]) await guard.assertClean();
  });

  test('the admin adds a quick reply in the clinic overview; a nurse finds it with / at once', async () => {
    const admin = await openConsole(browser, demo, 'admin@demo.clinic');
    const section = admin.page.getByRole('region', { name: 'Quick replies' });
    await section.getByText('/hours').waitFor();
    await section.getByLabel('Shortcut (letters, digits, - and _)').fill('directions');
    // The variables it may hold are listed beside it.
    expect(await section.getByText('Variables filled when inserted').innerText()).toContain('{clinic.phone}');
    await section.getByLabel('Text it inserts').fill('Hi {patient.name}, we are at 12 River Street. Call {clinic.phone} and ask for {employee.name}.');
    await section.getByRole('button', { name: 'Add quick reply' }).click();
    await section.getByText('Added.').waitFor();
    await section.getByText('/directions').waitFor();
    // A shortcut taken (whatever its case) is refused, and said so (the browser logs the 409 it expects).
    admin.guard.allow(/status of 409/);
    await section.getByLabel('Shortcut (letters, digits, - and _)').fill('HOURS');
    await section.getByLabel('Text it inserts').fill('Again');
    await section.getByRole('button', { name: 'Add quick reply' }).click();
    await section.getByText(/Not saved: Another quick reply has this shortcut/).waitFor();

    // The clinic has no phone yet: its variable stays as written, selected, and the nurse types it in.
    const reply = joy.page.getByLabel('Reply to Nora Notes');
    const insert = async () => {
      await reply.fill('');
      await reply.pressSequentially('/dire');
      await joy.page.getByRole('option', { name: /\/directions/ }).waitFor();
      await reply.press('Enter');
    };
    await insert();
    expect(await reply.inputValue()).toBe('Hi Nora Notes, we are at 12 River Street. Call {clinic.phone} and ask for Nurse Joy.');
    expect(await reply.evaluate((el: HTMLTextAreaElement) => el.value.slice(el.selectionStart, el.selectionEnd))).toBe('{clinic.phone}');
    await shot(joy.page, 'notes-06-quick-reply-variable-left-desktop');
    await reply.pressSequentially('555 0100');
    expect(await reply.inputValue()).toBe('Hi Nora Notes, we are at 12 River Street. Call 555 0100 and ask for Nurse Joy.');

    // The admin sets the clinic's phone in the settings: the next insert fills it, and the caret ends after the text.
    const settings = admin.page.getByRole('region', { name: 'Clinic settings' });
    await settings.getByLabel('Clinic phone').fill('+1 555 0199');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByText(/^Saved at/).waitFor();
    await insert();
    const filled = 'Hi Nora Notes, we are at 12 River Street. Call +1 555 0199 and ask for Nurse Joy.';
    expect(await reply.inputValue()).toBe(filled);
    expect(await reply.evaluate((el: HTMLTextAreaElement) => [el.selectionStart, el.selectionEnd])).toEqual([filled.length, filled.length]);
    await reply.fill('');
    await admin.guard.assertClean();
  });

  test('phone: the note stands apart in the log, and the quick-reply list fits above the composer', async () => {
    const phone = await openConsole(browser, demo, 'nurse.joy@demo.clinic', 'phone');
    const p = phone.page;
    // The chat Joy holds opens as a tab on sign-in; its notes are listed with it.
    await p.getByRole('tab', { name: /Nora Notes/ }).click();
    await p.locator('.message-note', { hasText: MARKER }).waitFor();
    await shot(p, 'notes-04-note-in-log-phone');
    const reply = p.getByLabel('Reply to Nora Notes');
    await reply.pressSequentially('/');
    await p.getByRole('listbox', { name: 'Quick replies' }).waitFor();
    await shot(p, 'notes-05-quick-replies-phone');
    expect(await overflowsViewport(p)).toBe(false);
    await reply.press('Escape');
    await phone.guard.assertClean();
    // The patient's page still shows no note, after everything above.
    expect(await widgetText(patient.page)).not.toContain(MARKER);
    expect(patient.frames.filter((f) => f.includes(MARKER))).toEqual([]);
  });
});
