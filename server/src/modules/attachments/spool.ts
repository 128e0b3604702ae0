/**
 * An upload's body, written to a temporary file as it arrives instead of being gathered in memory: what the server
 * holds of an upload at any moment is the chunk in hand. The bytes are counted (413 `file_too_large` the moment
 * they pass the clinic's limit), hashed (the idempotency check) and the first ones sniffed (415
 * `unsupported_file_type` as soon as they show a type the chat does not take), all before anything is stored.
 * The file is the caller's to remove (`remove()`); files a killed process left behind are removed by ./cleanup.ts.
 */
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discardRest } from '../../lib/body';
import { AppError } from '../../lib/errors';
import { type Sniffed, sniff } from './sniff';

/** Enough of the start of a file to tell its type (what file-type reads of a stream to decide). */
export const SNIFF_BYTES = 4100;

/** Where this machine's uploads are spooled: under the system's temporary folder (`TMPDIR`). */
export const SPOOL_DIR = join(tmpdir(), 'medchat-uploads');

export interface Spooled {
  /** The temporary file holding the whole body. */
  path: string;
  size: number;
  /** SHA-256 of the body, hex. */
  sha256: string;
  sniffed: Sniffed;
  /** Deletes the temporary file (again is no error). */
  remove(): Promise<void>;
}

const unreadable = () => new AppError('invalid_request', { problem: 'unreadable_body' }, 'The body could not be read.');

/**
 * Spools `body` to a temporary file, refusing it (and removing what was written) once it passes `maxBytes` or as
 * soon as its first bytes are not an accepted type. A refused body's rest is read and dropped, never kept, so the
 * client reads the refusal rather than a reset connection.
 */
export async function spoolUpload(body: ReadableStream<Uint8Array>, maxBytes: number, dir = SPOOL_DIR): Promise<Spooled> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${crypto.randomUUID()}.upload`);
  const remove = () => rm(path, { force: true });
  const file = await open(path, 'wx', 0o600);
  const reader = body.getReader();
  const hasher = new Bun.CryptoHasher('sha256');
  const head: Uint8Array[] = [];
  let size = 0;
  let sniffed: Sniffed | null = null;
  try {
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch {
        // Malformed chunk framing, or a client that went away mid-body.
        throw unreadable();
      }
      if (step.done) break;
      const chunk = step.value;
      size += chunk.byteLength;
      if (size > maxBytes) {
        await discardRest(reader);
        throw new AppError('file_too_large', { maxBytes });
      }
      if (!sniffed) {
        head.push(chunk);
        if (size >= SNIFF_BYTES) sniffed = await sniffHead(head, reader);
      }
      hasher.update(chunk);
      await file.write(chunk);
    }
    sniffed ??= await sniffHead(head, reader);
    await file.close();
    return { path, size, sha256: hasher.digest('hex'), sniffed, remove };
  } catch (error) {
    await file.close().catch(() => {});
    await remove();
    throw error;
  }
}

/** The type of the first bytes; a refusal drops the rest of the body first. */
async function sniffHead(head: Uint8Array[], reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Sniffed> {
  try {
    return await sniff(Buffer.concat(head).subarray(0, SNIFF_BYTES));
  } catch (error) {
    await discardRest(reader);
    throw error;
  } finally {
    head.length = 0;
  }
}

/** Removes spooled files older than `olderThanMs` (left by a process killed mid-upload); returns how many. */
export async function removeStaleSpools(olderThanMs: number, dir = SPOOL_DIR, now = Date.now()): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith('.upload')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info && now - info.mtimeMs > olderThanMs) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}
