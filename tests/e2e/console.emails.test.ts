/**
 * Reply emails in the admin's console, in a real browser against a real server and a real SMTP server on loopback:
 * the admin turns them on with the page the link opens and a sender name; a patient's unseen reply is sent and
 * shows as sent in "Reply emails", an address the SMTP server refuses for good as failed with its SMTP status; no
 * address appears in the list. Desktop and phone; screenshots in test-results/console/.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import type { RunningServer } from '../../server/src/server';
import { launchChromium } from '../helpers/browser';
import { openConsole, overflowsViewport, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';
import { query } from '../helpers/digest';
import { SmtpReceiver } from '../helpers/smtp-receiver';
import { until } from '../helpers/until';

setDefaultTimeout(90_000);

let server: RunningServer;
let browser: Browser;
const smtp = new SmtpReceiver();

async function api(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/** A patient who asked to be emailed, a reply from Joy they do not see, and its first delay passed. */
async function unseenReply(address: string): Promise<string> {
  const joy = (await api('POST', '/auth/login', { email: 'nurse.joy@demo.clinic', password: DEMO_PASSWORD })).token;
  await api('PUT', '/employees/me/availability', { availability: 'available' }, joy);
  const patient = (await api('POST', '/auth/guest', { siteKey: 'demo', displayName: 'Pat' })).token;
  const id = (await api('POST', '/sessions', { reason: 'A cough', notifyEmail: address }, patient)).id as string;
  await api('POST', `/sessions/${id}/messages`, { clientMsgId: crypto.randomUUID(), body: 'Noted.' }, joy);
  await api('POST', `/sessions/${id}/end`, undefined, patient);
  await server.ctx.db.execute(sql`update email_notifications set next_attempt_at = now() where session_id = ${id} and kind = 'first'`);
  return id;
}

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: reply emails (browser)', () => {
  beforeAll(async () => {
    server = await startConsoleServer({ SMTP_URL: await smtp.start(), SMTP_FROM: 'care@mail.clinic.example', SWEEP_INTERVAL_MS: '200' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await smtp.stop();
  });

  test('the admin turns reply emails on; sent and refused emails are listed with their status, no addresses', async () => {
    const { page, guard } = await openConsole(browser, server, 'admin@demo.clinic');
    const form = page.getByRole('form', { name: 'Clinic settings' });
    await until(async () => (await form.getByLabel('Clinic name').inputValue()) === 'Riverside Family Clinic', 'the settings to load');
    await form.getByLabel('Email patients when a reply waits').check();
    await form.getByLabel('Page the email link opens').fill('https://clinic.example/chat');
    await form.getByLabel('Email sender name').fill('Riverside Nurses');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form
      .getByRole('status')
      .getByText(/^Saved at /)
      .waitFor();
    const [clinic] = await query<{ email_notify: boolean; email_page_url: string; email_sender_name: string; email_first_delay_minutes: number }>(
      server.ctx.db,
      sql`select email_notify, email_page_url, email_sender_name, email_first_delay_minutes from clinics where site_key = 'demo'`,
    );
    expect(clinic).toEqual({
      email_notify: true,
      email_page_url: 'https://clinic.example/chat',
      email_sender_name: 'Riverside Nurses',
      email_first_delay_minutes: 5,
    });

    smtp.refuse.add('nobody-here@mail.example');
    await unseenReply('reader@mail.example');
    await unseenReply('nobody-here@mail.example');
    await until(() => smtp.to('reader@mail.example').length === 1, 'the email to be sent');
    const list = page.locator('section.emails');
    await until(async () => {
      await list.getByRole('button', { name: 'Refresh' }).click();
      return (await list.locator('[data-testid="email-row"]').count()) === 4 && (await list.innerText()).includes('smtp 550');
    }, 'the list to show both chats, one sent and one refused');
    const text = await list.innerText();
    expect(text).toContain('Sent');
    expect(text).toContain('Failed');
    expect(text).toContain('smtp 550');
    expect(text).not.toContain('@mail.example');
    await list.scrollIntoViewIfNeeded();
    await shot(page, '95-admin-reply-emails');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await guard.assertClean();

    const phone = await openConsole(browser, server, 'admin@demo.clinic', 'phone');
    await phone.page.locator('section.emails [data-testid="email-row"]').first().waitFor();
    await phone.page.locator('section.emails').scrollIntoViewIfNeeded();
    await shot(phone.page, '96-admin-reply-emails-phone');
    expect(await overflowsViewport(phone.page)).toBe(false);
    await phone.guard.assertClean();
  });
});
