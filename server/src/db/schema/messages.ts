import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { chatSessions } from './sessions';
import { messageKindEnum } from './enums';
import { users } from './users';

export type SystemMeta = { event: 'session.assigned' | 'session.requeued' | 'session.ended' | 'session.inactive'; employeeName: string | null };

/** Immutable: there is no update path. Corrections are new messages. */
export const messages = pgTable(
  'messages',
  {
    id: uuid().primaryKey().defaultRandom(),
    sessionId: uuid()
      .notNull()
      .references(() => chatSessions.id, { onDelete: 'cascade' }),
    seq: integer().notNull(),
    senderId: uuid().references(() => users.id),
    kind: messageKindEnum().notNull().default('text'),
    body: text().notNull(),
    system: jsonb().$type<SystemMeta>(),
    clientMsgId: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('messages_session_id_seq_idx').on(t.sessionId, t.seq),
    unique('messages_session_id_sender_id_client_msg_id_idx').on(t.sessionId, t.senderId, t.clientMsgId),
  ],
);

export const readMarkers = pgTable(
  'read_markers',
  {
    sessionId: uuid()
      .notNull()
      .references(() => chatSessions.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    lastReadSeq: integer().notNull().default(0),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.userId] }), index('read_markers_user_id_idx').on(t.userId)],
);
