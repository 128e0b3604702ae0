/**
 * Idle sockets (its own process): opens `warm` sockets, reports, waits for "next" on stdin, opens the rest up to
 * `sockets`, reports, waits for "done", closes everything. The orchestrator reads the server's RSS at each report.
 * mode "medchat": patient sockets (guests, one per `perPatient` sockets, like tabs); "relay": the raw floor.
 */
import { createGuests } from '../lib/api';
import { openMany, ticketUrl, type LoadSocket } from '../lib/client';
import { startGenerator, stdinWords } from '../lib/generator';
import { errorText } from '../lib/util';

const { config: cfg, out } = startGenerator<{ mode: 'medchat' | 'relay'; base: string; ws: string; sockets: number; warm: number; perPatient: number }>('idle');

const waitFor = stdinWords();

try {
  let urls: Array<string | (() => Promise<string>)>;
  if (cfg.mode === 'medchat') {
    const patients = Math.ceil(cfg.sockets / cfg.perPatient);
    out({ progress: `creating ${patients} guest patients` });
    const guests = await createGuests(cfg.base, patients);
    urls = Array.from({ length: cfg.sockets }, (_, i) => () => ticketUrl(cfg.ws, guests[i % patients]!.token));
  } else {
    urls = Array.from({ length: cfg.sockets }, () => cfg.ws);
  }
  const sockets: Array<LoadSocket | null> = [];
  const first = await openMany(urls.slice(0, cfg.warm), 32);
  sockets.push(...first.sockets);
  out({ ready: 'warm', open: first.sockets.filter(Boolean).length, failed: first.failed });
  await waitFor('next');
  const rest = await openMany(urls.slice(cfg.warm), 64, (n) => out({ progress: `${cfg.warm + n}/${cfg.sockets} sockets open` }));
  sockets.push(...rest.sockets);
  const open = sockets.filter((s) => s && !s.closed).length;
  out({ ready: 'all', open, failed: first.failed + rest.failed, firstError: first.firstError ?? rest.firstError });
  await waitFor('done');
  for (const s of sockets) s?.close();
  await Bun.sleep(300);
  process.exit(0);
} catch (error) {
  out({ error: errorText(error) });
  process.exit(1);
}
