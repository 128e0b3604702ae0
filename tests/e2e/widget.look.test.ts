/**
 * How the widget looks on a clinic page: the clinic's brand colour, light unless the page asks otherwise (not the
 * reader's system), a panel as tall as its content, a × without a permanent ring and named apart from the launcher.
 * Desktop and phone, guarded pages; screenshots in test-results/widget.
 */
import { describe, expect, test } from 'bun:test';
import { DEMO_BRAND_COLOR } from '../../server/src/db/seed';
import { ISOLATIONS, launcherOf, panelOf, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
const WHITE = 'rgb(255, 255, 255)';
const DARK_SURFACE = 'rgb(22, 27, 34)';

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> looks right on a clinic page (isolation: ${isolation})`, () => {
    const { newContext, openPage, shot, expectAxeClean } = useWidgetBrowser({ isolation });

    for (const size of Object.keys(VIEWPORTS) as Viewport[]) {
      test(
        `at ${size} size: brand colour, light on a dark system, content-sized panel, a quiet and distinct ×`,
        async () => {
          // The reader's system is dark; the page (and so the widget) is light.
          const context = await newContext({ size, colorScheme: 'dark' });
          const { page, w, guard } = await openPage(context);
          const launcher = launcherOf(w);
          expect(await launcher.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(rgb(DEMO_BRAND_COLOR));

          await launcher.click();
          const panel = panelOf(w);
          await w.getByLabel('Your name').waitFor();
          expect(await panel.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(WHITE);
          expect(await w.locator('[part="header"]').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(rgb(DEMO_BRAND_COLOR));

          // Launcher and × have their own names.
          await expect(launcher.getAttribute('aria-label')).resolves.toBe('Close chat');
          const close = w.getByRole('button', { name: 'Minimize chat', exact: true });
          await expect(close.count()).resolves.toBe(1);
          // No ring on the × until the keyboard reaches it.
          const ring = () => close.evaluate((el) => ({ border: getComputedStyle(el).borderTopColor, outline: getComputedStyle(el).outlineStyle }));
          expect(await ring()).toEqual({ border: 'rgba(0, 0, 0, 0)', outline: 'none' });

          if (size === 'desktop') {
            // The panel ends where the form ends (no empty space under it).
            // Isolated, the content is the frame's, and the panel ends where the frame's view does.
            const framed = isolation === 'frame';
            const gap = await (framed ? w.locator('[part="panel"]') : panel).evaluate((el, framed) => {
              const body = el.querySelector('.body') ?? el.shadowRoot!.querySelector('.body')!;
              const content = [...body.children].reduce((bottom, c) => Math.max(bottom, c.getBoundingClientRect().bottom), 0);
              return Math.round((framed ? window.innerHeight : el.getBoundingClientRect().bottom) - content);
            }, framed);
            expect(gap).toBeLessThan(24);
          } else {
            const box = (await panel.boundingBox())!;
            // Whole pixels: layout may land a hair off one (844.00002) as the panel settles.
            expect([Math.round(box.width), Math.round(box.height)]).toEqual([VIEWPORTS.phone.width, VIEWPORTS.phone.height]);
          }
          await shot(page, `50-light-on-dark-system-${size}`);
          await expectAxeClean(page, 'pre-chat, brand colour');

          await page.keyboard.press('Shift+Tab');
          for (let i = 0; i < 12 && !(await close.evaluate((el) => el.matches(':focus-visible'))); i++) await page.keyboard.press('Shift+Tab');
          expect((await ring()).outline).toBe('solid');
          await guard.assertClean();
        },
        TEST_TIMEOUT_MS,
      );
    }

    test(
      'theme="auto" follows the system, theme="dark" is dark anywhere',
      async () => {
        for (const [theme, scheme, surface] of [
          ['auto', 'dark', DARK_SURFACE],
          ['auto', 'light', WHITE],
          ['dark', 'light', DARK_SURFACE],
        ] as const) {
          const context = await newContext({ colorScheme: scheme });
          const { page, w, guard } = await openPage(context, `?attrs=${encodeURIComponent(`theme="${theme}"`)}`);
          await launcherOf(w).click();
          await w.getByLabel('Your name').waitFor();
          expect({ theme, scheme, surface: await panelOf(w).evaluate((el) => getComputedStyle(el).backgroundColor) }).toEqual({
            theme,
            scheme,
            surface,
          });
          if (theme === 'auto' && scheme === 'dark') await shot(page, '51-theme-auto-dark');
          await expectAxeClean(page, `theme ${theme} on a ${scheme} system`);
          await guard.assertClean();
        }
      },
      TEST_TIMEOUT_MS,
    );
  });
