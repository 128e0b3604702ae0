/**
 * Server CPU time per request, for the requests of the assignment path: `bun run bench/request-cost.ts [N]`.
 * A server process on a fresh Postgres database; N guest patients each start a session at once (nobody is
 * available, so all wait), then all end them; the server's CPU time (from /proc) over each burst ÷ N. Also a
 * health check and an authenticated read, as the cost of the HTTP layer alone and of one token lookup.
 */
import { call, createGuests } from './lib/api';
import { cpuTimeMs, seedDatabase, startServerProcess } from './lib/procs';

const N = Number(process.argv[2] ?? 1000);
// Read when the helper loads: set first, as in run.ts.
process.env.TEST_DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
const { createTestDatabase } = await import('../tests/helpers/database');
const db = await createTestDatabase();
await seedDatabase(db.url!);
const server = await startServerProcess(db.url!, { SWEEP_INTERVAL_MS: '60000' });
try {
  const guests = await createGuests(server.base, N);
  const sessionIds: string[] = [];
  const burst = async (label: string, request: (guest: { token: string }, i: number) => Promise<unknown>) => {
    await Bun.sleep(300);
    const cpu = cpuTimeMs(server.pid);
    const started = performance.now();
    await Promise.all(guests.map(request));
    const ms = performance.now() - started;
    await Bun.sleep(300);
    const perRequest = (cpuTimeMs(server.pid) - cpu) / N;
    console.log(`${label.padEnd(28)} ${N} in ${Math.round(ms)} ms (${Math.round((N / ms) * 1000)}/s), server CPU ${perRequest.toFixed(2)} ms each`);
  };
  await burst('GET /healthz', () => fetch(`${server.base}/healthz`).then((r) => r.text()));
  await burst('GET /api/v1/auth/me', (g) => call(server.base, 'GET', '/api/v1/auth/me', { token: g.token }));
  await burst('POST /api/v1/sessions', (g, i) =>
    call(server.base, 'POST', '/api/v1/sessions', { token: g.token, body: { reason: 'benchmark' } }).then((s) => (sessionIds[i] = s.id)),
  );
  await burst('POST /api/v1/sessions/:id/end', (g, i) => call(server.base, 'POST', `/api/v1/sessions/${sessionIds[i]}/end`, { token: g.token }));
} finally {
  await server.stop();
  await db.drop();
}
