/**
 * A patient who went away after the nurse wrote (server/src/modules/assignments/patient-idle.ts) comes back to the
 * page: the chat waits on them out of the queue meanwhile, and the widget shows it as they left it, with no error.
 * They write, and they are back in the queue with the usual queue status. The clock is the database's: the nurse's
 * message and the patient's leaving are moved 31 minutes into the past and the deadlines fired by hand. Desktop and
 * phone; screenshots in test-results/widget.
 */
import { describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { firePatientDeadlines } from '../../server/src/modules/assignments/patient-idle';
import { query } from '../helpers/digest';
import { ISOLATIONS, launcherOf, TEST_TIMEOUT_MS, useWidgetBrowser, VIEWPORTS, waitFor, type Viewport } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

for (const isolation of ISOLATIONS)
  suite(`<medchat-widget> after the chat waited on the patient (isolation: ${isolation})`, () => {
    const { harness, newContext, openPage, startChat, sendFromPatient, endChat, newStaff, events, shot, expectAxeClean, expectNoSidewaysScroll } =
      useWidgetBrowser({ isolation });

    for (const size of Object.keys(VIEWPORTS) as Viewport[]) {
      test(
        `${size}: the returning patient sees their chat, writes, and is back in the queue`,
        async () => {
          const db = () => harness().server.ctx.db;
          const name = `Ada Away ${size}`;
          const context = await newContext({ size });
          const first = await openPage(context);
          await startChat(first.w, name, 'A cough');
          const nurse = await newStaff();
          const chat = await nurse.take(name);
          await chat.send('Is the cough dry?');
          await first.w.getByText('Is the cough dry?').waitFor();

          // The patient closes the page; the chat stays open on the server.
          await first.guard.assertClean();
          await first.page.close();
          await waitFor(
            async () =>
              (
                await query<{ left: boolean }>(
                  db(),
                  sql`select u.presence_lost_at is not null as left from users u join chat_sessions s on s.patient_id = u.id where s.id = ${chat.sessionId}`,
                )
              )[0]!.left,
            'the patient’s leaving is stamped',
          );
          await db().transaction(async (tx) => {
            await tx.execute(sql`set local session_replication_role = replica`);
            await tx.execute(sql`update messages set created_at = created_at - interval '31 minutes' where session_id = ${chat.sessionId}`);
            await tx.execute(sql`update users u set presence_lost_at = presence_lost_at - interval '31 minutes'
                                 from chat_sessions s where s.id = ${chat.sessionId} and u.id = s.patient_id`);
          });
          await firePatientDeadlines(harness().server.ctx);
          expect((await nurse.client.sessions.get(chat.sessionId)).status).toBe('idle');
          // Nobody is available when the patient comes back.
          await nurse.close();

          const { page, w, guard } = await openPage(context);
          expect((await events(page, 'medchat-ready'))[0].resumed).toBe(true);
          await launcherOf(w).click();
          await w.getByText('Is the cough dry?').waitFor();
          const box = w.getByRole('textbox', { name: 'Message' });
          await box.waitFor();
          expect(await w.getByText('You are in the queue').count()).toBe(0);
          await expectNoSidewaysScroll(page);
          await shot(page, `70-waiting-on-patient-${size}`);
          await expectAxeClean(page, 'waiting on the patient');

          await sendFromPatient(w, 'Yes, dry, since Monday.');
          await w.getByText('You are in the queue').waitFor();
          await w.getByText('Yes, dry, since Monday.').waitFor();
          await shot(page, `71-back-in-queue-${size}`);
          await endChat(w);
          expect(await events(page, 'medchat-error')).toEqual([]);
          await guard.assertClean();
        },
        TEST_TIMEOUT_MS,
      );
    }
  });
