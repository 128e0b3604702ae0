/**
 * Reply emails in the widget: the clinic's consent text labels a box in the pre-chat form (ticked, a guest gives an
 * address; an identified patient whose identity token named one finds it ticked and may untick it); the email's
 * link, opened in another browser, signs that patient back into the same conversation and leaves the page's address
 * without its token; the same link again, or an expired one, says so and offers a new chat. The emails are composed
 * by the server's own dispatcher, handed to a capturing mailer (the SMTP side is server/src/modules/emails). In both
 * isolations, desktop and phone. Screenshots in test-results/widget.
 */
import { describe, expect, test } from 'bun:test';
import { eq, sql } from 'drizzle-orm';
import { clinics } from '../../server/src/db/schema';
import { signIdentityToken } from '../../server/src/lib/identity-token';
import { dispatchEmails } from '../../server/src/modules/emails/dispatcher';
import type { Mailer } from '../../server/src/modules/emails/mailer';
import { query } from '../helpers/digest';
import { ISOLATIONS, launcherOf, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, waitFor, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

const CONSENT = 'Email me when Riverside replies (the email only says there is a new message).';

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> reply emails (isolation: ${isolation})`, () => {
    const { newContext, openPage, newStaff, shot, expectAxeClean, harness, endChat, events } = useWidgetBrowser({ isolation });
    const db = () => harness().server.ctx.db;
    const sent: { to: string; text: string }[] = [];
    const mailer: Mailer = { send: async (m) => (sent.push({ to: String(m.to), text: String(m.text) }), { ok: true }), close: () => {} };

    /** The tokens of the links emailed to this address, once its due emails (first and reminder) went out. */
    async function linksTo(address: string, sessionId: string, count: number): Promise<string[]> {
      await waitFor(async () => {
        await db().execute(
          sql`update email_notifications set next_attempt_at = now() - interval '1 second' where session_id = ${sessionId} and status = 'pending'`,
        );
        await dispatchEmails(harness().server.ctx, mailer);
        return sent.filter((m) => m.to === address).length >= count;
      }, `${count} emails to ${address}`);
      return sent.filter((m) => m.to === address).map((m) => m.text.match(/medchat_resume=([^\s&]+)/)![1]!);
    }

    const contactOf = async (name: string) =>
      query<{ email: string; source: string }>(
        db(),
        sql`select c.email, c.source from session_contacts c join chat_sessions s on s.id = c.session_id join users u on u.id = s.patient_id where u.display_name = ${name}`,
      );

    test(
      'the admin turns reply emails on, with the page the link opens and the consent text',
      async () => {
        const admin = await newStaff('admin@demo.clinic');
        const res = await fetch(`${harness().server.url}/api/v1/clinic/settings`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${admin.client.auth.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ emailNotify: true, emailPageUrl: harness().pageUrl, emailConsentText: CONSENT }),
        });
        expect(res.status).toBe(200);
      },
      TEST_TIMEOUT_MS,
    );

    for (const size of Object.keys(VIEWPORTS) as Viewport[]) {
      test(
        `${size}: a guest ticks the consent and gives an address; the email's link opens the same chat in another browser, once`,
        async () => {
          const name = `Mail ${isolation} ${size}`;
          const address = `mail-${isolation}-${size}@mail.example`;
          const first = await newContext({ size });
          const { page, w, guard } = await openPage(first);
          await launcherOf(w).click();
          const consent = w.getByLabel(CONSENT);
          expect(await consent.isChecked()).toBe(false);
          expect(await w.getByLabel('Your email address').count()).toBe(0);
          await w.getByLabel('Your name').fill(name);
          await w.getByLabel('Reason for your visit').fill('A question about my results');
          await consent.check();
          await w.getByLabel('Your email address').fill('not-an-address');
          await w.getByRole('button', { name: 'Start chat' }).click();
          await w.getByText('Please enter an email address like name@example.com.').waitFor();
          await w.getByLabel('Your email address').fill(address);
          await shot(page, `85-email-consent-${isolation}-${size}`);
          await expectAxeClean(page, 'email consent ticked');
          await w.getByRole('button', { name: 'Start chat' }).click();
          await w.getByText('You are in the queue').waitFor();
          expect(await contactOf(name)).toEqual([{ email: address, source: 'form' }]);
          await guard.assertClean();
          // The patient goes away; the nurse answers; the reply stays unseen.
          await first.close();
          const nurse = await newStaff();
          const chat = await nurse.take(name);
          await chat.send('Your results are fine.');
          const [link, reminder] = await linksTo(address, chat.sessionId, 2);

          // Another browser, from the email: the same conversation, and the token gone from the address.
          const second = await newContext({ size });
          const back = await openPage(second, `?medchat_resume=${encodeURIComponent(link!)}`);
          expect((await events(back.page, 'medchat-ready'))[0].resumed).toBe(true);
          expect(back.page.url()).not.toContain('medchat_resume');
          expect(back.page.frames().every((f) => !f.url().includes('medchat_resume'))).toBe(true);
          // The chat opened by itself: the patient came for it.
          await waitFor(async () => (await launcherOf(back.w).getAttribute('aria-expanded')) === 'true', 'the chat open on landing');
          await back.w.getByText('Your results are fine.').waitFor();
          await back.w.getByText('You are now chatting with Nurse Joy.').waitFor();
          await shot(back.page, `86-email-resumed-${isolation}-${size}`);
          await back.guard.assertClean();

          // The same link again: used, said so, and a new chat offered.
          const third = await newContext({ size });
          const again = await openPage(third, `?medchat_resume=${encodeURIComponent(link!)}`);
          expect((await events(again.page, 'medchat-ready'))[0].resumed).toBe(false);
          expect(again.page.url()).not.toContain('medchat_resume');
          // The chat opened by itself: the patient came for it.
          await waitFor(async () => (await launcherOf(again.w).getAttribute('aria-expanded')) === 'true', 'the chat open on landing');
          await again.w.getByRole('heading', { name: 'This link was already used' }).waitFor();
          await again.w.getByText('You can start a new chat below.').waitFor();
          await again.w.getByRole('button', { name: 'Start chat' }).waitFor();
          await shot(again.page, `87-email-link-used-${isolation}-${size}`);
          await expectAxeClean(again.page, 'link used');
          // The new chat it offers starts; after it, the notice is gone.
          await again.w.getByLabel('Your name').fill(`${name} again`);
          await again.w.getByLabel('Reason for your visit').fill('Another question');
          await again.w.getByRole('button', { name: 'Start chat' }).click();
          await endChat(again.w);
          await again.w.getByRole('button', { name: 'Start a new chat' }).click();
          await again.w.getByRole('button', { name: 'Start chat' }).waitFor();
          expect(await again.w.getByRole('heading', { name: 'This link was already used' }).count()).toBe(0);
          await again.guard.assertClean();
          await third.close();

          // The reminder's link, past its 24 hours.
          await db().execute(sql`update resume_links set expires_at = now() - interval '1 minute' where used_at is null`);
          const fourth = await newContext({ size, locale: 'es' });
          const late = await openPage(fourth, `?attrs=${encodeURIComponent('locale="es"')}&medchat_resume=${encodeURIComponent(reminder!)}`);
          // The chat opened by itself: the patient came for it.
          await waitFor(async () => (await launcherOf(late.w).getAttribute('aria-expanded')) === 'true', 'the chat open on landing');
          await late.w.getByRole('heading', { name: 'Este enlace ha caducado' }).waitFor();
          await late.w.getByRole('button', { name: 'Iniciar chat' }).waitFor();
          await shot(late.page, `88-email-link-expired-es-${isolation}-${size}`);
          await late.guard.assertClean();
          await fourth.close();

          await endChat(back.w);
          await nurse.close();
          await second.close();
        },
        TEST_TIMEOUT_MS * 2,
      );
    }

    test(
      "an identified patient finds the box ticked for their token's address, and may untick it",
      async () => {
        const [clinic] = await db().select({ secret: clinics.identitySecret }).from(clinics).where(eq(clinics.siteKey, 'demo'));
        for (const keep of [true, false]) {
          const name = `Ida ${isolation} ${keep ? 'keeps' : 'unticks'}`;
          const address = `ida-${isolation}-${keep}@mail.example`;
          const token = await signIdentityToken(
            { sub: `ida-${isolation}-${keep}`, aud: 'demo', exp: Math.floor(Date.now() / 1000) + 300, name, email: address },
            clinic!.secret,
          );
          const context = await newContext({ size: keep ? 'desktop' : 'phone' });
          const { page, w, guard } = await openPage(context, `?attrs=${encodeURIComponent(`identity-token="${token}"`)}`);
          await launcherOf(w).click();
          const consent = w.getByLabel(CONSENT);
          expect(await consent.isChecked()).toBe(true);
          await w.getByText(`We will write to ${address}.`).waitFor();
          expect(await w.getByLabel('Your email address').count()).toBe(0);
          await shot(page, `89-email-identified-${isolation}-${keep ? 'desktop' : 'phone'}`);
          if (!keep) await consent.uncheck();
          await w.getByLabel('Reason for your visit').fill('Repeat prescription');
          await w.getByRole('button', { name: 'Start chat' }).click();
          await w.getByText('You are in the queue').waitFor();
          expect(await contactOf(name)).toEqual(keep ? [{ email: address, source: 'identity' }] : []);
          await endChat(w);
          await guard.assertClean();
          await context.close();
        }
      },
      TEST_TIMEOUT_MS,
    );
  });
