import { afterAll, beforeAll } from 'bun:test';
import { createApp, type App } from '../../server/src/app';
import { loadConfig } from '../../server/src/config';
import type { AppContext } from '../../server/src/context';
import { seedDemo, DEMO_PASSWORD, DEMO_STAFF } from '../../server/src/db/seed';
import { createLogger } from '../../server/src/lib/logger';
import { closeContext, createContext } from '../../server/src/runtime';
import { createTestDatabase } from './database';
import { UNLIMITED } from './limits';

export { DEMO_PASSWORD, DEMO_STAFF };

export interface TestApp {
  app: App;
  ctx: AppContext;
  /** JSON request through `app.handle`, no port. */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** The whole HTTP API on a fresh database (PGlite, or a new Postgres database), with the demo clinic seeded. */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ LOG_LEVEL: 'silent', ...UNLIMITED, ...env, ...(database.url ? { DATABASE_URL: database.url } : {}) });
  config.databaseUrl = database.url;
  config.dataDir = undefined;
  const ctx = await createContext(config, createLogger('silent'));
  await seedDemo(ctx.db, { allowedOrigins: ['http://clinic.test'] });
  const app = createApp(ctx);
  return {
    app,
    ctx,
    async call(method, path, { token, body, headers = {} } = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (token) (init.headers as Record<string, string>).authorization = `Bearer ${token}`;
      if (body !== undefined) {
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
      }
      const res = await app.handle(new Request(`http://localhost${path}`, init));
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {}
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await closeContext(ctx);
      await database.drop();
    },
  };
}

/**
 * The test app of the calling file: created before its tests (and before the file's own `beforeAll`), closed and its
 * database dropped after them. Use it like the app itself (`t.call(…)`, `t.ctx`) from hooks and tests.
 */
export function useTestApp(env?: Record<string, string>): TestApp {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await createTestApp(env);
  }, 60_000);
  afterAll(() => app?.close());
  return new Proxy({} as TestApp, {
    get(_, key) {
      if (!app) throw new Error('the test app starts in beforeAll: use it inside a hook or a test');
      return Reflect.get(app, key);
    },
  });
}

export const login = async (t: TestApp, email: string) => {
  const res = await t.call('POST', '/api/v1/auth/login', { body: { email, password: DEMO_PASSWORD } });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { token: string; user: { id: string } };
};

export const guest = async (t: TestApp, displayName = 'Test Patient') => {
  const res = await t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName } });
  if (res.status !== 200) throw new Error(`guest: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { token: string; user: { id: string } };
};
