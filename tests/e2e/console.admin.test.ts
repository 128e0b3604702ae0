/**
 * The admin's clinic settings and webhooks in the staff console, in a real browser against a real server: a limit
 * turned off and another changed are saved and shown as stored, a value the server refuses is named beside its
 * field and changes nothing; a webhook endpoint registered to a receiver on loopback shows its secret once, the
 * delivery of a real chat's event appears in its log with attempts, answer and latency, a replay arrives again with
 * the same id, the secret is rotated and the endpoint deleted. Desktop and phone; screenshots in test-results/console/.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server';
import { launchChromium } from '../helpers/browser';
import { openConsole, overflowsViewport, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';
import { query } from '../helpers/digest';
import { until } from '../helpers/until';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(90_000);

let server: RunningServer;
let browser: Browser;

/** The clinic's system on loopback: the webhook-id and type of every request, answered 200. */
const received: Array<{ id: string; type: string }> = [];
const receiver = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch: async (req) => {
    received.push({ id: req.headers.get('webhook-id') ?? '', type: JSON.parse(await req.text()).type });
    return new Response('ok');
  },
});

const stored = async () =>
  (
    await query<{
      first_reply_seconds: number | null;
      away_timeout_minutes: number | null;
      grace_seconds: number;
      patient_idle_minutes: number | null;
      inactive_close_hours: number | null;
    }>(
      server.ctx.db,
      sql`select first_reply_seconds, away_timeout_minutes, grace_seconds, patient_idle_minutes, inactive_close_hours from clinics where site_key = 'demo'`,
    )
  )[0]!;

