/**
 * The console as a nurse's inbox: her chats beside the open one, urgent first then by wait, unread counts that rise
 * and clear, the chats waiting on their patient apart; the patient's details beside the chat (reason, topic, red
 * flags, assignment history); every keyboard shortcut; the tablet sizes, portrait and landscape, with axe at each.
 * Screenshots of every state in test-results/console (inbox-*).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { MedChat } from '@medchat/sdk';
import { DEMO_PASSWORD, seedDemoExtras } from '../../server/src/db/seed';
import { signIdentityToken } from '../../server/src/lib/identity-token';
import { openConsole, overflowsViewport, seriousA11yViolations, shot, useConsoleBrowser } from '../helpers/console';
import { query } from '../helpers/digest';

// A browser on a loaded 2-core machine is slow; nothing here asserts on time.
setDefaultTimeout(120_000);

const JOY = 'nurse.joy@demo.clinic';
const TABLET_PORTRAIT = { width: 820, height: 1180 };
const TABLET_LANDSCAPE = { width: 1180, height: 820 };
let chest = '';
let bleeding = '';
let prescriptions = '';
let identitySecret = '';

const ctx = useConsoleBrowser(async (server) => {
  const [clinic] = await query<{ id: string; identity_secret: string }>(server.ctx.db, sql`select id, identity_secret from clinics limit 1`);
  identitySecret = clinic!.identity_secret;
  await seedDemoExtras(server.ctx.db, clinic!.id);
  // Joy holds up to five chats; she is the only one on shift.
  await server.ctx.db.execute(sql`update users set capacity = 5 where email = ${JOY}`);
  const admin = new MedChat({ baseUrl: server.url });
  await admin.auth.login({ email: 'admin@demo.clinic', password: DEMO_PASSWORD });
  const api = (method: string, path: string, body: unknown) =>
    fetch(`${server.url}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${admin.auth.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<any>);
  const team = await api('POST', 'teams', { name: 'Nursing' });
  const [joy] = await query<{ id: string }>(server.ctx.db, sql`select id from users where email = ${JOY}`);
  await api('PUT', `teams/${team.id}/members`, { employeeIds: [joy!.id] });
  const [intake] = await query<{ red_flags: { id: string; text: string }[] }>(
    server.ctx.db,
    sql`select red_flags from clinic_intake where clinic_id = ${clinic!.id}`,
  );
  const saved = await api('PUT', 'clinic/intake', {
    redFlags: intake!.red_flags,
    emergencyInstructions: 'Call 112 now.',
    topics: [{ label: 'Prescriptions', teamId: team.id }],
  });
  [chest, bleeding] = saved.redFlags.map((f: { id: string }) => f.id);
  prescriptions = saved.topics[0].id;
});

/** A patient starts a chat through the SDK (red flags answered; a yes makes it urgent) and may write at once. */
async function patient(name: string, { urgent = false, topic = false, says = '', verifiedAs = '' } = {}) {
  const client = new MedChat({ baseUrl: ctx.server.url });
  // Verified: signed in by the clinic's own site with an identity token; else a guest who typed a name.
  if (verifiedAs) {
    const identityToken = await signIdentityToken({ sub: verifiedAs, name, aud: 'demo', exp: Math.floor(Date.now() / 1000) + 300 }, identitySecret);
    await client.auth.identify({ siteKey: 'demo', identityToken });
  } else await client.auth.guest({ siteKey: 'demo', displayName: name });
  const session = await client.sessions.start({
    reason: `${name}'s question`,
    intake: {
      redFlags: [
        { id: chest, answer: urgent },
        { id: bleeding, answer: false },
      ],
      ...(topic ? { topic: prescriptions } : {}),
    },
  });
  if (says) await client.messages.send(session.id, { body: says });
  return { client, session, say: (body: string) => client.messages.send(session.id, { body }) };
}

