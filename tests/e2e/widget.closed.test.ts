/**
 * A clinic closed by its opening hours: before anyone types, the widget shows the clinic's after-hours text, the
 * next opening in the patient's language and time zone, and the emergency text, instead of the form; in every
 * language the widget has, at desktop and phone sizes. Screenshots in test-results/widget.
 */
import { describe, expect, test } from 'bun:test';
import type { ClinicHours } from '@medchat/sdk';
import { MedChatAdmin } from '@medchat/sdk/admin';
import { ISOLATIONS, launcherOf, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

const LANGUAGES = {
  en: { title: 'We are closed right now', next: 'We open again on', form: 'Your name', notice: 'This chat is not for emergencies.' },
  es: { title: 'Ahora estamos cerrados', next: 'Volvemos a abrir el', form: 'Su nombre', notice: 'Este chat no es para emergencias.' },
} as const;
const AFTER_HOURS = 'Our nurses answer Monday to Friday.\nFor a prescription, leave a voicemail.';
const PATIENT_ZONE = 'America/Mexico_City';

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> while the clinic is closed (isolation: ${isolation})`, () => {
    const { newContext, openPage, newStaff, shot, expectAxeClean } = useWidgetBrowser({ isolation });
    let nextOpenAt = '';
    const admin = () => newStaff('admin@demo.clinic');

    test(
      'the admin closes today and tomorrow; the public lookup names the next opening',
      async () => {
        const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
        const hours: ClinicHours = {
          hasSchedule: true,
          timeZone: 'UTC',
          weekly: [1, 2, 3, 4, 5, 6, 7].map((d) => ({ day: d, open: '09:00', close: '17:00' })),
          // Yesterday too, so that just after midnight UTC "today" is still closed whichever side of it the test runs.
          closures: [day(-1), day(0), day(1)],
          afterHoursText: AFTER_HOURS,
        };
        const a = await admin();
        await new MedChatAdmin(a.client).hours.set(hours);
        const status = (await a.client.clinics.getPublic('demo')).hours;
        expect(status.isOpen).toBe(false);
        expect(status.nextOpenAt).toBe(`${day(2)}T09:00:00.000Z`);
        nextOpenAt = status.nextOpenAt!;
      },
      TEST_TIMEOUT_MS,
    );

    for (const size of Object.keys(VIEWPORTS) as Viewport[]) {
      for (const [locale, text] of Object.entries(LANGUAGES)) {
        test(
          `${locale} at ${size} size: the after-hours notice instead of the form`,
          async () => {
            expect(nextOpenAt).not.toBe('');
            const context = await newContext({ size, locale, timezoneId: PATIENT_ZONE });
            const { page, w, guard } = await openPage(context, `?attrs=${encodeURIComponent(`locale="${locale}"`)}`);
            await launcherOf(w).click();
            const notice = w.locator('[part="after-hours"]');
            await notice.getByRole('heading', { name: text.title }).waitFor();
            // The clinic's words, its line breaks kept; the next opening in the patient's language and zone.
            expect(await notice.innerText()).toContain(AFTER_HOURS);
            const weekday = new Date(nextOpenAt).toLocaleDateString(locale, { weekday: 'long', timeZone: PATIENT_ZONE });
            const time = new Date(nextOpenAt).toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit', timeZone: PATIENT_ZONE });
            const next = await notice.getByText(text.next).innerText();
            expect(next).toContain(weekday);
            expect(next.replace(/\s/g, ' ')).toContain(time.replace(/\s/g, ' '));
            // The emergency text stays on screen; no form to start a chat.
            await expect(w.locator('[part="emergency-notice"]').innerText()).resolves.toContain(text.notice);
            await expect(w.getByLabel(text.form).count()).resolves.toBe(0);
            await shot(page, `60-closed-${locale}-${size}`);
            await expectAxeClean(page, `closed, ${locale}`);
            await guard.assertClean();
          },
          TEST_TIMEOUT_MS,
        );
      }
    }
  });
