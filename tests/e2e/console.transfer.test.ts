/**
 * Transfer in the staff console: Nurse Joy transfers a chat to Nurse Sam with a handover note; Sam's console opens
 * the chat with the note at its top (pushed with the assignment), Joy's says where it went, and the patient sees a
 * neutral line naming Sam, never the note; while both have the chat open, each console says the other is viewing
 * it. Sam, on a phone, hands it back the same way. Screenshots in
 * test-results/console.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { MedChat } from '@medchat/sdk';
import type { RunningServer } from '../../server/src/server';
import { launchChromium } from '../helpers/browser';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { openConsole, overflowsViewport, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';
import { query } from '../helpers/digest';

// A browser on a loaded 2-core machine is slow; nothing here asserts on time.
setDefaultTimeout(90_000);

let server: RunningServer;
let browser: Browser;

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: transfer with a handover note (browser)', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('Joy transfers to Sam with a note (desktop); Sam sees it on open and hands back (phone); the patient sees who joins', async () => {
    // A team, so the dialog offers one too.
    const admin = new MedChat({ baseUrl: server.url });
    await admin.auth.login({ email: 'admin@demo.clinic', password: DEMO_PASSWORD });
    const ids = await query<{ id: string }>(server.ctx.db, sql`select id from users where email in ('nurse.joy@demo.clinic', 'nurse.sam@demo.clinic')`);
    const team = await fetch(`${server.url}/api/v1/teams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.auth.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Nursing' }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    await fetch(`${server.url}/api/v1/teams/${team.id}/members`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin.auth.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ employeeIds: ids.map((r) => r.id) }),
    });

    const joy = await openConsole(browser, server, 'nurse.joy@demo.clinic');
    await joy.page.getByLabel('Availability').selectOption('available');
    const patient = new MedChat({ baseUrl: server.url });
    await patient.auth.guest({ siteKey: 'demo', displayName: 'Pia Patient' });
    const session = await patient.sessions.start({ reason: 'Dizzy since this morning' });
    const patientChat = patient.chat(session.id);
    const joyChat = joy.page.getByRole('tabpanel');
    await joyChat.getByRole('heading', { name: /Pia Patient/ }).waitFor();

    const sam = await openConsole(browser, server, 'nurse.sam@demo.clinic', 'phone');
    await sam.page.getByLabel('Availability').selectOption('available');

    await joyChat.getByRole('button', { name: 'Transfer…' }).click();
    const form = joyChat.getByRole('form', { name: 'Transfer this chat' });
    await form.getByLabel('Transfer to').selectOption({ label: 'Nurse Sam — can take it now' });
    await form.getByLabel(/Handover note/).fill('Dizzy since 8am; BP 120/80 by her own cuff. Please ask about her new tablets.');
    await shot(joy.page, 'transfer-01-dialog-desktop');
    expect(await seriousA11yViolations(joy.page)).toEqual([]);
    await form.getByRole('button', { name: 'Transfer', exact: true }).click();
    await joyChat.locator('.banner', { hasText: 'It is now with Nurse Sam.' }).waitFor();

    // Sam's console opens the chat with the note, pushed with the assignment.
    // On a phone the list of chats comes first: Sam opens the new one.
    await sam.page.getByRole('tab', { name: /Pia Patient/ }).click();
    const samChat = sam.page.getByRole('tabpanel');
    const note = samChat.getByRole('complementary', { name: 'Handover note' });
    await note.waitFor();
    expect(await note.innerText()).toContain('Handover from Nurse Joy (transferred');
    expect(await note.innerText()).toContain('Please ask about her new tablets.');
    // Joy's console still shows the chat she handed over: each sees the other has it open, pushed.
    await samChat.locator('.session-presence', { hasText: 'Also viewing: Nurse Joy' }).waitFor();
    await joyChat.locator('.session-presence', { hasText: 'Also viewing: Nurse Sam' }).waitFor();
    await shot(sam.page, 'transfer-02-handover-phone');
    await shot(joy.page, 'transfer-02b-also-viewing-desktop');
    expect(await overflowsViewport(sam.page)).toBe(false);

    // The patient: a neutral line naming Sam, and nothing of the note.
    await patientChat.loadOlder().catch(() => {});
    const waitForLine = async () => {
      for (let i = 0; i < 100; i++) {
        const line = patientChat.messages.find((m) => m.kind === 'system' && m.system?.employeeName === 'Nurse Sam');
        if (line) return line;
        await Bun.sleep(100);
      }
      throw new Error('no system line naming Nurse Sam');
    };
    expect((await waitForLine()).system?.event).toBe('session.assigned');
    expect(JSON.stringify(patientChat.messages)).not.toContain('tablets');

    // Sam, on the phone, hands it back to Joy with a note; Joy's desktop shows it.
    await samChat.getByRole('button', { name: 'Transfer…' }).click();
    const samForm = samChat.getByRole('form', { name: 'Transfer this chat' });
    await samForm.getByLabel('Transfer to').selectOption({ label: 'Nurse Joy — can take it now' });
    await samForm.getByLabel(/Handover note/).fill('Asked about the tablets: she started them on Monday.');
    await shot(sam.page, 'transfer-03-dialog-phone');
    expect(await overflowsViewport(sam.page)).toBe(false);
    await samForm.getByRole('button', { name: 'Transfer', exact: true }).click();
    await joyChat.getByRole('complementary', { name: 'Handover note' }).getByText('she started them on Monday').waitFor();
    await shot(joy.page, 'transfer-04-handover-desktop');

    const trail = await query<{ end_reason: string | null; leave_note: string | null }>(
      server.ctx.db,
      sql`select end_reason, leave_note from assignments where session_id = ${session.id} order by started_at`,
    );
    expect(trail.map((r) => r.end_reason)).toEqual(['transferred', 'transferred', null]);
    patientChat.close();
    for (const c of [joy, sam]) {
      await c.guard.assertClean();
      expect(c.failures).toEqual([]);
    }
  });

  test('the admin routes a topic to the Nursing team in the intake editor; a line naming no team is refused in words', async () => {
    const admin = await openConsole(browser, server, 'admin@demo.clinic');
    await admin.page.getByRole('group', { name: 'Nursing' }).waitFor();
    const topics = admin.page.getByLabel('Topics, one per line: label = team');
    await topics.fill('Speak to a nurse = Nursing\nBilling = Accounts');
    await admin.page.getByRole('button', { name: 'Save intake questions' }).click();
    await admin.page.getByText('“Billing = Accounts” names no team').waitFor();
    await topics.fill('Speak to a nurse = nursing');
    await admin.page.getByRole('button', { name: 'Save intake questions' }).click();
    await admin.page
      .getByRole('status')
      .filter({ hasText: /^Saved\.$/ })
      .waitFor();
    await admin.page.locator('.teams').screenshot({ path: 'test-results/console/transfer-05-admin-teams-desktop.png' });
    const pub = (await fetch(`${server.url}/api/v1/clinics/demo`).then((r) => r.json())) as { intake: { topics: Array<{ label: string }> } };
    expect(pub.intake.topics.map((t) => t.label)).toEqual(['Speak to a nurse']);
    expect(await topics.inputValue()).toBe('Speak to a nurse = Nursing');
    await admin.guard.assertClean();
    expect(admin.failures).toEqual([]);
  });
});
