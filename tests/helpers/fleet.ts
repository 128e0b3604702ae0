/**
 * Several real server processes on one Postgres behind a `TcpBalancer`, and SDK clients on the balancer's address
 * that record what they went through: for fault tests of many instances (rolling restarts, kill -9, a cut bus).
 */
import type { Subprocess } from 'bun';
import type { MedChatPatient, Message, MedChatOptions, SessionHandle } from '../../sdk/src';
import { createTestDatabase, type TestDatabase } from './database';
import { UNLIMITED } from './limits';
import { TcpBalancer } from './tcp-balancer';
import { until } from './until';

const root = new URL('../../', import.meta.url).pathname;

function freePort(): number {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

export interface Fleet {
  database: TestDatabase;
  balancer: TcpBalancer;
  ports: number[];
  procs: Subprocess[];
  /** Starts instance `i` on its port (again), with its own extra environment, and waits until it is ready. */
  start(i: number): Promise<void>;
  close(): Promise<void>;
}

/** `count` instances of `server/src/index.ts` on a fresh database with the demo clinic; `envOf(i)` adds to instance i's environment. */
export async function startFleet(count: number, envOf: (i: number) => Record<string, string> = () => ({})): Promise<Fleet> {
  const database = await createTestDatabase();
  const env = { ...process.env, ...UNLIMITED, DATABASE_URL: database.url!, HOST: '127.0.0.1', LOG_LEVEL: 'warn', SWEEP_INTERVAL_MS: '200' };
  const seed = Bun.spawn(['bun', 'run', 'server/src/cli.ts', 'seed-demo'], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
  if ((await seed.exited) !== 0) throw new Error('seed-demo failed');
  const ports = Array.from({ length: count }, freePort);
  const procs: Subprocess[] = [];
  const start = async (i: number) => {
    procs[i] = Bun.spawn(['bun', 'run', 'server/src/index.ts'], {
      cwd: root,
      env: { ...env, ...envOf(i), PORT: String(ports[i]) },
      stdout: 'ignore',
      stderr: 'inherit',
    });
    await until(async () => (await fetch(`http://127.0.0.1:${ports[i]}/readyz`)).ok, `instance ${i} to be ready`, 45_000);
  };
  await Promise.all(ports.map((_, i) => start(i)));
  const balancer = await TcpBalancer.start(ports);
  return {
    database,
    balancer,
    ports,
    procs,
    start,
    async close() {
      for (const p of procs) if (p.exitCode === null && !p.killed) p.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await balancer.close();
      await database.drop();
    },
  };
}

/** What one SDK client went through: the close codes its sockets saw, `error` events, and how long each reconnect took. */
export interface Observed {
  closes: number[];
  errors: string[];
  reconnects: number[];
  reconnectingSince: number | null;
}

/** An SDK client (`MedChatPatient` or `MedChat`) on `baseUrl` whose sockets record the close code they see. */
export function observedClient<T extends MedChatPatient>(Client: new (options: MedChatOptions) => T, baseUrl: string) {
  const seen: Observed = { closes: [], errors: [], reconnects: [], reconnectingSince: null };
  class RecordingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      this.addEventListener('close', (event) => seen.closes.push(event.code));
    }
  }
  const client = new Client({ baseUrl, WebSocket: RecordingWebSocket });
  client.on('error', (e) => seen.errors.push(e.code));
  client.on('state', ({ state }) => {
    if (state === 'reconnecting') seen.reconnectingSince ??= Date.now();
    if (state === 'open' && seen.reconnectingSince !== null) {
      seen.reconnects.push(Date.now() - seen.reconnectingSince);
      seen.reconnectingSince = null;
    }
  });
  return { client, seen };
}

/** A chat handle with the `message` events it emitted, in order, and its `error` events. */
export interface Watched {
  handle: SessionHandle;
  events: Message[];
  errors: string[];
}

export function watchChat(handle: SessionHandle): Watched {
  const watched: Watched = { handle, events: [], errors: [] };
  handle.on('message', (m) => watched.events.push(m));
  handle.on('error', (e) => watched.errors.push(e.code));
  return watched;
}

/** Sends on `handle` until `running()` is false, one message at a time every `everyMs` on average (jittered). */
export async function keepSending(handle: SessionHandle, everyMs: number, running: () => boolean, acked: Message[], failed: string[]) {
  for (let n = 0; running(); n++) {
    await handle.send(`message ${n}`).then(
      (m) => acked.push(m),
      (e) => failed.push(String(e?.code ?? e)),
    );
    await Bun.sleep(everyMs * (0.5 + Math.random()));
  }
}
