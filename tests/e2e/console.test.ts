/**
 * The staff console in a real browser against a real server: the seed's hand-over scenario with two employees.
 * Joy and Sam each sign in to their own console; a patient (driven through the SDK) starts a chat; Joy becomes
 * available and gets it pushed; they chat both ways; Joy leaves with a handover note and Sam's console receives
 * the chat and the note; the patient ends and both consoles show it. The console is served exactly as the demo does: built in memory by
 * `buildConsole()`, under a strict Content-Security-Policy. Screenshots go to test-results/console/.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { MedChat, type SessionHandle } from '@medchat/sdk';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { timeStep, totpCode } from '../../server/src/lib/totp';
import { createClinic } from '../../server/src/modules/clinics/service';
import type { RunningServer } from '../../server/src/server';
import { guardContext, guardPage, launchChromium, type PageGuard } from '../helpers/browser';
import { openConsole as signIn, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';
import { until } from '../helpers/until';

const JOY = 'nurse.joy@demo.clinic';
const SAM = 'nurse.sam@demo.clinic';
const ADMIN = 'admin@demo.clinic';
const LEE = 'dr.lee@demo.clinic';

let server: RunningServer;
let browser: Browser;
/** The guard of every page the test opened: each must end clean. */
let guards: PageGuard[] = [];

async function openConsole(email: string): Promise<Page> {
  const { page, guard } = await signIn(browser, server, email);
  guards.push(guard);
  return page;
}

