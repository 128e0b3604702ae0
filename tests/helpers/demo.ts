/**
 * The demo as `npm start` composes it (`startDemo`: API, clinic page, staff console), listening on port 0 with a fresh
 * database, for tests of what it answers over real HTTP. Every answer is recorded, so a test can check a rule on all.
 */
import { expect } from 'bun:test';
import { connect } from 'node:net';
import { loadConfig } from '../../server/src/config';
import { startDemo, type DemoServer } from '../../server/src/demo';
import { createTestDatabase } from './database';

export interface Answer {
  label: string;
  production: boolean;
  status: number;
  headers: Headers;
}

export interface TestDemo {
  demo: DemoServer;
  /** Every answer `get` and `raw` received, in order. */
  answers: Answer[];
  get(path: string, init?: RequestInit): Promise<Answer & { body: string }>;
  /** An HTTP/1.1 request written by hand, for what fetch will not send (a WebSocket upgrade). Headers only. */
  raw(lines: string[]): Promise<Answer>;
  close(): Promise<void>;
}

export async function startTestDemo({ production = false } = {}): Promise<TestDemo> {
  const database = await createTestDatabase();
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...(production ? { NODE_ENV: 'production' } : {}) });
  config.databaseUrl = database.url;
  config.dataDir = undefined;
  const demo = await startDemo(config);
  const answers: Answer[] = [];
  const record = <T extends Answer>(answer: T) => (answers.push(answer), answer);
  return {
    demo,
    answers,
    async get(path, init = {}) {
      const res = await fetch(demo.url + path, { redirect: 'manual', ...init });
      return record({ label: `${init.method ?? 'GET'} ${path}`, production, status: res.status, headers: res.headers, body: await res.text() });
    },
    raw(lines) {
      return new Promise((resolve, reject) => {
        const socket = connect(demo.port, '127.0.0.1');
        let text = '';
        socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
        socket.on('error', reject);
        socket.on('data', (chunk) => {
          text += chunk.toString('latin1');
          const end = text.indexOf('\r\n\r\n');
          if (end < 0) return;
          socket.destroy();
          const [statusLine, ...headerLines] = text.slice(0, end).split('\r\n');
          const headers = new Headers();
          for (const line of headerLines) headers.append(line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim());
          resolve(record({ label: lines[0]!, production, status: Number(statusLine!.split(' ')[1]), headers }));
        });
        socket.write([...lines, `Host: 127.0.0.1:${demo.port}`, 'Connection: close', '', ''].join('\r\n'));
      });
    },
    async close() {
      await demo.stop();
      await database.drop();
    },
  };
}

/** A fetch init for a JSON call. */
export const json = (method: string, token?: string, body?: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
  body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
});

/** The request line and headers of a WebSocket upgrade, for `raw`. */
export const upgradeRequest = (path: string) => [
  `GET ${path} HTTP/1.1`,
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
];

/** docs/requirements.md#auth: never `Access-Control-Allow-Origin: *` with credentials; `*` at all only on the public widget script. */
export function expectNoWildcardWithCredentials(answers: Answer[]) {
  for (const a of answers) {
    const acao = a.headers.get('access-control-allow-origin');
    expect({ [a.label]: acao === '*' && a.headers.get('access-control-allow-credentials') === 'true' }).toEqual({ [a.label]: false });
    if (acao === '*') expect(a.label).toMatch(/^GET \/widget\/medchat-widget(\.iife)?\.js$|^(GET|OPTIONS) \/api\/v1\/clinics\/[^/]+$/);
  }
}
