/**
 * The floor for uploads: a raw Bun.serve that takes each POST's body and writes it to a temporary file as it
 * arrives, as MedChat's upload route does first, then deletes it and answers 201. No auth, no database, no image
 * work: what receiving the same uploads costs the runtime alone. Run: PORT=… bun run bench/floors/upload-sink.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'medchat-upload-sink-'));
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });

Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: '127.0.0.1',
  maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  async fetch(req) {
    if (req.method !== 'POST' || !req.body) return new Response('upload sink', { status: 200 });
    const path = join(dir, `${crypto.randomUUID()}.upload`);
    const file = await open(path, 'wx');
    let size = 0;
    try {
      for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        await file.write(chunk);
      }
    } finally {
      await file.close();
      await rm(path, { force: true });
    }
    return Response.json({ size }, { status: 201 });
  },
});
