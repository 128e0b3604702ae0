/**
 * Retention (docs/requirements.md#privacy): each clinic may set `retentionDays`; ended sessions older than that are deleted with
 * their messages, attachments (rows by cascade, bytes from the blob store first), assignments, read markers and reply-email address, outbox rows and links (cascade), and its webhook events with their deliveries, pending or
 * not (a `message.created` may carry the text: it must not outlive the message). A PHI-free audit row records each
 * purge; audit rows themselves are kept.
 */
import { and, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { sessionBlobKeys } from '../attachments/store';
import { chatSessions, clinics, webhookEvents } from '../../db/schema';
import { recordAudit } from '../audit/service';

/**
 * Deletes up to 500 ended sessions whose clinic's retention period has run, by the database's clock (the trigger
 * that guards session deletes uses the same clock, so the two never disagree about a session at the boundary).
 */
export async function purgeExpiredSessions({ db, blobs }: Pick<AppContext, 'db' | 'blobs'>): Promise<number> {
  const due = await db
    .select({ id: chatSessions.id, clinicId: chatSessions.clinicId, patientId: chatSessions.patientId })
    .from(chatSessions)
    .innerJoin(clinics, eq(clinics.id, chatSessions.clinicId))
    .where(
      and(
        eq(chatSessions.status, 'ended'),
        isNotNull(clinics.retentionDays),
        lt(chatSessions.endedAt, sql`now() - make_interval(days => ${clinics.retentionDays})`),
      ),
    )
    .limit(500);
  for (const session of due) {
    // The files first: should this stop midway, the session is still there to find them by, the next time.
    await blobs.delete(await sessionBlobKeys(db, session.id));
    await db.transaction(async (tx) => {
      const [gone] = await tx
        .delete(chatSessions)
        .where(and(eq(chatSessions.id, session.id), eq(chatSessions.status, 'ended')))
        .returning({ id: chatSessions.id });
      if (gone) await tx.delete(webhookEvents).where(eq(webhookEvents.sessionId, session.id));
      // The session's reply-email address, outbox rows and links went with it (cascade); the identity token's
      // address kept on the patient goes with their last session.
      if (gone)
        await tx.execute(
          sql`update users set identity_email = null where id = ${session.patientId} and not exists (select 1 from chat_sessions where patient_id = ${session.patientId})`,
        );
      await recordAudit(tx, { clinicId: session.clinicId, actorId: null, action: 'session.purged', sessionId: session.id });
    });
  }
  return due.length;
}