/** A patient starts a chat over the API, as the widget would. */
async function patientStartsChat(): Promise<string> {
  const post = async (path: string, body: unknown, token?: string) =>
    (
      await fetch(`${server.url}/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      })
    ).json();
  const { token } = await post('/auth/guest', { siteKey: 'demo', displayName: 'Pat' });
  return (await post('/sessions', { reason: 'A cough' }, token)).id;
}

/** Answers the page's confirm() with yes (a real dialog would be dismissed by the page guard and count as a problem). */
const confirmYes = (page: Page) => page.evaluate(() => void (window.confirm = () => true));

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: clinic settings and webhooks (browser)', () => {
  beforeAll(async () => {
    server = await startConsoleServer({ WEBHOOKS_ALLOW_PRIVATE: '1' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    receiver.stop(true);
  });

  test('settings: a limit turned off and another changed are saved and shown; a refused value is named beside its field, nothing saved', async () => {
    const { page, guard } = await openConsole(browser, server, 'admin@demo.clinic');
    const form = page.getByRole('form', { name: 'Clinic settings' });
    await form.scrollIntoViewIfNeeded();
    const firstReply = form.getByRole('group', { name: 'First reply deadline' });
    const away = form.getByRole('group', { name: 'Away timeout' });
    // The demo clinic's defaults, as loaded.
    await until(async () => (await firstReply.getByLabel('Seconds').inputValue()) === '120', 'the settings to load');
    expect(await away.getByLabel('Minutes').inputValue()).toBe('30');
    expect(await form.getByLabel('Clinic name').inputValue()).toBe('Riverside Family Clinic');

    await firstReply.getByLabel('Seconds').fill('90');
    await away.getByLabel('On').uncheck();
    expect(await away.getByLabel('Minutes').isDisabled()).toBe(true);
    await form.getByRole('group', { name: 'Reconnect grace period' }).getByLabel('Seconds').fill('45');
    // The patient-gone limits: the first changed, the second (off by default) turned on.
    const idle = form.getByRole('group', { name: 'Patient gone' });
    expect(await idle.getByLabel('Minutes').inputValue()).toBe('30');
    await idle.getByLabel('Minutes').fill('20');
    const close = form.getByRole('group', { name: 'Close chats waiting on the patient' });
    expect(await close.getByLabel('On').isChecked()).toBe(false);
    await close.getByLabel('On').check();
    await close.getByLabel('Hours').fill('48');
    await form.getByRole('status').getByText('Changes not saved yet.').waitFor();
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form
      .getByRole('status')
      .getByText(/^Saved at /)
      .waitFor();
    expect(await stored()).toEqual({
      first_reply_seconds: 90,
      away_timeout_minutes: null,
      grace_seconds: 45,
      patient_idle_minutes: 20,
      inactive_close_hours: 48,
    });
    expect(await away.getByLabel('On').isChecked()).toBe(false);
    await shot(page, '60-admin-settings');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Below the server's floor of 10 s: refused, the field says why, nothing changes.
    await firstReply.getByLabel('Seconds').fill('5');
    await away.getByLabel('On').check();
    await away.getByLabel('Minutes').fill('15');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByRole('status').getByText('Not saved: correct the fields marked below.').waitFor();
    await firstReply.getByText('Must be at least 10.').waitFor();
    expect(await firstReply.getByLabel('Seconds').getAttribute('aria-invalid')).toBe('true');
    expect(await away.getByLabel('Minutes').getAttribute('aria-invalid')).toBeNull();
    expect(await stored()).toEqual({
      first_reply_seconds: 90,
      away_timeout_minutes: null,
      grace_seconds: 45,
      patient_idle_minutes: 20,
      inactive_close_hours: 48,
    });
    await shot(page, '61-admin-settings-refused');
    guard.allow(/status of 400/);

    // Not a number: caught before it is sent.
    await firstReply.getByLabel('Seconds').fill('1m');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await firstReply.getByText('Must be a whole number.').waitFor();

    await firstReply.getByLabel('Seconds').fill('60');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form
      .getByRole('status')
      .getByText(/^Saved at /)
      .waitFor();
    expect(await firstReply.getByText('Must be at least 10.').count()).toBe(0);
    expect(await stored()).toEqual({
      first_reply_seconds: 60,
      away_timeout_minutes: 15,
      grace_seconds: 45,
      patient_idle_minutes: 20,
      inactive_close_hours: 48,
    });
    await guard.assertClean();
  });

  test('webhooks: register (secret shown once) → a chat’s delivery appears in the log → replay arrives with the same id → rotate → delete', async () => {
    const { page, guard } = await openConsole(browser, server, 'admin@demo.clinic');
    await confirmYes(page);
    const section = page.getByRole('region', { name: 'Webhooks' }).first();
    const url = `http://127.0.0.1:${receiver.port}/medchat`;
    await page.getByRole('form', { name: 'Register an endpoint' }).scrollIntoViewIfNeeded();
    await section.getByText('No endpoints yet.').waitFor();
    await page.getByLabel('Endpoint URL (https)').fill(url);
    await page.getByLabel('A chat ended').uncheck();
    await page.getByRole('button', { name: 'Register endpoint' }).click();
    const secret = page.getByTestId('webhook-secret');
    await secret.waitFor();
    const first = await secret.innerText();
    expect(first).toStartWith('whsec_');
    const row = page.locator('tr[data-endpoint-id]');
    await row.getByText(url).waitFor();
    expect(await row.locator('td').nth(1).innerText()).toBe('session.started');
    await shot(page, '62-admin-webhook-secret');
    await page.getByRole('button', { name: 'I stored it' }).click();
    expect(await secret.count()).toBe(0);

    const sessionId = await patientStartsChat();
    await until(() => received.length === 1, 'the receiver to get the event');
    expect(received[0]!.type).toBe('session.started');

    await row.getByRole('button', { name: /^Delivery log of / }).click();
    const log = page.locator('.delivery-log');
    const delivery = log.locator('tr[data-delivery-id]');
    await until(async () => {
      if ((await delivery.count()) === 1 && (await delivery.getAttribute('data-status')) === 'delivered') return true;
      await log.getByRole('button', { name: 'Refresh log' }).click();
      return false;
    }, 'the delivery to show as delivered');
    const cells = async () => (await delivery.locator('td').allInnerTexts()).map((t) => t.trim());
    const [event, status, attempts, answer, latency] = await cells();
    expect([event, status, attempts, answer]).toEqual(['A chat started', 'delivered', '1', 'HTTP 200']);
    expect(latency).toMatch(/^\d+ ms$/);
    expect(sessionId).toBeTruthy();
    await shot(page, '63-admin-webhook-log');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await delivery.getByRole('button', { name: /^Replay / }).click();
    await log.getByRole('status').getByText('Queued to send again now.').waitFor();
    await until(() => received.length === 2, 'the replay to arrive');
    expect(received[1]!.id).toBe(received[0]!.id);
    await until(async () => {
      await log.getByRole('button', { name: 'Refresh log' }).click();
      return (await cells())[2] === '2' && (await delivery.getAttribute('data-status')) === 'delivered';
    }, 'the replay to show in the log');

    await row.getByRole('button', { name: /^Rotate secret of / }).click();
    await page.getByRole('heading', { name: 'New signing secret' }).waitFor();
    expect(await secret.innerText()).not.toBe(first);
    await page.getByRole('button', { name: 'I stored it' }).click();

    await row.getByRole('button', { name: /^Delete / }).click();
    await section.getByText('No endpoints yet.').waitFor();
    expect(await log.isHidden()).toBe(true);
    await guard.assertClean();
  });

  test('a URL the server will not call says why; at phone size settings and webhooks fit the screen', async () => {
    const { page, guard } = await openConsole(browser, server, 'admin@demo.clinic', 'phone');
    await page.getByRole('form', { name: 'Register an endpoint' }).scrollIntoViewIfNeeded();
    await page.getByLabel('Endpoint URL (https)').fill('ftp://example.org/hook');
    await page.getByRole('button', { name: 'Register endpoint' }).click();
    await page.getByRole('region', { name: 'Webhooks' }).first().getByRole('status').getByText('Not registered: the URL: https only.').waitFor();
    guard.allow(/status of 400/);
    expect(await page.locator('tr[data-endpoint-id]').count()).toBe(0);
    expect(await overflowsViewport(page)).toBe(false);
    await shot(page, '64-admin-webhooks-phone');
    await page.getByRole('form', { name: 'Clinic settings' }).scrollIntoViewIfNeeded();
    await page.getByRole('form', { name: 'Clinic settings' }).screenshot({ path: 'test-results/console/65-admin-settings-phone.png' });
    await guard.assertClean();
  });
});
