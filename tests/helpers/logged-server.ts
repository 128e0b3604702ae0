/**
 * The demo (what `npm start` runs) as a child process at LOG_LEVEL=debug on a fresh database, with everything it
 * writes to stdout and stderr kept: for tests of what the server logs, Bun's and libraries' output included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './database';

const root = new URL('../../', import.meta.url).pathname;

/** A running demo child process; `output` is all it wrote so far, stdout and stderr interleaved. */
export interface LoggedServer {
  base: string;
  database: TestDatabase;
  dataDir: string | undefined;
  readonly output: string;
  /** SIGTERM, so shutdown logging is captured too; resolves with the exit code once all output is read. */
  stop(): Promise<number>;
  /** Kills it if still running, drops its database. */
  dispose(): Promise<void>;
}

/** `prepare` runs on the database (its URL, or the embedded database's folder) before the server opens it. */
export async function startLoggedServer(
  prepare: (url: string | undefined, dataDir: string | undefined) => Promise<void> = async () => {},
): Promise<LoggedServer> {
  const database = await createTestDatabase();
  const dataDir = database.url ? undefined : mkdtempSync(join(tmpdir(), 'medchat-logs-'));
  await prepare(database.url, dataDir);
  const child = Bun.spawn([process.execPath, 'server/src/demo.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      DATABASE_URL: database.url ?? '',
      MEDCHAT_DATA_DIR: dataDir ?? '',
      SWEEP_INTERVAL_MS: '200',
    },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let output = '';
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) output += decoder.decode(r.value, { stream: true });
  };
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const until = Date.now() + 90_000;
  while (!/Clinic page\s+http:\/\/localhost:\d+\//.test(output)) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`the demo did not start; it wrote:\n${output.slice(-2000)}`);
    await Bun.sleep(50);
  }
  return {
    base: /Clinic page\s+(http:\/\/localhost:\d+)\//.exec(output)![1]!,
    database,
    dataDir,
    get output() {
      return output;
    },
    async stop() {
      child.kill('SIGTERM');
      const code = await child.exited;
      await drained;
      return code;
    },
    async dispose() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await database.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** JSON lines the logger wrote (the demo also prints a banner). */
export const logLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: string; event: string; [k: string]: unknown });
