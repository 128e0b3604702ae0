import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { connect } from 'node:net';
import { query } from '../../../../tests/helpers/digest';
import { useTestServer } from '../../../../tests/helpers/server';
import { socketTicket, TestSocket } from '../../../../tests/helpers/socket';
import { until } from '../../../../tests/helpers/until';
import { sweep } from './presence';

// The sweeper is run by hand (sweep below), never on a timer. Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const s = useTestServer({ SWEEP_INTERVAL_MS: String(3600 * 1000) });

const rowsOf = async (userId: string) =>
  (await query<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from connections where user_id = ${userId}`))[0]!.n;

/** Upgrades a raw socket and drops it the moment the 101 arrives, before the server has finished opening it. */
async function openAndDrop(token: string) {
  const url = new URL(s.wsUrl);
  const raw = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
  raw.write(
    `GET ${url.pathname}?ticket=${await socketTicket(s.wsUrl, token)} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
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
    // An orphan never goes, so the wait below runs out; on a loaded machine the last closes may still be running.
    await Bun.sleep(1000);
    const lost = async () =>
      (await query<{ lost: boolean }>(s.ctx.db, sql`select presence_lost_at is not null as lost from users where id = ${joy.user.id}`))[0]!.lost;
    await until(async () => (await rowsOf(joy.user.id)) === 0 && (await lost()), 'every close to delete its row and start her grace');
  });
});

describe('after this instance lost the database', () => {
  test('rows another instance deleted are written again by the next sweep: the nurse stays connected and keeps her session', async () => {
    const joy = await s.login('nurse.joy@demo.clinic');
    await s.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
    const ws = await TestSocket.open(s.wsUrl, joy.token);
    const patient = await s.guest('Outage');
    const session = await s.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Outage' } });
    expect(session.body.employee?.id).toBe(joy.user.id);

    // What the other instances do while this one cannot reach the database for longer than STALE_AFTER_MS: delete
    // its rows and start the grace period of staff left with none. Here the grace ran out as well, and this
    // instance's sweep, the first once its link is back, comes before anyone else's.
    await s.ctx.db.execute(sql`delete from connections where user_id = ${joy.user.id}`);
    await s.ctx.db.execute(sql`update users set presence_lost_at = now() - interval '1 hour' where id = ${joy.user.id}`);
    await sweep(s.ctx, s.hub);

    expect(await rowsOf(joy.user.id)).toBe(1);
    const state = async () =>
      (
        await query<{ availability: string; lost: boolean }>(
          s.ctx.db,
          sql`select availability, presence_lost_at is not null as lost from users where id = ${joy.user.id}`,
        )
      )[0];
    expect(await state()).toEqual({ availability: 'available', lost: false });
    const [open] = await query<{ employee_id: string }>(
      s.ctx.db,
      sql`select employee_id from assignments where session_id = ${session.body.id} and ended_at is null`,
    );
    expect(open?.employee_id).toBe(joy.user.id);

    // When she does leave, her grace period starts then, not at the outage (which would reassign at once).
    ws.close();
    // The close deletes her row, then starts her grace period unless another of her connections is live: two
    // statements (in one, two of her sockets closing together would each still see the other's row).
    const lostAt = async () =>
      (
        await query<{ recent: boolean | null }>(
          s.ctx.db,
          sql`select presence_lost_at > now() - interval '1 minute' as recent from users where id = ${joy.user.id}`,
        )
      )[0]!.recent;
    await until(async () => (await rowsOf(joy.user.id)) === 0 && (await lostAt()) !== null, 'the close to delete her row and start her grace');
    expect(await lostAt()).toBe(true);
    await s.call('POST', `/api/v1/sessions/${session.body.id}/end`, { token: patient.token });
  });
});
