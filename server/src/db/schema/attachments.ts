import { sql } from 'drizzle-orm';
import { customType, index, integer, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { attachmentKindEnum } from './enums';
import { clinics } from './clinics';
import { messages } from './messages';
import { chatSessions } from './sessions';
import { users } from './users';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/**
 * A file uploaded into a session (sdk/src/protocol/attachments.ts). Its bytes live in the blob store
 * (modules/attachments/storage.ts) under `storageKey`; the row is written only once they are all stored, so a row
 * always has its file. Claimed by one message (`messageId`), in the send's transaction; unclaimed rows are deleted
 * after a while with their blobs, and every row goes with its session (retention).
 */
export const attachments = pgTable(
  'attachments',
  {
    id: uuid().primaryKey().defaultRandom(),
    clinicId: uuid()
      .notNull()
      .references(() => clinics.id, { onDelete: 'cascade' }),
    sessionId: uuid()
      .notNull()
      .references(() => chatSessions.id, { onDelete: 'cascade' }),
    uploaderId: uuid()
      .notNull()
      .references(() => users.id),
    /** The uploader's idempotency key: the same one again is the same attachment. */
    clientId: text().notNull(),
    /** SHA-256 of the bytes as uploaded: a retry with other bytes under the same client id is a conflict. */
    sourceSha256: text().notNull(),
    messageId: uuid().references(() => messages.id, { onDelete: 'cascade' }),
    /** Its place among the message's files. */
    position: integer(),
    kind: attachmentKindEnum().notNull(),
    contentType: text().notNull(),
    name: text().notNull(),
    size: integer().notNull(),
    width: integer(),
    height: integer(),
    storageKey: text().notNull(),
    thumbnailKey: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('attachments_session_id_uploader_id_client_id_idx').on(t.sessionId, t.uploaderId, t.clientId),
    index('attachments_message_id_idx').on(t.messageId),
    index('attachments_unclaimed_idx').on(t.createdAt).where(sql`${t.messageId} is null`),
  ],
);

/**
 * Blobs being written whose attachment row has not committed yet: a key is written here before its blob goes to the
 * store (either store) and deleted in the transaction that writes the attachment row. A key still here long after
 * (the process was killed between the blob and the row, or the row's insert failed) names a blob nothing refers
 * to: modules/attachments/cleanup.ts deletes the blob, then the key.
 */
export const pendingBlobs = pgTable('pending_blobs', {
  key: text().primaryKey(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** The blob store in the database (the default, and what the embedded database uses): one row per stored file. */
export const attachmentBlobs = pgTable('attachment_blobs', {
  key: text().primaryKey(),
  bytes: bytea().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
