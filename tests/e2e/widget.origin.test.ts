/**
 * A site whose origin is not on the clinic's allowed origins: the patient reads that chat is not available here
 * (with the clinic's emergency text), not a connection error; the webmaster gets one console warning naming the
 * page's origin and the setting to change. No alert, no `medchat-error`. Desktop and phone, guarded pages.
 */
import { describe, expect, test } from 'bun:test';
import { ISOLATIONS, launcherOf, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> on a site the clinic does not allow (isolation: ${isolation})`, () => {
    const { harness, newContext, openPage, shot, expectAxeClean } = useWidgetBrowser({ isolation });

    for (const size of Object.keys(VIEWPORTS) as Viewport[]) {
      test(
        `at ${size} size: "not available on this site", the emergency text, one console warning`,
        async () => {
          const context = await newContext({ size });
          const warnings: string[] = [];
          const { page, w, guard } = await openPage(context, { foreignOrigin: true, noReady: true });
          page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
          const origin = new URL(harness().foreignPageUrl).origin;
          // Isolated, the browser refuses the clinic's frame here (its frame-ancestors), and reports it in the
          // console; the loader tells the patient in the page, without the clinic's own emergency text.
          const framed = isolation === 'frame';
          if (framed) guard.allow(/frame-ancestors|Refused to frame/);
          const surface = framed ? page.locator('medchat-widget') : w;

          await launcherOf(w).click();
          await surface.getByText('Chat is not available on this site.').waitFor();
          const emergency = await surface.locator(framed ? '[part="unavailable"]' : '[part="emergency-notice"]').textContent();
          if (framed) expect(emergency).toContain('In an emergency, call your local emergency number.');
          else {
            expect(emergency).toContain('This chat is not for emergencies.');
            expect(emergency).toContain('If this is an emergency, call your local emergency number now.');
          }
          await expect(surface.getByText('Check your connection', { exact: false }).count()).resolves.toBe(0);
          await expect(surface.getByRole('button', { name: 'Start chat' }).count()).resolves.toBe(0);
          await shot(page, `30-origin-not-allowed-${size}`);
          await expectAxeClean(page, 'not available on this site');

          await page.reload();
          await launcherOf(w).click();
          await surface.getByText('Chat is not available on this site.').waitFor();
          // One warning per page load, naming the origin and the setting to change.
          const ours = warnings.filter((t) => t.includes('MedChat'));
          expect(ours).toHaveLength(2);
          expect(ours[0]).toContain(origin);
          expect(ours[0]).toContain('allowed origins');
          expect(await page.evaluate(() => window.__medchat.events.filter((e) => e.type === 'medchat-ready').length)).toBe(0);
          await guard.assertClean();
        },
        TEST_TIMEOUT_MS,
      );
    }
  });
