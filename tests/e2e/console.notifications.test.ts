/**
 * Desktop notifications in the staff console: offered once (the browser asks only after "Turn on"; "Not now" is
 * remembered), then, while the console is in the background (another tab in front, focus emulation off so the page
 * really loses focus), a notification for a patient's reply and for a chat assigned. None
 * carries what anybody wrote or a name, unless the clinic allows first names; clicking one brings that chat forward.
 * The Notification API is the browser's own: an init script only records what the console created, so the test can
 * read it and click it as the employee would.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { MedChat } from '@medchat/sdk';
import type { RunningServer } from '../../server/src/server';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { type ConsolePage, openConsole, overflowsViewport, seriousA11yViolations, shot, useConsoleBrowser } from '../helpers/console';

setDefaultTimeout(60_000);

const JOY = 'nurse.joy@demo.clinic';
let server: RunningServer;
let browser: Browser;

interface Shown {
  title: string;
  body: string;
  tag: string;
}

declare global {
  interface Window {
    __notifications?: Notification[];
  }
}

/** Records every notification the page creates (the real ones: the browser still shows them). */
async function recordNotifications(nurse: ConsolePage) {
  await nurse.page.context().addInitScript(() => {
    const Real = window.Notification;
    window.__notifications = [];
    const Recorded = function (this: unknown, title: string, options?: NotificationOptions) {
      const n = new Real(title, options);
      window.__notifications!.push(n);
      return n;
    } as unknown as typeof Notification;
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
    Recorded.requestPermission = (...args) => Real.requestPermission(...args);
    window.Notification = Recorded;
  });
}

const shown = (page: Page) => page.evaluate(() => (window.__notifications ?? []).map((n) => ({ title: n.title, body: n.body, tag: n.tag })));

/** Another tab comes to the front: the console's page loses focus, as on a nurse's desk. */
async function sendToBackground(nurse: ConsolePage): Promise<Page> {
  const cdp = await nurse.page.context().newCDPSession(nurse.page);
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
  const other = await nurse.page.context().newPage();
  await other.setContent('<title>Patient record system</title><p>Another application</p>');
  await other.bringToFront();
  await nurse.page.waitForFunction(() => !document.hasFocus());
  return other;
}

async function patient(name: string) {
  const client = new MedChat({ baseUrl: server.url });
  await client.auth.guest({ siteKey: 'demo', displayName: name });
  const session = await client.sessions.start({ reason: 'canary zebra rash on my arm' });
  return { client, session };
}

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: desktop notifications (browser)', () => {
  const env = useConsoleBrowser(async (s) => {
    // Only Joy takes chats here, three at a time.
    await s.ctx.db.execute(sql`update users set active = false where email in ('nurse.sam@demo.clinic', 'dr.lee@demo.clinic')`);
    await s.ctx.db.execute(sql`update users set capacity = 3 where email = ${JOY}`);
  });
  beforeAll(() => {
    ({ server, browser } = env);
  });

  test('offered once: "Not now" is remembered; "Turn on" asks the browser', async () => {
    const nurse = await openConsole(browser, server, JOY, 'phone');
    const offer = nurse.page.getByRole('region', { name: 'Desktop notifications' });
    await offer.waitFor();
    expect(await overflowsViewport(nurse.page)).toBe(false);
    await shot(nurse.page, 'notifications-01-offer-phone');
    await offer.getByRole('button', { name: 'Not now' }).click();
    await offer.waitFor({ state: 'detached' });
    await nurse.page.reload();
    await nurse.page.locator('.connection[data-state="open"]').waitFor();
    expect(await nurse.page.getByRole('region', { name: 'Desktop notifications' }).count()).toBe(0);
    await nurse.guard.assertClean();
    await nurse.page.context().close();
  });

  test('desktop, in the background: a reply and a chat assigned, with no name or text; a click opens the chat', async () => {
    const nurse = await openConsole(browser, server, JOY);
    await recordNotifications(nurse);
    await nurse.page.reload();
    await nurse.page.locator('.connection[data-state="open"]').waitFor();
    const offer = nurse.page.getByRole('region', { name: 'Desktop notifications' });
    await offer.waitFor();
    await shot(nurse.page, 'notifications-02-offer-desktop');
    expect(await seriousA11yViolations(nurse.page)).toEqual([]);
    // The employee says yes in the browser's prompt.
    await nurse.page.context().grantPermissions(['notifications'], { origin: server.url });
    await offer.getByRole('button', { name: 'Turn on' }).click();
    await offer.waitFor({ state: 'detached' });

    await nurse.page.getByLabel('Availability').selectOption('available');
    // In front, the page itself shows news: no desktop notification.
    const first = await patient('Ada Canaryfront');
    await nurse.page.getByRole('tab', { name: /Ada Canaryfront/ }).waitFor();
    expect(await shown(nurse.page)).toEqual([]);

    const other = await sendToBackground(nurse);
    await first.client.chat(first.session.id).send('canary zebra: it itches');
    await nurse.page.waitForFunction(() => (window.__notifications ?? []).length === 1);
    const second = await patient('Bo Canaryback');
    await nurse.page.waitForFunction(() => (window.__notifications ?? []).length === 2);
    const list: Shown[] = await shown(nurse.page);
    expect(list).toEqual([
      { title: 'New message', body: 'A patient wrote in one of your chats.', tag: `reply-${first.session.id}` },
      { title: 'New chat assigned', body: 'A patient is waiting for your answer.', tag: `assigned-${second.session.id}` },
    ]);
    // Word-bounded: the tags carry session ids, whose hex may spell "ada".
    expect(JSON.stringify(list)).not.toMatch(/canary|zebra|itch|rash|\bAda\b|\bBo\b/i);

    // The employee clicks the reply's notification: the console comes forward on Ada's chat, ready to answer.
    await nurse.page.evaluate(() => window.__notifications![0]!.dispatchEvent(new Event('click')));
    await nurse.page.bringToFront();
    await nurse.page.waitForFunction((id) => document.getElementById(`tab-${id}`)?.getAttribute('aria-selected') === 'true', first.session.id);
    expect(await nurse.page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
    await shot(nurse.page, 'notifications-03-opened-from-notification-desktop');
    await other.close();
    await nurse.guard.assertClean();
    expect(nurse.failures).toEqual([]);
    await nurse.page.context().close();
  });

  test('the clinic allows first names: the notification names the patient by first name only', async () => {
    const admin = new MedChat({ baseUrl: server.url });
    await admin.auth.login({ email: 'admin@demo.clinic', password: DEMO_PASSWORD });
    const res = await fetch(`${server.url}/api/v1/clinic/settings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin.auth.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ notificationFirstNames: true }),
    });
    expect(res.status).toBe(200);
    const nurse = await openConsole(browser, server, JOY);
    await recordNotifications(nurse);
    await nurse.page.context().grantPermissions(['notifications'], { origin: server.url });
    await nurse.page.reload();
    await nurse.page.locator('.connection[data-state="open"]').waitFor();
    expect(await nurse.page.getByRole('region', { name: 'Desktop notifications' }).count()).toBe(0);
    await nurse.page.getByLabel('Availability').selectOption('available');
    const other = await sendToBackground(nurse);
    const cy = await patient('Cy Canarylast');
    await nurse.page.waitForFunction(() => (window.__notifications ?? []).length === 1);
    expect(await shown(nurse.page)).toEqual([{ title: 'New chat assigned', body: 'Cy is waiting for your answer.', tag: `assigned-${cy.session.id}` }]);
    await other.close();
    await nurse.guard.assertClean();
  });
});
