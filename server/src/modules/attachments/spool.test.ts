import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdf, png } from '../../../../tests/helpers/files';
import { AppError } from '../../lib/errors';
import { removeStaleSpools, SNIFF_BYTES, spoolUpload } from './spool';

const dir = mkdtempSync(join(tmpdir(), 'medchat-spool-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A body sent in `chunk`-byte pieces; `hang` keeps it open after the last one, as a client still sending. */
function bodyOf(bytes: Uint8Array, chunk: number, hang = false) {
  let offset = 0;
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= bytes.byteLength) {
        if (!hang) controller.close();
        else await new Promise(() => {});
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
      pulled += chunk;
    },
  });
  return { stream, pulled: () => pulled };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('spoolUpload', () => {
  test('writes the body to a file, with its size, hash and type; remove() deletes it', async () => {
    const file = Buffer.concat([await png(), Buffer.alloc(20_000, 7)]);
    const spooled = await spoolUpload(bodyOf(file, 1000).stream, 1_000_000, dir);
    expect(spooled.size).toBe(file.byteLength);
    expect(spooled.sha256).toBe(new Bun.CryptoHasher('sha256').update(file).digest('hex'));
    expect(spooled.sniffed).toEqual({ kind: 'image', mime: 'image/png' });
    expect(Buffer.from(await Bun.file(spooled.path).bytes()).equals(file)).toBe(true);
    await spooled.remove();
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a file shorter than the sniffed head is typed from what there is', async () => {
    const file = pdf();
    expect(file.byteLength).toBeLessThan(SNIFF_BYTES);
    const spooled = await spoolUpload(bodyOf(file, 10).stream, 1_000_000, dir);
    expect(spooled.sniffed.kind).toBe('pdf');
    await spooled.remove();
  });

  test('a refused type is answered from its first bytes, while the client is still sending, and nothing stays on disk', async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]), Buffer.alloc(8000, 1)]);
    const body = bodyOf(zip, 4096, true);
    const error = await refusal(spoolUpload(body.stream, 10_000_000, dir));
    expect(error.code).toBe('unsupported_file_type');
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a body passing the limit is refused at the limit, not read to its end, and nothing stays on disk', async () => {
    const big = Buffer.concat([await png(), Buffer.alloc(8 * 1024 * 1024, 1)]);
    const body = bodyOf(big, 64 * 1024);
    const error = await refusal(spoolUpload(body.stream, 100_000, dir));
    expect(error.code).toBe('file_too_large');
    expect(error.details).toEqual({ maxBytes: 100_000 });
    // The limit, then at most the rest read and dropped so the client reads the answer (lib/body.ts).
    expect(body.pulled()).toBeLessThan(100_000 + 3 * 1024 * 1024);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('an empty body is unreadable', async () => {
    const error = await refusal(spoolUpload(bodyOf(new Uint8Array(0), 1).stream, 1000, dir));
    expect(error.code).toBe('file_unreadable');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('removeStaleSpools', () => {
  test('removes spooled files older than the limit only', async () => {
    const old = join(dir, 'old.upload');
    const fresh = join(dir, 'fresh.upload');
    writeFileSync(old, 'x');
    writeFileSync(fresh, 'y');
    const hourAgo = (Date.now() - 60 * 60 * 1000) / 1000;
    utimesSync(old, hourAgo, hourAgo);
    expect(await removeStaleSpools(30 * 60 * 1000, dir)).toBe(1);
    expect(readdirSync(dir)).toEqual(['fresh.upload']);
    rmSync(fresh);
  });
});
