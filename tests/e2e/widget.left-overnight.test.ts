/**
 * A clinic's night and morning. The server's clock (`ctx.clock`, the wall clock opening hours are read at) is moved
 * by the test: at night the widget says the clinic is closed, in its words, and offers to leave a message; open
 * with nobody available it says so above the form. A message left at night is marked left while closed and tells
 * the patient how the answer will reach them. Next morning Nurse Joy comes on shift in the console, finds it under
 * "Left overnight" (beside "Waiting on patient"), answers; the patient comes back to the page and reads the answer.
 * English and Spanish, desktop and phone. Screenshots in test-results/widget and test-results/console.
 */
import { describe, expect, test } from 'bun:test';
import type { ClinicHours } from '@medchat/sdk';
import { MedChatAdmin } from '@medchat/sdk/admin';
import { openConsole, overflowsViewport, seriousA11yViolations, shot as consoleShot } from '../helpers/console';
import { ISOLATIONS, launcherOf, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

// Weekdays 09:00–17:00 in Madrid. Tuesday 2 March 2027: 03:00 there is night, 09:30 is morning.
const NIGHT = new Date('2027-03-02T02:00:00Z');
const MORNING = new Date('2027-03-02T08:30:00Z');
const AFTER_HOURS = 'Our nurses answer on weekdays from 9 to 5.';
const HOURS: ClinicHours = {
  hasSchedule: true,
  timeZone: 'Europe/Madrid',
  weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: '09:00', close: '17:00' })),
  closures: [],
  afterHoursText: AFTER_HOURS,
};
const TEXT = {
  en: { closed: 'We are closed right now', leave: 'Leave a message', busy: 'No one is available right now', form: 'Your name' },
  es: { closed: 'Ahora estamos cerrados', leave: 'Dejar un mensaje', busy: 'Ahora no hay nadie disponible', form: 'Su nombre' },
} as const;

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> and the console: a message left overnight (isolation: ${isolation})`, () => {
    const { harness, browser, newContext, openPage, newStaff, shot, expectAxeClean } = useWidgetBrowser({ withConsole: true, isolation });
    const setClock = (at: Date) => {
      harness().server.ctx.clock = () => at;
    };

    test(
      'the admin sets weekday hours',
      async () => {
        setClock(NIGHT);
        const admin = await newStaff('admin@demo.clinic');
        await new MedChatAdmin(admin.client).hours.set(HOURS);
        expect((await admin.client.clinics.getPublic('demo')).hours).toMatchObject({ isOpen: false, isStaffAvailable: false });
      },
      TEST_TIMEOUT_MS,
    );

    for (const size of Object.keys(VIEWPORTS) as Viewport[]) {
      for (const [locale, text] of Object.entries(TEXT)) {
        test(
          `${locale} at ${size} size: closed, the clinic's words and "${text.leave}"; open with nobody available, said above the form`,
          async () => {
            setClock(NIGHT);
            const context = await newContext({ size, locale });
            const { page, w, guard } = await openPage(context, `?attrs=${encodeURIComponent(`locale="${locale}"`)}`);
            await launcherOf(w).click();
            const notice = w.locator('[part="after-hours"]');
            await notice.getByRole('heading', { name: text.closed }).waitFor();
            expect(await notice.innerText()).toContain(AFTER_HOURS);
            await expect(w.getByLabel(text.form).count()).resolves.toBe(0);
            await shot(page, `80-closed-leave-${locale}-${size}`);
            if (size === 'desktop') await expectAxeClean(page, `closed with leave a message, ${locale}`);
            // Leaving a message opens the form.
            await w.getByRole('button', { name: text.leave }).click();
            await w.getByLabel(text.form).waitFor();
            await expect(notice.count()).resolves.toBe(0);

            // Morning, nobody on shift yet: said before the patient types, the form right below.
            setClock(MORNING);
            const { page: day, w: dw, guard: dayGuard } = await openPage(context, `?attrs=${encodeURIComponent(`locale="${locale}"`)}`);
            await launcherOf(dw).click();
            await dw.locator('[part="after-hours"]').getByRole('heading', { name: text.busy }).waitFor();
            expect(await dw.locator('[part="after-hours"]').innerText()).toContain(AFTER_HOURS);
            await dw.getByLabel(text.form).waitFor();
            await shot(day, `81-nobody-available-${locale}-${size}`);
            if (size === 'desktop') await expectAxeClean(day, `nobody available, ${locale}`);
            await guard.assertClean();
            await dayGuard.assertClean();
            setClock(NIGHT);
          },
          TEST_TIMEOUT_MS,
        );
      }
    }

    test(
      'left at night, answered next morning: "Left overnight" in the console, the answer when the patient comes back',
      async () => {
        setClock(NIGHT);
        const context = await newContext({ size: 'phone', locale: 'en' });
        const { page, w, guard } = await openPage(context);
        await launcherOf(w).click();
        await w.getByRole('button', { name: 'Leave a message' }).click();
        await w.getByLabel('Your name').fill('Nora Night');
        await w.getByLabel('Reason for your visit').fill('Fever since last night');
        await w.getByRole('button', { name: 'Start chat' }).click();
        // No place in the queue or wait: how the answer will reach her.
        const left = w.locator('[part="after-hours"]');
        await left.getByRole('heading', { name: 'We have your message' }).waitFor();
        await left.getByText('To read our answer, come back to this page in this browser.').waitFor();
        await expect(w.getByText('You are number', { exact: false }).count()).resolves.toBe(0);
        await shot(page, '82-message-left-phone');
        await expectAxeClean(page, 'message left while closed');
        await guard.assertClean();
        await page.close();

        // Next morning: Joy signs in to the console before going available.
        setClock(MORNING);
        const { page: joy, guard: joyGuard } = await openConsole(browser(), harness().server, 'nurse.joy@demo.clinic');
        const leftList = joy.locator('.left-list');
        await leftList.locator('.queue-entry', { hasText: 'Nora Night' }).waitFor();
        expect(await leftList.innerText()).toContain('Fever since last night');
        await joy.getByRole('heading', { name: 'Left overnight (1)' }).waitFor();
        await joy.getByRole('heading', { name: 'Waiting on patient (0)' }).waitFor();
        await joy.getByRole('heading', { name: 'Waiting queue (0)' }).waitFor();
        await consoleShot(joy, '80-left-overnight-desktop');
        expect(await seriousA11yViolations(joy)).toEqual([]);
        const { page: sam, guard: samGuard } = await openConsole(browser(), harness().server, 'nurse.sam@demo.clinic', 'phone');
        await sam.locator('.left-list .queue-entry', { hasText: 'Nora Night' }).waitFor();
        expect(await overflowsViewport(sam)).toBe(false);
        await consoleShot(sam, '81-left-overnight-phone');

        // On shift: the message left overnight comes to her first; its tab says where it came from.
        await joy.getByLabel('Availability').selectOption('available');
        const reply = joy.getByLabel('Reply to Nora Night');
        await reply.waitFor();
        await joy.getByRole('tab', { name: /Nora Night — left overnight/ }).waitFor();
        await joy.locator('.badge-left', { hasText: 'Left overnight' }).waitFor();
        await joy.getByRole('heading', { name: 'Left overnight (0)' }).waitFor();
        await reply.fill('Good morning Nora, how high is the fever now?');
        await reply.press('Enter');
        await joy.locator('.message-own .receipt', { hasText: 'Sent' }).waitFor();
        await consoleShot(joy, '82-left-overnight-answered-desktop');

        // Nora comes back to the page in the same browser: her chat, with the answer.
        const { page: back, w: bw, guard: backGuard } = await openPage(context);
        await launcherOf(bw).click();
        await bw.getByText('Good morning Nora, how high is the fever now?').waitFor();
        await shot(back, '83-answer-next-morning-phone');
        await joy.getByLabel('Availability').selectOption('offline');
        await backGuard.assertClean();
        await joyGuard.assertClean();
        await samGuard.assertClean();
      },
      TEST_TIMEOUT_MS * 2,
    );
  });
