/**
 * Uploads at once: N patients send a 5 MB phone photo each at the same moment. Upload throughput (MB of photos
 * stored per second) and the server's RSS growth while it takes them, beside a raw Bun server that only spools the
 * same bodies to disk (bench/floors/upload-sink.ts).
 */
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { rssOf, startFloorProcess, startLoad, startServerProcess, type ServerProc } from '../lib/procs';
import type { RowSpec } from '../lib/suite';
import { P, TARGETS, begin, failRows, progress, row } from '../lib/suite';
import { errorText, percentile, sleep, withTimeout } from '../lib/util';

const MB = 2 ** 20;
/** The server's upload slots (one per core, runtime.ts): the uploads decoded and stored at once. */
const uploadSlots = availableParallelism();
/** The photo: 12 megapixels, as a phone takes it. */
const WIDTH = 4032;
const HEIGHT = 3024;
const decodedMb = (WIDTH * HEIGHT * 3) / MB;
/**
 * The target: what receiving the same bodies costs the runtime alone (the floor's growth, measured in the same run),
 * plus, per upload slot, TARGETS.uploadHeldImages decoded images (an image is decoded to work on it: 35 MB of
 * pixels for 12 megapixels, whatever its file's size). Not a multiple of the number of uploads: memory must not grow
 * with file size × uploads.
 */
const uploadRssTargetMb = (floorGrowthMb: number) => floorGrowthMb + TARGETS.uploadHeldImages * decodedMb * uploadSlots;

export function uploadSpecs(): { throughput: RowSpec; rss: RowSpec } {
  const what = `${P.uploads} patients × ${(P.uploadPhotoBytes / MB).toFixed(0)} MB photo at once`;
  return {
    throughput: { id: 'uploads.throughput', label: `upload throughput, ${what}`, unit: 'MB/s', target: '–', floorLabel: 'raw spool-to-disk server' },
    rss: {
      id: 'uploads.rss_growth',
      label: `server RSS growth, ${what}`,
      unit: 'MB',
      target: `≤ floor + ${TARGETS.uploadHeldImages} decoded images × ${uploadSlots} slots`,
      floorLabel: 'raw spool-to-disk server',
    },
  };
}

/**
 * A JPEG of about `bytes`, 12 megapixels as a phone takes it, written to a temporary file. Its pixels are random
 * (detail everywhere, as in a photo, so the file is that large at an ordinary quality); made in a fraction of a
 * second, which keeps quick mode quick.
 */
async function makePhoto(bytes: number): Promise<{ path: string; size: number }> {
  const path = join(tmpdir(), `medchat-bench-photo-${process.pid}.jpg`);
  const raw = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let i = 0; i < raw.length; i += 65_536) crypto.getRandomValues(raw.subarray(i, Math.min(raw.length, i + 65_536)));
  let best: Buffer | null = null;
  for (const quality of [60, 55, 50, 45, 40, 30]) {
    best = await sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .jpeg({ quality })
      .toBuffer();
    if (best.byteLength <= bytes * 1.05) break;
  }
  await Bun.write(path, best!);
  return { path, size: best!.byteLength };
}

interface UploadRun {
  mbPerSecond: number;
  growthMb: number;
  baseMb: number;
  peakMb: number;
  ok: number;
  p50: number;
  p95: number;
  photoMb: number;
}

async function uploadRun(mode: 'medchat' | 'sink', server: ServerProc, photo: string): Promise<UploadRun> {
  const load = startLoad('uploads', { mode, base: server.base, uploads: P.uploads, photo }, (t) => progress(`${mode}: ${t}`), P.loadMaxMs);
  try {
    const ready = await withTimeout(Promise.race([load.nextReady(), load.result]), P.loadMaxMs, 'patients and the warm-up upload');
    if (!ready || ready.error) throw new Error(ready?.error ?? 'no ready');
    await sleep(500);
    const before: number[] = [];
    for (let i = 0; i < 3; i++, await sleep(100)) before.push(await rssOf(server.pid));
    const base = percentile(before, 50);
    let peak = base;
    let done = false;
    const sampling = (async () => {
      while (!done) {
        peak = Math.max(peak, await rssOf(server.pid).catch(() => 0));
        await sleep(25);
      }
    })();
    progress(`${mode}: ${P.uploads} uploads at once`);
    load.write('next');
    const result = await withTimeout(load.result, P.loadMaxMs, 'the uploads').finally(() => (done = true));
    await sampling;
    load.write('done');
    if (result.failed > 0) throw new Error(`${result.failed} of ${P.uploads} uploads failed (${result.firstFailure})`);
    return {
      mbPerSecond: (result.ok * result.bytes) / MB / (result.wallMs / 1000),
      growthMb: (peak - base) / MB,
      baseMb: base / MB,
      peakMb: peak / MB,
      ok: result.ok,
      p50: percentile(result.ms, 50),
      p95: percentile(result.ms, 95),
      photoMb: result.bytes / MB,
    };
  } finally {
    await load.stop();
  }
}

export async function uploadsSection(databaseUrl: string) {
  const specs = uploadSpecs();
  begin(`${P.uploads} uploads at once`);
  let photo: { path: string; size: number };
  try {
    progress('making the photo');
    photo = await makePhoto(P.uploadPhotoBytes);
  } catch (error) {
    failRows(Object.values(specs), errorText(error));
    return;
  }
  let floor: UploadRun | null = null;
  let floorError = '';
  try {
    const sink = await startFloorProcess('upload-sink');
    try {
      floor = await uploadRun('sink', sink, photo.path);
    } finally {
      await sink.stop();
    }
  } catch (error) {
    floorError = errorText(error);
  }
  try {
    const server = await startServerProcess(databaseUrl);
    try {
      const m = await uploadRun('medchat', server, photo.path);
      const floorNote = floor ? `raw server RSS ${floor.baseMb.toFixed(0)} → ${floor.peakMb.toFixed(0)} MB` : `floor not measured: ${floorError}`;
      row({
        ...specs.throughput,
        value: m.mbPerSecond,
        floor: floor?.mbPerSecond ?? null,
        met: null,
        note: `${m.ok} photos of ${m.photoMb.toFixed(1)} MB (12 MP JPEG) stored in the database, each decoded, re-encoded and thumbnailed; ${uploadSlots} upload slots; per upload p50 ${(m.p50 / 1000).toFixed(1)} s, p95 ${(m.p95 / 1000).toFixed(1)} s`,
      });
      const target = floor ? uploadRssTargetMb(floor.growthMb) : null;
      row({
        ...specs.rss,
        target: target === null ? specs.rss.target : `≤ ${target.toFixed(0)} MB`,
        value: m.growthMb,
        floor: floor?.growthMb ?? null,
        met: target === null ? null : m.growthMb <= target,
        note: `peak RSS while uploading − RSS before (after one warm-up upload): ${m.baseMb.toFixed(0)} → ${m.peakMb.toFixed(0)} MB; holding every photo once would be ${(P.uploads * m.photoMb).toFixed(0)} MB; target: the floor's growth + ${TARGETS.uploadHeldImages} × ${decodedMb.toFixed(0)} MB of pixels × ${uploadSlots} slots; ${floorNote}`,
      });
    } finally {
      await server.stop();
    }
  } catch (error) {
    failRows(Object.values(specs), errorText(error));
  } finally {
    await Bun.file(photo.path)
      .delete()
      .catch(() => {});
  }
}
