/**
 * A chat nobody answers moves on (server/src/modules/assignments/timers.ts), and the console of the nurse it left
 * says why. Joy gets a chat and writes nothing; her first-reply deadline is moved into the past in the database and
 * the deadlines fired by hand (the clock is the database's; nothing sleeps for a deadline). Sam, available, takes
 * it; Joy's tab says the chat moved on because she did not reply, who has it now, and the trail gives the reason.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { MedChat } from '@medchat/sdk';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { fireDeadlines } from '../../server/src/modules/assignments/timers';
import type { RunningServer } from '../../server/src/server';
import { launchChromium } from '../helpers/browser';
import { openConsole, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

let server: RunningServer;
let browser: Browser;

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: a chat left unanswered (browser)', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the chat goes to Sam, and Joy’s tab says it moved on because she did not reply in time', async () => {
    const { page: joy, guard } = await openConsole(browser, server, 'nurse.joy@demo.clinic');
    await joy.getByLabel('Availability').selectOption('available');

    const patient = new MedChat({ baseUrl: server.url });
    await patient.auth.guest({ siteKey: 'demo', displayName: 'Quinn Quiet' });
    const session = await patient.sessions.start({ reason: 'Rash on my arm' });
    await joy.getByRole('tab', { name: /Quinn Quiet/ }).waitFor();

    const sam = new MedChat({ baseUrl: server.url });
    await sam.auth.login({ email: 'nurse.sam@demo.clinic', password: DEMO_PASSWORD });
    await sam.employees.setAvailability('available');

    // Joy wrote nothing; her two minutes are over. The trail is append-only (a trigger), so the test moves the
    // start back with triggers off for this one transaction.
    await server.ctx.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`update assignments set started_at = started_at - interval '121 seconds' where session_id = ${session.id} and ended_at is null`);
    });
    // The server's own sweeper may get there first: either way it fires once.
    await fireDeadlines(server.ctx);

    const banner = joy.locator('.banner', { hasText: 'you did not reply within the clinic’s first-reply time' });
    await banner.waitFor();
    expect(await banner.innerText()).toContain('It is now with Nurse Sam.');
    expect(await joy.getByRole('tab', { name: /Quinn Quiet — transferred/ }).count()).toBe(1);
    expect(await joy.getByLabel('Reply to Quinn Quiet').isVisible()).toBe(false);

    await joy.getByText('Assignment history').click();
    await joy.locator('.history .trail li', { hasText: 'Nurse Sam' }).waitFor();
    expect(await joy.locator('.history .trail').innerText()).toMatch(/Nurse Joy[^\n]*→ no reply in time/);
    await shot(joy, '50-joy-unanswered');
    expect(await seriousA11yViolations(joy)).toEqual([]);
    await guard.assertClean();
  });
});
