/**
 * Where attachment bytes live, behind one interface. The database (the default: the embedded database and a
 * single Postgres need nothing else) or S3-compatible object storage (production; Bun's built-in S3 client), chosen
 * by `ATTACHMENTS_STORAGE` (docs/attachments.md). Keys are random and never shown to clients: files are reached
 * only through the API (./service.ts), which checks access first.
 */
import { eq, inArray } from 'drizzle-orm';
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { attachmentBlobs } from '../../db/schema';

export interface BlobStore {
  readonly name: 'database' | 's3';
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The bytes, or null when no blob has this key. */
  get(key: string): Promise<Uint8Array | null>;
  /** Deletes what exists of these keys; a missing key is no error. */
  delete(keys: readonly string[]): Promise<void>;
}

/** Blobs as rows of `attachment_blobs`. */
export function databaseBlobStore(db: Database): BlobStore {
  return {
    name: 'database',
    async put(key, bytes) {
      await db.insert(attachmentBlobs).values({ key, bytes }).onConflictDoNothing();
    },
    async get(key) {
      const [row] = await db.select({ bytes: attachmentBlobs.bytes }).from(attachmentBlobs).where(eq(attachmentBlobs.key, key));
      return row ? new Uint8Array(row.bytes) : null;
    },
    async delete(keys) {
      if (keys.length > 0) await db.delete(attachmentBlobs).where(inArray(attachmentBlobs.key, [...keys]));
    },
  };
}

export interface S3Settings {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** S3 answers that mean "try again" (as AWS's own clients treat them), and a connection that failed. */
const RETRYABLE = new Set(['InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout', 'ECONNRESET', 'ECONNREFUSED']);
const ATTEMPTS = 3;

/** One S3 call, again after 100 ms and 400 ms when the store answers that it failed for now. */
async function withRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= ATTEMPTS || !RETRYABLE.has((error as { code?: string }).code ?? '')) throw error;
      await Bun.sleep(100 * 4 ** (attempt - 1));
    }
  }
}

/** Blobs as objects of one bucket, under `attachments/`. Writes and deletes are idempotent, so retrying is safe. */
export function s3BlobStore(settings: S3Settings): BlobStore {
  const client = new Bun.S3Client(settings);
  const path = (key: string) => `attachments/${key}`;
  return {
    name: 's3',
    async put(key, bytes, contentType) {
      await withRetry(() => client.write(path(key), bytes, { type: contentType }));
    },
    async get(key) {
      try {
        return new Uint8Array(await withRetry(() => client.file(path(key)).arrayBuffer()));
      } catch (error) {
        if ((error as { code?: string }).code === 'NoSuchKey') return null;
        throw error;
      }
    },
    async delete(keys) {
      await Promise.all(keys.map((key) => withRetry(() => client.delete(path(key)))));
    },
  };
}

/** The store the configuration names (`ATTACHMENTS_STORAGE`); `loadConfig` has checked that S3 is fully set. */
export function blobStoreFor(config: Config, db: Database): BlobStore {
  if (config.attachmentsStorage !== 's3') return databaseBlobStore(db);
  return s3BlobStore({
    endpoint: config.s3Endpoint!,
    bucket: config.s3Bucket!,
    region: config.s3Region,
    accessKeyId: config.s3AccessKeyId!,
    secretAccessKey: config.s3SecretAccessKey!,
  });
}