/** The rows of one group of the list, as their patients' names. */
const names = (page: Page, group: string) => page.locator(`.inbox-group[data-group="${group}"] [role="tab"] .tab-name`).allInnerTexts();
const row = (page: Page, name: string) => page.getByRole('tab', { name: new RegExp(name) });
const selectedName = (page: Page) => page.locator('[role="tab"][aria-selected="true"] .tab-name').innerText();

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: the inbox (browser)', () => {
  test('urgent first then by wait, unread counts rise and clear, waiting on patient apart, the patient’s details, every shortcut', async () => {
    const joy = await openConsole(ctx.browser, ctx.server, JOY);
    const p = joy.page;
    await p.getByLabel('Availability').selectOption('available');

    // Rosa (a prescription, routed to Nursing) and Walt arrive; Joy answers Walt, who moves to "Waiting on patient".
    await patient('Rosa Routine', { topic: true, says: 'Is my prescription ready?', verifiedAs: 'mrn-20481' });
    await row(p, 'Rosa Routine').waitFor();
    const walt = await patient('Walt Waiting', { says: 'Can I book a flu shot?' });
    await row(p, 'Walt Waiting').click();
    const reply = p.getByLabel('Reply to Walt Waiting');
    await reply.fill('Yes: which day suits you?');
    await reply.press('Enter');
    await p.locator('.inbox-group[data-group="patient"]', { hasText: 'Walt Waiting' }).waitFor();
    expect(await names(p, 'patient')).toEqual(['Walt Waiting']);
    expect(await row(p, 'Rosa Routine').locator('.row-meta').innerText()).toMatch(/^Prescriptions · (just now|\d+ min ago)$/);

    // Uma answers yes to a red flag: the last to arrive, the first in the list, marked urgent.
    const uma = await patient('Uma Urgent', { urgent: true });
    await row(p, 'Uma Urgent').waitFor();
    await p.waitForFunction(() => document.querySelector('[data-group="reply"] [role="tab"] .tab-name')?.textContent === 'Uma Urgent');
    expect(await names(p, 'reply')).toEqual(['Uma Urgent', 'Rosa Routine']);
    expect(await row(p, 'Uma Urgent').getAttribute('data-priority')).toBe('urgent');
    expect(await row(p, 'Uma Urgent').locator('.badge-urgent').innerText()).toBe('Urgent');
    expect(await row(p, 'Rosa Routine').locator('.badge-urgent').count()).toBe(0);

    // Unread: Uma writes twice while Joy reads Walt's chat; her row counts 2, and opening it clears the count.
    expect(await selectedName(p)).toBe('Walt Waiting');
    await uma.say('The pain goes to my left arm');
    await uma.say('And I feel sick');
    await row(p, 'Uma Urgent').locator('.unread-count', { hasText: '2' }).waitFor();
    // Said to screen readers with the row: "2 unread".
    expect(await row(p, 'Uma Urgent').locator('.unread-count').textContent()).toBe('2 unread');
    expect((await p.title()).startsWith('(')).toBe(true);
    await shot(p, 'inbox-01-list-desktop');
    await row(p, 'Uma Urgent').click();
    await row(p, 'Uma Urgent').locator('.unread-count').waitFor({ state: 'detached' });
    expect(await row(p, 'Uma Urgent').getAttribute('aria-selected')).toBe('true');

    // Her details beside the chat: reason, the red flags she answered (yes first), and the assignment history.
    const details = p.getByRole('complementary', { name: 'Patient details' });
    await details.locator('dd', { hasText: "Uma Urgent's question" }).waitFor();
    await details.locator('.flag-yes', { hasText: 'chest pain' }).waitFor();
    expect(await details.locator('.flag-answers li').allInnerTexts()).toEqual([
      'Yes Do you have chest pain or trouble breathing?',
      'No Are you bleeding heavily, and it does not stop?',
    ]);
    expect(await details.locator('dd', { hasText: 'Not verified' }).count()).toBe(1);
    await details.getByText('Assignment history').click();
    await details.locator('.trail li', { hasText: 'Nurse Joy' }).waitFor();
    expect(await details.locator('.trail').innerText()).toContain('new chat');
    await shot(p, 'inbox-02-details-desktop');
    expect(await seriousA11yViolations(p)).toEqual([]);
    expect(await overflowsViewport(p)).toBe(false);

    // Shortcuts, from the list (focus is on Uma's row): J and K, Alt+↓ and Alt+↑ walk the list in its order.
    await row(p, 'Uma Urgent').focus();
    await p.keyboard.press('j');
    expect(await selectedName(p)).toBe('Rosa Routine');
    expect(await p.evaluate(() => document.activeElement?.getAttribute('aria-selected'))).toBe('true');
    // Rosa signed in on the clinic's site: her details say so, with the clinic's id for her; her topic and its team.
    await details.locator('dd', { hasText: 'Verified by the clinic’s sign-in (ID mrn-20481)' }).waitFor();
    expect(await details.locator('dd', { hasText: 'Prescriptions' }).count()).toBe(1);
    await details.locator('dd', { hasText: 'Nursing' }).waitFor();
    await p.keyboard.press('k');
    expect(await selectedName(p)).toBe('Uma Urgent');
    await p.keyboard.press('Alt+ArrowDown');
    await p.keyboard.press('Alt+ArrowDown');
    expect(await selectedName(p)).toBe('Walt Waiting');
    await p.keyboard.press('Alt+ArrowUp');
    expect(await selectedName(p)).toBe('Rosa Routine');

    // N: the next chat with unread messages (Walt wrote back; he is awaiting a reply again).
    await walt.say('Thursday please');
    await row(p, 'Walt Waiting').locator('.unread-count', { hasText: '1' }).waitFor();
    await p.locator('.inbox-group[data-group="reply"]', { hasText: 'Walt Waiting' }).waitFor();
    await p.keyboard.press('n');
    expect(await selectedName(p)).toBe('Walt Waiting');
    await row(p, 'Walt Waiting').locator('.unread-count').waitFor({ state: 'detached' });

    // R focuses the reply box; there a letter is just a letter, and Escape goes back to the list.
    await p.keyboard.press('r');
    const waltReply = p.getByLabel('Reply to Walt Waiting');
    expect(await waltReply.evaluate((el) => el === document.activeElement)).toBe(true);
    await p.keyboard.type('jk');
    expect(await waltReply.inputValue()).toBe('jk');
    expect(await selectedName(p)).toBe('Walt Waiting');
    await p.keyboard.press('Escape');
    expect(await p.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('tab');
    await waltReply.fill('');

    // /: the reply box with the quick replies open; one is inserted, edited and sent.
    await p.keyboard.press('/');
    const list = p.getByRole('listbox', { name: 'Quick replies' });
    await list.waitFor();
    expect(await waltReply.inputValue()).toBe('/');
    await p.keyboard.type('follow');
    await p.getByRole('option', { name: /\/followup/ }).waitFor();
    await p.keyboard.press('Enter');
    expect(await waltReply.inputValue()).toBe('Thank you. A nurse will call you back today to follow up.');
    await p.keyboard.type(' See you Thursday.');
    await p.keyboard.press('Enter');
    const sent = 'Thank you. A nurse will call you back today to follow up. See you Thursday.';
    await p.locator('.message-own', { hasText: sent }).waitFor();
    const heard = await walt.client.messages.list(walt.session.id);
    expect(heard.messages.map((m) => m.body)).toContain(sent);
    await p.locator('.inbox-group[data-group="patient"]', { hasText: 'Walt Waiting' }).waitFor();

    // T opens the transfer form on its first field; I hides and shows the details; ? lists the shortcuts.
    await p.keyboard.press('Escape');
    await p.keyboard.press('t');
    const transfer = p.getByRole('form', { name: 'Transfer this chat' });
    await transfer.waitFor();
    expect(await transfer.getByLabel('Transfer to').evaluate((el) => el === document.activeElement)).toBe(true);
    await transfer.getByRole('button', { name: 'Cancel' }).click();
    await transfer.waitFor({ state: 'hidden' });
    const toggle = p.locator('.chat:not([hidden])').getByRole('button', { name: 'Patient details' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await p.keyboard.press('i');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await details.count()).toBe(0);
    await p.keyboard.press('i');
    await details.waitFor();
    await p.keyboard.press('?');
    const dialog = p.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    for (const key of ['J', 'K', 'Alt+↓', 'Alt+↑', 'N', 'T', '/', 'R', 'I', '?', 'Escape'])
      expect(await dialog.locator('kbd', { hasText: key }).count()).toBeGreaterThan(0);
    await shot(p, 'inbox-03-shortcuts-desktop');
    expect(await seriousA11yViolations(p)).toEqual([]);
    await p.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // The button in the list opens it too.
    await p.getByRole('button', { name: 'Shortcuts (?)' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // A tablet, portrait and landscape: the list and the chat share the screen; the details are a toggle.
    for (const [size, label] of [
      [TABLET_PORTRAIT, 'portrait'],
      [TABLET_LANDSCAPE, 'landscape'],
    ] as const) {
      await p.setViewportSize(size);
      await row(p, 'Uma Urgent').click();
      expect(await row(p, 'Uma Urgent').isVisible()).toBe(true);
      expect(await p.locator('.chat:not([hidden])').isVisible()).toBe(true);
      const open = p.locator('.chat:not([hidden])').getByRole('button', { name: 'Patient details' });
      if (label === 'portrait') expect(await open.getAttribute('aria-expanded')).toBe('false');
      await shot(p, `inbox-04-list-tablet-${label}`);
      expect(await overflowsViewport(p)).toBe(false);
      expect(await seriousA11yViolations(p)).toEqual([]);
      if ((await open.getAttribute('aria-expanded')) === 'false') await open.click();
      await details.locator('.flag-yes').waitFor();
      await shot(p, `inbox-05-details-tablet-${label}`);
      expect(await overflowsViewport(p)).toBe(false);
      expect(await seriousA11yViolations(p)).toEqual([]);
      await p.keyboard.press('?');
      await dialog.waitFor();
      await shot(p, `inbox-06-shortcuts-tablet-${label}`);
      await p.keyboard.press('Escape');
    }

    await p.getByLabel('Availability').selectOption('away');
    await joy.guard.assertClean();
    expect(joy.failures).toEqual([]);
  });
});
