import { afterEach, describe, expect, test } from 'bun:test';
import type { Socket, TCPSocketListener } from 'bun';
import { sql } from 'drizzle-orm';
import { onPostgres, TEST_DATABASE_URL } from '../../../tests/helpers/database';
import { isDatabaseUnavailable } from '../lib/errors';
import { openDatabase } from './client';

/**
 * A stand-in for Postgres: it passes the first connection through until the client's second write (the first after
 * its startup message: postgres.js' own array-type query when it fetches types), cuts it there, and from then on
 * refuses every connection.
 */
function cutAfterStartup(target: URL): TCPSocketListener<{ upstream?: Socket; held: Uint8Array[]; writes: number }> {
  const listener = Bun.listen<{ upstream?: Socket; held: Uint8Array[]; writes: number }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      async open(client) {
        client.data = { held: [], writes: 0 };
        const upstream = await Bun.connect({
          hostname: target.hostname,
          port: Number(target.port || 5432),
          socket: { data: (_, data) => void client.write(data), close: () => void client.end() },
        });
        client.data.upstream = upstream;
        for (const chunk of client.data.held.splice(0)) upstream.write(chunk);
      },
      data(client, data) {
        if (++client.data.writes === 2) {
          listener.stop(true);
          client.data.upstream?.end();
          return void client.end();
        }
        if (client.data.upstream) client.data.upstream.write(data);
        else client.data.held.push(new Uint8Array(data));
      },
      close: (client) => void client.data.upstream?.end(),
    },
  });
  return listener;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe.skipIf(!onPostgres)('the Postgres client when the connection drops (docs/requirements.md#operations)', () => {
  test('a new connection cut after its startup, then refused, fails its query as unavailable and leaves no rejection unhandled', async () => {
    // Bun exits on an unhandled rejection; postgres.js leaves one when it fetches array types and the link drops.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(() => process.off('unhandledRejection', onUnhandled));

    const target = new URL(TEST_DATABASE_URL!);
    const stub = cutAfterStartup(target);
    cleanups.push(() => stub.stop(true));
    const url = new URL(target);
    url.hostname = '127.0.0.1';
    url.port = String(stub.port);
    const database = openDatabase({ url: url.toString(), poolSize: 1 });
    // Not close(): its grace for in-flight queries waits out a connection that dropped mid-query.
    cleanups.push(() => database.kind === 'postgres' && database.client.end({ timeout: 0 }));

    const error = await database.db.execute(sql`select 1`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(await database.db.execute(sql`select 1`).catch((e: unknown) => isDatabaseUnavailable(e))).toBe(true);
    await Bun.sleep(100); // an unhandled rejection is reported after the microtasks of the failed query
    expect(unhandled).toEqual([]);
  });
});
