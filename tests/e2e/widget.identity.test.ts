/**
 * A signed-in patient: the clinic's page puts a short-lived identity token on the element (`identity-token`), and
 * the chat takes it in both isolations. Isolated, the page hands it to the frame over the embed protocol (the one
 * thing that crosses page → frame besides settings); in the page, the conversation reads it itself. Either way the
 * patient is not asked their name, the chat carries the name the clinic signed, and the nurse sees it.
 */
import { describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { clinics } from '../../server/src/db/schema';
import { signIdentityToken } from '../../server/src/lib/identity-token';
import { ISOLATIONS, TEST_TIMEOUT_MS, useWidgetBrowser } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> identity token (isolation: ${isolation})`, () => {
    const { newContext, openPage, newStaff, harness, endChat } = useWidgetBrowser({ isolation });

    test(
      'an identified patient is not asked a name; the nurse sees the name the clinic signed',
      async () => {
        const [clinic] = await harness().server.ctx.db.select({ secret: clinics.identitySecret }).from(clinics).where(eq(clinics.siteKey, 'demo'));
        const name = `Ida Identified ${isolation}`;
        const token = await signIdentityToken({ sub: `patient-${isolation}`, aud: 'demo', exp: Math.floor(Date.now() / 1000) + 300, name }, clinic!.secret);
        const context = await newContext();
        const { w, host, guard } = await openPage(context, `?attrs=${encodeURIComponent(`identity-token="${token}"`)}`);
        await host.getByRole('button', { name: /^Open chat/ }).click();
        await w.getByLabel('Reason for your visit').fill('Repeat prescription');
        expect(await w.getByLabel('Your name').count()).toBe(0);
        await w.getByRole('button', { name: 'Start chat' }).click();
        await w.getByText('You are in the queue').waitFor();
        const nurse = await newStaff();
        // Resolves once the chat assigned to the nurse carries this name: the signed one, not one typed.
        await nurse.take(name);
        await w.getByText('You are now chatting with Nurse Joy.').waitFor();
        await endChat(w);
        await guard.assertClean();
        await context.close();
      },
      TEST_TIMEOUT_MS,
    );
  });
