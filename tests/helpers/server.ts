import { afterAll, beforeAll } from 'bun:test';
import { MedChat } from '@medchat/sdk';
import { loadConfig } from '../../server/src/config';
import { seedDemo, DEMO_PASSWORD } from '../../server/src/db/seed';
import { startServer, type RunningServer } from '../../server/src/server';
import { createTestDatabase, type TestDatabase } from './database';
import { UNLIMITED } from './limits';

export interface TestServer extends RunningServer {
  database: TestDatabase;
  wsUrl: string;
  close(): Promise<void>;
  /** JSON over real HTTP. */
  call(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  login(email: string): Promise<{ token: string; user: { id: string } }>;
  guest(name?: string): Promise<{ token: string; user: { id: string } }>;
}

/** A listening server on a free port and a fresh database, with the demo clinic seeded. */
export async function startTestServer(env: Record<string, string> = {}, database?: TestDatabase): Promise<TestServer> {
  const db = database ?? (await createTestDatabase());
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', SWEEP_INTERVAL_MS: '200', ...UNLIMITED, ...env });
  config.databaseUrl = db.url;
  config.dataDir = undefined;
  const server = await startServer(config);
  config.publicUrl = server.url;
  await seedDemo(server.ctx.db, { allowedOrigins: ['http://clinic.test'] });
  const call: TestServer['call'] = async (method, path, { token, body } = {}) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    ...server,
    database: db,
    wsUrl: server.url.replace('http', 'ws') + '/api/v1/socket',
    call,
    async login(email) {
      const res = await call('POST', '/api/v1/auth/login', { body: { email, password: DEMO_PASSWORD } });
      if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
      return res.body;
    },
    async guest(name = 'Test Patient') {
      return (await call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: name } })).body;
    },
    async close() {
      await server.stop();
      if (!database) await db.drop();
    },
  };
}

/**
 * The listening server of the calling file (or describe block): started before its tests (and before the file's own
 * `beforeAll`), stopped and its database dropped after them. Use it like the server itself (`s.call(…)`, `s.ctx`)
 * from hooks and tests.
 */
export function useTestServer(env?: Record<string, string>): TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(env);
  }, 60_000);
  afterAll(() => server?.close());
  return new Proxy({} as TestServer, {
    get(_, key) {
      if (!server) throw new Error('the test server starts in beforeAll: use it inside a hook or a test');
      return Reflect.get(server, key);
    },
  });
}

/** An SDK client signed in as a demo member of staff, without retries (a refusal arrives as it is). */
export async function signedInClient(baseUrl: string, email: string): Promise<MedChat> {
  const client = new MedChat({ baseUrl, retry: { maxRetries: 0 } });
  await client.auth.login({ email, password: DEMO_PASSWORD });
  return client;
}
