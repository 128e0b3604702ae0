/**
 * A patient who goes away after staff wrote (server/src/modules/assignments/patient-idle.ts): the chat leaves Joy and
 * waits on its patient, and the console shows it in its own "Waiting on patient" list, apart from the queue. Joy
 * answers Quinn in the console; Quinn (no socket: gone) says nothing more. The clock is the database's: Joy's
 * message is moved 31 minutes into the past and the deadlines fired by hand. Then Quinn writes again: the chat is
 * back in the waiting queue, out of the other list. Desktop (Joy) and phone (Sam); screenshots in test-results/console/.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { MedChat } from '@medchat/sdk';
import { firePatientDeadlines } from '../../server/src/modules/assignments/patient-idle';
import type { RunningServer } from '../../server/src/server';
import { launchChromium } from '../helpers/browser';
import { query } from '../helpers/digest';
import { until } from '../helpers/until';
import { openConsole, overflowsViewport, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(90_000);

let server: RunningServer;
let browser: Browser;

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: a chat waiting on its patient (browser)', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the chat leaves Joy for the "Waiting on patient" list, and goes back to the queue when the patient writes', async () => {
    const { page: joy, guard } = await openConsole(browser, server, 'nurse.joy@demo.clinic');
    await joy.getByLabel('Availability').selectOption('available');
    const { page: sam, guard: samGuard } = await openConsole(browser, server, 'nurse.sam@demo.clinic', 'phone');

    const patient = new MedChat({ baseUrl: server.url });
    await patient.auth.guest({ siteKey: 'demo', displayName: 'Quinn Quiet' });
    const session = await patient.sessions.start({ reason: 'Rash on my arm' });
    const reply = joy.getByLabel('Reply to Quinn Quiet');
    await reply.fill('Could you send a photo of the rash?');
    await reply.press('Enter');
    await joy.locator('.message-own .receipt', { hasText: 'Sent' }).waitFor();

    // Quinn never answers and has no socket. Messages are immutable (a trigger): the test moves Joy's back with
    // triggers off for this one transaction. The server's own sweeper may get there first: either way it fires once.
    await server.ctx.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`update messages set created_at = created_at - interval '31 minutes' where session_id = ${session.id}`);
    });
    await firePatientDeadlines(server.ctx);

    const banner = joy.locator('.banner', { hasText: 'Waiting on the patient' });
    await banner.waitFor();
    expect(await joy.getByLabel('Reply to Quinn Quiet').isVisible()).toBe(false);
    // Her list of chats says what became of it: set aside, not handed to a colleague.
    await joy.getByRole('tab', { name: /Quinn Quiet — waiting on patient/ }).waitFor();
    const idleList = (page: typeof joy) => page.locator('.idle-list');
    await idleList(joy).locator('.queue-entry', { hasText: 'Quinn Quiet' }).waitFor();
    expect(await idleList(joy).innerText()).toMatch(/Rash on my arm[\s\S]*quiet for just now · last with Nurse Joy/);
    expect(await joy.getByRole('heading', { name: 'Waiting on patient (1)' }).count()).toBe(1);
    expect(await joy.getByRole('heading', { name: 'Waiting queue (0)' }).count()).toBe(1);
    await joy.getByText('Assignment history').click();
    await joy.locator('.history .trail', { hasText: 'patient went quiet' }).waitFor();
    await shot(joy, '60-waiting-on-patient-desktop');
    await idleList(sam).locator('.queue-entry', { hasText: 'Quinn Quiet' }).waitFor();
    expect(await overflowsViewport(sam)).toBe(false);
    await shot(sam, '61-waiting-on-patient-phone');
    expect(await seriousA11yViolations(joy)).toEqual([]);
    expect(await seriousA11yViolations(sam)).toEqual([]);

    // Nobody is free when Quinn comes back: the chat waits in the queue, out of the other list.
    await joy.getByLabel('Availability').selectOption('away');
    // The console changes it with a request of its own: wait until the server has it, or Quinn's message could find
    // Joy still available and go straight to her.
    await until(
      async () =>
        (await query<{ a: string }>(server.ctx.db, sql`select availability::text as a from users where email = 'nurse.joy@demo.clinic'`))[0]?.a === 'away',
      'Joy to be away',
    );
    await patient.messages.send(session.id, { body: 'Sorry, here it is.' });
    for (const page of [joy, sam]) {
      await page.locator('.queue-list:not(.idle-list) .queue-entry', { hasText: 'Quinn Quiet' }).waitFor();
      await page.getByRole('heading', { name: 'Waiting on patient (0)' }).waitFor();
    }
    await joy.locator('.banner', { hasText: 'The patient came back' }).waitFor();
    await joy.getByRole('tab', { name: /Quinn Quiet — transferred/ }).waitFor();
    await shot(joy, '62-back-in-queue-desktop');
    await shot(sam, '63-back-in-queue-phone');

    // Joy is available again: the engine gives it to her as any waiting chat, and her console opens it.
    await joy.getByLabel('Availability').selectOption('available');
    await joy.getByLabel('Reply to Quinn Quiet').waitFor();
    await joy.locator('.message-patient', { hasText: 'Sorry, here it is.' }).waitFor();
    await joy.getByRole('heading', { name: 'Waiting queue (0)' }).waitFor();
    await guard.assertClean();
    await samGuard.assertClean();
  });
});
