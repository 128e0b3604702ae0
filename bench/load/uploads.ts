/**
 * Uploads at once (its own process): `uploads` patients each with a chat (mode "medchat": guests who start one;
 * "sink": the raw floor, which needs none). One upload first, so what the first one loads once (the image library,
 * compiled code) is in the baseline; then it reports ready, waits for "next" on stdin, and every patient sends the
 * same photo at the same moment as the raw body of one upload. Reports each upload's status and time and the wall
 * time from the first byte sent to the last answer. The orchestrator reads the server's RSS meanwhile.
 */
import { call, createGuests } from '../lib/api';
import { startGenerator, stdinWords } from '../lib/generator';
import { errorText, mapLimit } from '../lib/util';

const { config: cfg, out } = startGenerator<{ mode: 'medchat' | 'sink'; base: string; uploads: number; photo: string }>('uploads');

const waitFor = stdinWords();

interface Target {
  /** Where the upload with this client id goes. */
  url: (clientId: string) => string;
  token?: string;
}

async function send(photo: Uint8Array, target: Target, clientId: string) {
  const start = performance.now();
  try {
    const res = await fetch(target.url(clientId), {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) },
      body: photo as BodyInit,
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - start, error: undefined as string | undefined };
  } catch (error) {
    return { status: 0, ms: performance.now() - start, error: errorText(error) };
  }
}

try {
  const photo = await Bun.file(cfg.photo).bytes();
  let targets: Target[];
  if (cfg.mode === 'medchat') {
    out({ progress: `creating ${cfg.uploads} patients with a chat each` });
    const guests = await createGuests(cfg.base, cfg.uploads);
    const sessions = await mapLimit(guests, 16, (g) => call(cfg.base, 'POST', '/api/v1/sessions', { token: g.token, body: { reason: 'A photo' } }));
    targets = guests.map((g, i) => ({
      url: (clientId) => `${cfg.base}/api/v1/sessions/${sessions[i].id}/attachments?clientId=${clientId}&name=photo.jpg`,
      token: g.token,
    }));
  } else {
    targets = Array.from({ length: cfg.uploads }, () => ({ url: (clientId) => `${cfg.base}/upload/${clientId}` }));
  }
  const warm = await send(photo, targets[0]!, 'warm-up');
  if (warm.status !== 201) throw new Error(`warm-up upload: ${warm.status} ${warm.error ?? ''}`);
  out({ ready: 'patients', uploads: targets.length });
  await waitFor('next');
  const began = performance.now();
  const results = await Promise.all(targets.map((target) => send(photo, target, 'photo')));
  const wallMs = performance.now() - began;
  const failed = results.filter((r) => r.status !== 201);
  out({
    result: {
      wallMs,
      ok: results.length - failed.length,
      failed: failed.length,
      firstFailure: failed[0] ? `${failed[0].status} ${failed[0].error ?? ''}`.trim() : null,
      ms: results.map((r) => r.ms),
      bytes: photo.byteLength,
    },
  });
  await waitFor('done');
  process.exit(0);
} catch (error) {
  out({ error: errorText(error) });
  process.exit(1);
}
