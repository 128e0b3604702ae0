import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { connect } from 'node:net';
import { query } from '../../../../tests/helpers/digest';
import { startTestServer, type TestServer } from '../../../../tests/helpers/server';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ SWEEP_INTERVAL_MS: String(3600 * 1000) });
}, 60_000);
afterAll(() => s?.close());

const rowsOf = async (userId: string) => (await query<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from connections where user_id = ${userId}`))[0]!.n;

/** Upgrades a raw socket and drops it the moment the 101 arrives, before the server has finished opening it. */
async function openAndDrop(token: string) {
  const url = new URL(s.wsUrl);
  const raw = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
  raw.write(
    `GET ${url.pathname}?token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve) => raw.once('data', () => resolve()));
  raw.destroy();
}

describe('connection rows', () => {
  test('a socket dropped right after the handshake leaves no connection row behind, and presence follows', async () => {
    const joy = await s.login('nurse.joy@demo.clinic');
    await s.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
    for (let i = 0; i < 30; i++) await openAndDrop(joy.token);
    // Give every close its time, then count: an orphan row kept the employee "connected" for as long as the
    // instance lived, so their grace period never started and their sessions were never handed on.
    await Bun.sleep(1000);
    expect(await rowsOf(joy.user.id)).toBe(0);
    const [row] = await query<{ lost: boolean }>(s.ctx.db, sql`select presence_lost_at is not null as lost from users where id = ${joy.user.id}`);
    expect(row!.lost).toBe(true);
  });
});
