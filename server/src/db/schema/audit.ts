import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Who read or changed what, when, from where. No message bodies, no names: ids only.
 * Deliberately no foreign keys, so rows outlive the sessions and users they mention (retention).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid().primaryKey().defaultRandom(),
    clinicId: uuid().notNull(),
    actorId: uuid(),
    action: text().notNull(),
    sessionId: uuid(),
    /** A read of several sessions at once (a list, the queue): every session it showed, in one row. */
    sessionIds: uuid().array(),
    subjectId: uuid(),
    ip: text(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('audit_log_session_id_at_idx').on(t.sessionId, t.at),
    index('audit_log_clinic_id_at_idx').on(t.clinicId, t.at),
    // A session's trail includes the lists that showed it.
    index('audit_log_session_ids_idx').using('gin', t.sessionIds),
    // The brute-force guard counts an account's recent failed logins on every login: without this, a scan of the
    // whole log. Partial, so it holds only those rows.
    index('audit_log_failed_logins_idx').on(t.actorId, t.at).where(sql`action = 'auth.login_failed'`),
  ],
);

/** Live sockets per server instance. Rows whose heartbeat is stale belong to a dead instance. */
export const connections = pgTable(
  'connections',
  {
    id: uuid().primaryKey(),
    userId: uuid().notNull(),
    instanceId: text().notNull(),
    openedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    heartbeatAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Staff sockets: the session the console shows now (`viewing.start`), for colleagues' `session.viewers`. */
    viewingSessionId: uuid(),
  },
  (t) => [
    index('connections_user_id_idx').on(t.userId),
    index('connections_instance_id_idx').on(t.instanceId),
    index('connections_viewing_session_id_idx').on(t.viewingSessionId).where(sql`viewing_session_id is not null`),
  ],
);
