/** Child processes of the suite: servers, the relay floor, load generators. Every child is killed on exit. */
import type { Subprocess } from 'bun';
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from './util';
import { UNLIMITED } from '../../tests/helpers/limits';

export const ROOT = new URL('../../', import.meta.url).pathname;
const children = new Set<Subprocess>();

/** Raises the soft file-descriptor limit to the hard one in a shell, then execs (the pid stays the same). */
function spawnRaised(args: string[], env: Record<string, string>, stdin: 'pipe' | 'ignore' = 'ignore') {
  const proc = Bun.spawn(['sh', '-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdin,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  children.add(proc);
  void proc.exited.then(() => children.delete(proc));
  return proc;
}

export function killAll() {
  for (const c of children) c.kill('SIGKILL');
}

export async function stopProcess(proc: Subprocess, graceMs = 8000) {
  if (proc.exitCode !== null || proc.signalCode) return;
  proc.kill('SIGTERM');
  const done = await Promise.race([proc.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    proc.kill('SIGKILL');
    await proc.exited;
  }
}

export async function freePort(): Promise<number> {
  const l = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

/** User + system CPU time a process has used so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuTimeMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The NATS server's pid when it runs on this machine (a process named `nats-server`), else null. */
export function natsServerPid(): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'nats-server') return Number(entry);
    } catch {}
  }
  return null;
}

/**
 * CPU time (ms) used so far by each Postgres backend of one database, by pid: the postmaster's children whose
 * process title names the database (`postgres: … <user> <database> <address> <state>`), found in /proc on this
 * machine. Read it before and after a phase; a backend that appeared in between spent all its CPU in the phase.
 */
export function postgresBackendsCpuMs(database: string): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').split(' ');
      if (title.includes(database)) cpu.set(Number(entry), cpuTimeMs(Number(entry)));
    } catch {}
  }
  return cpu;
}

/** VmRSS of a process in bytes, from /proc/<pid>/status. */
export async function rssOf(pid: number): Promise<number> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

async function tail(stream: ReadableStream<Uint8Array> | undefined): Promise<string> {
  if (!stream) return '';
  try {
    return (await new Response(stream).text()).trim().split('\n').slice(-5).join(' | ').slice(-600);
  } catch {
    return '';
  }
}

/** `bun run server/src/cli.ts seed-demo`: migrations and the demo clinic. */
export async function seedDatabase(databaseUrl: string) {
  const proc = spawnRaised(['bun', 'run', 'server/src/cli.ts', 'seed-demo'], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`seed-demo failed (${code}): ${await tail(proc.stderr as ReadableStream<Uint8Array>)}`);
}

export interface ServerProc {
  proc: Subprocess;
  pid: number;
  port: number;
  base: string;
  ws: string;
  stop(): Promise<void>;
}

async function waitReady(proc: Subprocess, url: string, what: string, timeoutMs = 45_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode}): ${await tail(proc.stderr as ReadableStream<Uint8Array>)}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    await sleep(100);
  }
  await stopProcess(proc, 1000);
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s`);
}

/**
 * `BENCH_PROFILE_DIR=<dir>` runs every server process under Bun's CPU profiler; each writes a profile (and a
 * markdown summary) into that directory when it stops.
 */
function profileFlags(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${dir}`] : [];
}

/** `bun run server/src/index.ts` on a free port of 127.0.0.1, ready when /readyz answers 200. */
export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProc> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawnRaised(['bun', ...profileFlags(), 'run', 'server/src/index.ts'], {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ...UNLIMITED,
    ...env,
  });
  await waitReady(proc, `${base}/readyz`, 'server');
  return { proc, pid: proc.pid, port, base, ws: `ws://127.0.0.1:${port}/api/v1/socket`, stop: () => stopProcess(proc) };
}

/** A floor server (bench/floors/<name>.ts) in its own process, ready when its root answers 200. */
export async function startFloorProcess(name: string): Promise<ServerProc> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawnRaised(['bun', 'run', `bench/floors/${name}.ts`], { PORT: String(port) });
  await waitReady(proc, base, name);
  return { proc, pid: proc.pid, port, base, ws: `ws://127.0.0.1:${port}/`, stop: () => stopProcess(proc) };
}

/** The raw relay floor (bench/floors/relay.ts) in its own process. */
export const startRelayProcess = () => startFloorProcess('relay');

export interface LoadProc {
  /** Resolves with the {result} line, rejects with the {error} line or an early exit. */
  result: Promise<any>;
  /** Resolves at the next {ready} line. */
  nextReady(): Promise<any>;
  write(line: string): void;
  stop(): Promise<void>;
}

/** A load generator (bench/load/<name>.ts) with its config; JSON lines on stdout drive progress and results. */
export function startLoad(name: string, config: unknown, onProgress: (text: string) => void, maxMs: number): LoadProc {
  const proc = spawnRaised(['bun', 'run', `bench/load/${name}.ts`], { BENCH_CONFIG: JSON.stringify(config), BENCH_MAX_MS: String(maxMs) }, 'pipe');
  const readyWaiters: Array<(v: any) => void> = [];
  const readyQueue: any[] = [];
  let settle!: { resolve: (v: any) => void; reject: (e: Error) => void };
  const result = new Promise<any>((resolve, reject) => (settle = { resolve, reject }));
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of proc.stdout as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let msg: any;
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        if (msg.progress) onProgress(msg.progress);
        else if (msg.ready) {
          const w = readyWaiters.shift();
          if (w) w(msg);
          else readyQueue.push(msg);
        } else if (msg.result) settle.resolve(msg.result);
        else if (msg.error) settle.reject(new Error(msg.error));
      }
    }
    const code = await proc.exited;
    const why = new Error(`${name} load generator exited (${code}) without a result: ${await tail(proc.stderr as ReadableStream<Uint8Array>)}`);
    settle.reject(why);
    for (const w of readyWaiters.splice(0)) w({ error: why.message });
  })();
  result.catch(() => {});
  return {
    result,
    nextReady: () => (readyQueue.length ? Promise.resolve(readyQueue.shift()) : new Promise((resolve) => readyWaiters.push(resolve))),
    write(line) {
      const sink = proc.stdin as import('bun').FileSink;
      sink.write(line + '\n');
      sink.flush();
    },
    stop: () => stopProcess(proc, 3000),
  };
}