async function assertAllClean() {
  for (const guard of guards) await guard.assertClean();
  guards = [];
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console (browser)', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('hand-over: Joy gets the pushed chat, leaves with a note, Sam takes over and reads it, the patient ends', async () => {
    const joy = await openConsole(JOY);
    const sam = await openConsole(SAM);

    // A patient starts a chat while nobody is available: both consoles see them waiting.
    const patient = new MedChat({ baseUrl: server.url });
    await patient.auth.guest({ siteKey: 'demo', displayName: 'Robin Rivers' });
    const session = await patient.sessions.start({ reason: 'Sore throat for three days' });
    for (const page of [joy, sam]) await page.locator('.queue-entry', { hasText: 'Robin Rivers' }).waitFor();
    expect(await text(joy, '.queue-entry')).toContain('Sore throat for three days');
    await shot(sam, '01-queue');

    // Joy becomes available: the engine hands her the waiting chat and her console opens it and notifies.
    await joy.getByLabel('Availability').selectOption('available');
    const joyTab = joy.getByRole('tab', { name: /Robin Rivers/ });
    await joyTab.waitFor();
    expect(await joyTab.getAttribute('aria-selected')).toBe('true');
    await joy.waitForFunction(() => document.title === '(1) MedChat Console');
    await joy.locator('#load').filter({ hasText: '1 /' }).waitFor();
    await sam.locator('.queue-entry').waitFor({ state: 'detached' });

    // Chat both ways. The patient's text is shown as text, never as markup.
    const chat: SessionHandle = patient.chat(session.id);
    await chat.send('Hello, it hurts to swallow <img src=x onerror="document.title=1"><b>help</b>');
    await joy.locator('.message-patient', { hasText: 'it hurts to swallow' }).waitFor();
    expect(await joy.locator('.messages img, .messages b').count()).toBe(0);
    expect(await text(joy, '.message-patient .body')).toContain('<b>help</b>');

    chat.typing(true);
    await joy.getByText('Robin Rivers is typing…').waitFor();

    const reply = joy.getByLabel('Reply to Robin Rivers');
    await reply.fill('Hi Robin, I am Nurse Joy.');
    await reply.press('Shift+Enter');
    await reply.pressSequentially('Any fever?');
    await reply.press('Enter');
    await until(() => chat.messages.some((m) => m.body === 'Hi Robin, I am Nurse Joy.\nAny fever?'), 'the patient gets Joy’s reply', 10_000);
    expect(await reply.inputValue()).toBe('');
    await joy.locator('.message-own .receipt', { hasText: 'Sent' }).waitFor();
    await chat.markRead();
    await joy.locator('.message-own .receipt', { hasText: 'Read' }).waitFor();
    await chat.send('A little, 38.1 °C this morning.');
    await joy.locator('.message-patient', { hasText: '38.1' }).waitFor();
    await shot(joy, '02-joy-chatting');
    expect(await seriousA11yViolations(joy)).toEqual([]);

    // Sam comes on shift; Joy leaves with a handover note and the engine hands the chat to Sam.
    await sam.getByLabel('Availability').selectOption('available');
    await joy.getByRole('button', { name: 'Leave chat…' }).click();
    await joy.getByLabel('Handover note for the next staff member (staff only)').fill('Needs a callback from Dr. Lee; end of my shift');
    await joy.getByRole('button', { name: 'Leave and hand over' }).click();

    const samTab = sam.getByRole('tab', { name: /Robin Rivers/ });
    await samTab.waitFor();
    await sam.locator('.message-patient', { hasText: '38.1' }).waitFor(); // the history came along
    await sam.waitForFunction(() => document.title === '(1) MedChat Console');
    await joy.locator('.banner', { hasText: 'It is now with Nurse Sam' }).waitFor();
    expect(await joy.getByRole('tab', { name: /Robin Rivers — transferred/ }).count()).toBe(1);
    expect(await joy.getByLabel('Reply to Robin Rivers').isVisible()).toBe(false);

    await sam.getByText('Assignment history').click();
    await sam.locator('.history .trail li', { hasText: 'Nurse Sam' }).waitFor();
    const trail = await text(sam, '.history .trail');
    expect(trail).toMatch(/Nurse Joy[^\n]*picked up from the queue → left/);
    expect(trail).toMatch(/Nurse Sam[^\n]*handed over/);
    expect(await text(sam, '.history .trail .handover')).toBe('Needs a callback from Dr. Lee; end of my shift');

    await sam.getByLabel('Reply to Robin Rivers').fill('Hi Robin, Nurse Sam here. Dr. Lee will call you back today.');
    await sam.getByLabel('Reply to Robin Rivers').press('Enter');
    await until(() => chat.messages.some((m) => m.body.startsWith('Hi Robin, Nurse Sam here')), 'the patient gets Sam’s reply', 10_000);
    await shot(sam, '03-sam-took-over');

    // The patient ends the chat: both consoles say so, and nobody can write any more.
    await patient.sessions.end(session.id);
    for (const page of [sam, joy]) await page.locator('.banner', { hasText: 'Patient ended the chat.' }).waitFor();
    expect(await sam.getByLabel('Reply to Robin Rivers').isVisible()).toBe(false);
    await sam.locator('#load').filter({ hasText: '0 /' }).waitFor();
    await shot(sam, '04-sam-ended');
    await shot(joy, '05-joy-ended');

    // A closed tab is gone.
    await sam.getByRole('button', { name: 'Close tab' }).click();
    expect(await samTab.count()).toBe(0);
    chat.close();

    // Several chats at once: Sam steps away, a second patient arrives and opens beside Joy's ended chat without
    // taking the screen; the arrow keys move between tabs, and choosing the new one clears the badge.
    await sam.getByLabel('Availability').selectOption('away');
    await sam.getByText('you keep your chats; no new ones').waitFor();
    const second = new MedChat({ baseUrl: server.url });
    await second.auth.guest({ siteKey: 'demo', displayName: 'Alex Second' });
    await second.sessions.start({ reason: 'Prescription renewal' });
    const alexTab = joy.getByRole('tab', { name: /Alex Second/ });
    await alexTab.waitFor();
    await joy.waitForFunction(() => document.title === '(1) MedChat Console');
    expect(await alexTab.getAttribute('aria-selected')).toBe('false');
    await joy.getByRole('tab', { name: /Robin Rivers — ended/ }).focus();
    await joy.keyboard.press('ArrowRight');
    expect(await alexTab.getAttribute('aria-selected')).toBe('true');
    expect(await alexTab.evaluate((el) => el === document.activeElement)).toBe(true);
    await joy.waitForFunction(() => document.title === 'MedChat Console');
    await joy.getByLabel('Reply to Alex Second').waitFor();
    await shot(joy, '06-joy-two-tabs');
    await assertAllClean();
  }, 60_000);

  test('admin sees employees with availability and load, and every session with its assignment trail', async () => {
    const admin = await openConsole(ADMIN);
    const overview = admin.getByRole('region', { name: 'Clinic overview' });
    const employee = (name: string) => overview.locator('tr[data-employee-id]', { hasText: name });
    await employee('Nurse Sam').filter({ hasText: 'Away' }).waitFor();
    expect(await employee('Nurse Joy').innerText()).toMatch(/Available\s+1 \/ 1/);
    expect(await employee('Dr. Lee').innerText()).toContain('Offline');
    const row = overview.locator('tr[data-session-id]', { hasText: 'Robin Rivers' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/ended[\s\S]*Nurse Joy[\s\S]*→ left[\s\S]*Nurse Sam[\s\S]*→ chat ended/);
    expect(await overview.locator('tr[data-session-id]', { hasText: 'Alex Second' }).innerText()).toMatch(/active[\s\S]*Nurse Joy/);
    await shot(admin, '07-admin');
    expect(await seriousA11yViolations(admin)).toEqual([]);
    await assertAllClean();
  }, 30_000);

  test('two-step sign-in: Dr. Lee sets it up, then signing in asks for the code; the admin turns it off for him', async () => {
    const lee = await openConsole(LEE);
    await lee.getByRole('button', { name: 'Two-step sign-in' }).click();
    const dialog = lee.getByRole('dialog', { name: 'Two-step sign-in' });
    await dialog.getByLabel('Your password').fill(DEMO_PASSWORD);
    await dialog.getByRole('button', { name: 'Set up' }).click();
    // What the authenticator app is given: the key to type, and the otpauth link holding the same key.
    const secret = (await dialog.locator('#mfa-secret').innerText()).replaceAll(' ', '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const link = new URL((await dialog.locator('#mfa-link').getAttribute('href'))!);
    expect([link.protocol, link.host, link.searchParams.get('secret')]).toEqual(['otpauth:', 'totp', secret]);
    const step = timeStep(Date.now());
    await dialog.getByLabel('The code the app shows now').fill(await totpCode(secret, step));
    await dialog.getByRole('button', { name: 'Turn on' }).click();
    await dialog.getByText('Two-step sign-in is on.').waitFor();
    await dialog.getByRole('button', { name: 'Turn off' }).waitFor();
    await shot(lee, '08-two-step-on');
    expect(await seriousA11yViolations(lee)).toEqual([]);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Signing in again: the password alone is not enough; the form asks for the code and signs in with it.
    await lee.getByRole('button', { name: 'Sign out' }).click();
    await lee.getByLabel('Email').fill(LEE);
    await lee.getByLabel('Password').fill(DEMO_PASSWORD);
    await lee.getByRole('button', { name: 'Sign in' }).click();
    await lee.getByText('enter the 6-digit code your authenticator app shows').waitFor();
    // The app's next code (the one used to turn it on is spent).
    await lee.getByLabel('Code from your authenticator app').fill(await totpCode(secret, step + 1));
    await lee.getByRole('button', { name: 'Sign in' }).click();
    await lee.locator('.connection[data-state="open"]').waitFor();

    // He lost his phone: the admin turns it off for him.
    const admin = await openConsole(ADMIN);
    const row = admin.getByRole('region', { name: 'Clinic overview' }).locator('tr[data-employee-id]', { hasText: 'Dr. Lee' });
    // The confirmation is answered yes (a dialog would be dismissed by the page guard, and counted as a problem).
    await admin.evaluate(() => (window.confirm = (question) => ((document.body.dataset.confirmed = String(question)), true)));
    await row.getByRole('button', { name: 'Turn off two-step sign-in for Dr. Lee' }).click();
    await row.locator('td', { hasText: /^off$/ }).waitFor();
    expect(await admin.evaluate(() => document.body.dataset.confirmed)).toStartWith('Turn off two-step sign-in for \u2068Dr. Lee\u2069?');

    // The clinic now requires it: signing in without it set up leads to the set-up, then to the console.
    await server.ctx.db.execute(sql`update clinics set require_staff_mfa = true where site_key = 'demo'`);
    try {
      await lee.getByRole('button', { name: 'Sign out' }).click();
      await lee.getByLabel('Email').fill(LEE);
      await lee.getByLabel('Password').fill(DEMO_PASSWORD);
      await lee.getByRole('button', { name: 'Sign in' }).click();
      await lee.getByRole('heading', { name: 'Set up two-step sign-in' }).waitFor();
      await lee.getByLabel('Your password').fill(DEMO_PASSWORD);
      await lee.getByRole('button', { name: 'Set up' }).click();
      const again = (await lee.locator('#mfa-secret').innerText()).replaceAll(' ', '');
      await lee.getByLabel('The code the app shows now').fill(await totpCode(again, timeStep(Date.now())));
      await shot(lee, '09-required-set-up');
      expect(await seriousA11yViolations(lee)).toEqual([]);
      await lee.getByRole('button', { name: 'Turn on' }).click();
      await lee.locator('.connection[data-state="open"]').waitFor();
    } finally {
      await server.ctx.db.execute(sql`update clinics set require_staff_mfa = false where site_key = 'demo'`);
    }
    // Lee's rejected first sign-in (401 mfa_required) is expected; so is the admin's console being refused
    // (403 mfa_setup_required) once the clinic requires two-step sign-in, which the admin has not set up.
    guards[0]!.allow(/^console\.error: Failed to load resource: the server responded with a status of 401/);
    guards[1]!.allow(/^console\.error: Failed to load resource: the server responded with a status of 403/);
    await assertAllClean();
  }, 60_000);

  test('one email at two clinics: the form asks for the clinic, then signs in to the one named', async () => {
    // Kim is an employee at the demo clinic and the admin of Northside, with one email and two passwords.
    const KIM = 'kim@two.clinics';
    await createClinic(server.ctx.db, {
      name: 'Northside Clinic',
      siteKey: 'north',
      adminEmail: KIM,
      adminName: 'Kim at North',
      adminPassword: 'kim-north-password-1',
      allowedOrigins: [server.url],
    });
    const demoAdmin = new MedChat({ baseUrl: server.url });
    await demoAdmin.auth.login({ email: ADMIN, password: DEMO_PASSWORD });
    await demoAdmin.employees.create({ email: KIM, displayName: 'Kim at Demo', password: 'kim-demo-password-1' });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await guardContext(context);
    const page = await context.newPage();
    const guard = guardPage(page);
    const failed: string[] = [];
    page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
    await page.goto(`${server.url}/console/`);
    // No clinic field until the server asks for one.
    expect(await page.getByLabel(/^Clinic/).isVisible()).toBe(false);
    await page.getByLabel('Email').fill(KIM);
    await page.getByLabel('Password').fill('kim-north-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('used at several clinics').waitFor();
    const clinic = page.getByLabel(/^Clinic/);
    expect(await clinic.isVisible()).toBe(true);
    await shot(page, '10-clinic-required');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, '11-clinic-required-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await clinic.fill('North');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.connection[data-state="open"]').waitFor();
    // Northside's admin account, not the demo clinic's employee one: the admin overview is there.
    await page.getByRole('region', { name: 'Clinic overview' }).waitFor();
    // The sign-in that named no clinic (400 clinic_required) is Kim's only failed request.
    expect(failed).toEqual([`400 ${server.url}/api/v1/auth/login`]);
    guard.allow(/^console\.error: Failed to load resource: the server responded with a status of 400/);
    await guard.assertClean();
    await context.close();
  }, 60_000);
});
