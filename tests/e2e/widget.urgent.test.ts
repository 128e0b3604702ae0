/**
 * Red flags in the pre-chat form: the clinic's questions are asked yes or no; a yes shows the clinic's emergency
 * instructions at once, first and focused, and a patient who continues anyway starts an urgent chat (decided by
 * the server from the answers). In every language the widget has, at desktop and phone sizes. Screenshots in
 * test-results/widget.
 */
import { describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { query } from '../helpers/digest';
import { focusedId, ISOLATIONS, launcherOf, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

const INSTRUCTIONS = 'Call 112 now, or go to the nearest emergency department.';
const LANGUAGES = {
  en: {
    yes: 'Yes',
    no: 'No',
    title: 'This may be an emergency',
    go: 'Continue to chat anyway',
    start: 'Start chat',
    name: 'Your name',
    reason: 'Reason for your visit',
    queue: 'You are in the queue',
    required: 'Please answer yes or no.',
  },
  es: {
    yes: 'Sí',
    no: 'No',
    title: 'Esto puede ser una emergencia',
    go: 'Continuar de todos modos',
    start: 'Iniciar chat',
    name: 'Su nombre',
    reason: 'Motivo de la consulta',
    queue: 'Está en la cola',
    required: 'Responda sí o no.',
  },
} as const;

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> red-flag questions (isolation: ${isolation})`, () => {
    const { newContext, openPage, newStaff, shot, expectAxeClean, harness, endChat } = useWidgetBrowser({ isolation });
    const db = () => harness().server.ctx.db;

    test(
      'the admin writes two red-flag questions and the instructions',
      async () => {
        const admin = await newStaff('admin@demo.clinic');
        const res = await fetch(`${harness().server.url}/api/v1/clinic/intake`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${admin.client.auth.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            redFlags: [{ text: 'Chest pain or trouble breathing?' }, { text: 'Heavy bleeding that does not stop?' }],
            emergencyInstructions: INSTRUCTIONS,
          }),
        });
        expect(res.status).toBe(200);
      },
      TEST_TIMEOUT_MS,
    );

    for (const size of Object.keys(VIEWPORTS) as Viewport[]) {
      for (const [locale, text] of Object.entries(LANGUAGES)) {
        test(
          `${locale} at ${size} size: unanswered is refused, a yes shows the instructions at once, continuing starts an urgent chat`,
          async () => {
            const context = await newContext({ size, locale });
            const { page, w, guard } = await openPage(context, `?attrs=${encodeURIComponent(`locale="${locale}"`)}`);
            await launcherOf(w).click();
            const name = `Flag ${locale} ${size}`;
            await w.getByLabel(text.name).fill(name);
            await w.getByLabel(text.reason).fill('Pain in my chest since this morning');
            // Left unanswered: refused, focus on the question.
            await w.getByRole('button', { name: text.start }).click();
            await w.getByText(text.required).waitFor();
            await expect(w.getByRole('alert').count()).resolves.toBe(0);

            const chest = w.getByRole('group', { name: 'Chest pain or trouble breathing?' });
            await chest.getByLabel(text.yes).check();
            // At once, first in the form, focused and announced.
            const alarm = w.getByRole('alert');
            await alarm.getByText(INSTRUCTIONS).waitFor();
            expect(await alarm.innerText()).toContain(text.title);
            expect(await focusedId(page)).toBe('alarm');
            await w.getByRole('group', { name: 'Heavy bleeding that does not stop?' }).getByLabel(text.no).check();
            await shot(page, `70-red-flag-${locale}-${size}`);
            await expectAxeClean(page, `red flag, ${locale}`);

            // Changing the answer to no takes the alarm away; yes again brings it back.
            await chest.getByLabel(text.no).check();
            await expect(w.getByRole('alert').count()).resolves.toBe(0);
            await w.getByRole('button', { name: text.start }).waitFor();
            await chest.getByLabel(text.yes).check();

            await w.getByRole('button', { name: text.go }).click();
            await w.getByText(text.queue).waitFor();
            await shot(page, `71-red-flag-waiting-${locale}-${size}`);
            const sessions = await query<{ priority: string }>(
              db(),
              sql`select s.priority from chat_sessions s join users u on u.id = s.patient_id where u.display_name = ${name}`,
            );
            expect(sessions.map((r) => r.priority)).toEqual(['urgent']);
            // The harness ends chats in English; a Spanish one is left waiting (each test is a new patient).
            if (locale === 'en') await endChat(w);
            await guard.assertClean();
          },
          TEST_TIMEOUT_MS,
        );
      }
    }
  });
