/**
 * Topics in the pre-chat form: a clinic that routes topics to teams ("Prescriptions" → Pharmacy) has the form ask
 * "What is it about?"; the topic chosen travels with the start, and the chat reaches the nurse of that team carrying
 * the team and the topic's label. "Something else" (the first option) asks for no team. At desktop and phone
 * sizes, in both isolations; English and Spanish labels. Screenshots in test-results/widget.
 */
import { describe, expect, test } from 'bun:test';
import { ISOLATIONS, launcherOf, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> topics (isolation: ${isolation})`, () => {
    const { newContext, openPage, newStaff, shot, expectAxeClean, harness, endChat } = useWidgetBrowser({ isolation });
    let pharmacy = '';

    async function asAdmin(method: string, path: string, body: unknown) {
      const admin = await newStaff('admin@demo.clinic');
      const res = await fetch(`${harness().server.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${admin.client.auth.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBeLessThan(300);
      return res.json() as Promise<any>;
    }

    test(
      'the admin routes "Prescriptions" to a Pharmacy team with Nurse Joy in it, and "Billing" to a Front desk team',
      async () => {
        const nurse = await newStaff();
        pharmacy = (await asAdmin('POST', '/teams', { name: 'Pharmacy' })).id;
        const desk = (await asAdmin('POST', '/teams', { name: 'Front desk' })).id;
        await asAdmin('PUT', `/teams/${pharmacy}/members`, { employeeIds: [nurse.client.auth.user!.id] });
        const intake = await asAdmin('PUT', '/clinic/intake', {
          redFlags: [],
          emergencyInstructions: '',
          topics: [
            { label: 'Prescriptions', teamId: pharmacy },
            { label: 'Billing', teamId: desk },
          ],
        });
        expect(intake.topics.map((t: { label: string }) => t.label)).toEqual(['Prescriptions', 'Billing']);
        await nurse.close();
      },
      TEST_TIMEOUT_MS,
    );

    for (const size of Object.keys(VIEWPORTS) as Viewport[]) {
      test(
        `${size}: the topic is offered, chosen, and the chat reaches that team's nurse with it`,
        async () => {
          const context = await newContext({ size });
          const { page, w, guard } = await openPage(context);
          await launcherOf(w).click();
          const topic = w.getByLabel('What is it about?');
          // Optional: "Something else" first, then the clinic's topics in its order.
          expect(await topic.locator('option').allInnerTexts()).toEqual(['Something else', 'Prescriptions', 'Billing']);
          expect(await topic.inputValue()).toBe('');
          const name = `Topic ${isolation} ${size}`;
          await w.getByLabel('Your name').fill(name);
          await topic.selectOption({ label: 'Prescriptions' });
          await w.getByLabel('Reason for your visit').fill('A refill of my inhaler');
          await shot(page, `80-topic-${isolation}-${size}`);
          await expectAxeClean(page, 'topic chosen');
          await w.getByRole('button', { name: 'Start chat' }).click();
          await w.getByText('You are in the queue').waitFor();

          // What the nurse's console is handed: the chat, in the Pharmacy team, about "Prescriptions".
          const nurse = await newStaff();
          const seen = await nurse.client.sessions.get((await nurse.take(name)).sessionId);
          expect(seen.teamId).toBe(pharmacy);
          expect(seen.topic).toBe('Prescriptions');
          await w.getByText('You are now chatting with Nurse Joy.').waitFor();
          await endChat(w);
          await nurse.close();
          await guard.assertClean();
          await context.close();
        },
        TEST_TIMEOUT_MS,
      );
    }

    test(
      'in Spanish the choice is labelled in Spanish; "something else" starts a chat for no team',
      async () => {
        const context = await newContext({ locale: 'es' });
        const { page, w, guard } = await openPage(context, `?attrs=${encodeURIComponent('locale="es"')}`);
        await launcherOf(w).click();
        const topic = w.getByLabel('¿De qué se trata?');
        expect(await topic.locator('option').first().innerText()).toBe('Otro asunto');
        const name = `Tema ${isolation}`;
        await w.getByLabel('Su nombre').fill(name);
        await w.getByLabel('Motivo de la consulta').fill('Una pregunta');
        await shot(page, `81-topic-es-${isolation}`);
        await w.getByRole('button', { name: 'Iniciar chat' }).click();
        await w.getByText('Está en la cola').waitFor();
        const nurse = await newStaff();
        const seen = await nurse.client.sessions.get((await nurse.take(name)).sessionId);
        expect(seen.teamId).toBeNull();
        expect(seen.topic).toBeNull();
        await nurse.close();
        await guard.assertClean();
        await context.close();
      },
      TEST_TIMEOUT_MS,
    );
  });
