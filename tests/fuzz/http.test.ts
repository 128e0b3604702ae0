/**
 * docs/requirements.md#input over HTTP: every route, as every kind of caller, with valid-shaped and hostile input
 * (broken JSON, wrong types, missing and extra fields, huge strings and bodies, odd unicode, NUL, SQL-looking
 * text, wrong content types, junk path params). Never a 5xx; every 4xx is the one error envelope; a refused
 * request leaves the database exactly as it was.
 *
 * Cases: FUZZ_RUNS (see support/runs.ts; `npm run fuzz` for the full mode). Replay a failure with the seed it
 * prints: FUZZ_RUNS=<same count> FUZZ_SEED=<seed> bun test tests/fuzz/http.test.ts
 */
import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import fc from 'fast-check';
import { useTestApp } from '../helpers/app';
import { certainRefusal, httpCase, materialize, type HttpCase, type RouteInfo, type Sent } from './http-cases';
import { ROUTES } from './http-routes';
import { envelopeProblem } from './support/envelope';
import { Ledger } from './support/ledger';
import { fuzzParameters, fuzzRuns } from './support/runs';
import type { Schema } from './support/schema-values';
import { NOTE_MARKER, World } from './support/world';
import { SOCKET_PATH } from '../../server/src/modules/realtime';
import { documentPath } from '../../server/src/modules/openapi/document';

// Long on purpose: the full mode runs 10,000 cases, and a loaded 2-core machine is slow.
setDefaultTimeout(30 * 60_000);

const RUNS = fuzzRuns(400);
/** Cases per property run: certain refusals of a batch share two digests. */
const BATCH = 20;

const t = useTestApp();
let world: World;
let ledger: Ledger;
const routes = new Map<string, RouteInfo>();
/** The API document's operations: every answer must be one it lists. */
let documented: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>> = {};
const tally = { cases: 0, refused: 0, accepted: 0, requestMs: 0, healMs: 0, byRoute: new Map<string, { ok: number; refused: number; ms: number }>() };

beforeAll(async () => {
  world = await World.create(t.ctx);
  ledger = new Ledger(t.ctx.db);
  for (const r of t.app.routes) {
    const hooks = r.hooks as { params?: Schema; query?: Schema; body?: Schema };
    routes.set(`${r.method} ${r.path}`, { method: r.method, path: r.path, params: hooks.params, query: hooks.query, body: hooks.body });
  }
  // The socket handshake is answered by the realtime module's request hook (it upgrades through Bun), not a route.
  routes.set(`WS ${SOCKET_PATH}`, { method: 'GET', path: SOCKET_PATH });
  documented = (await (await t.app.handle(new Request('http://localhost/openapi/json'))).json()).paths;
}, 120_000);

async function send(sent: Sent) {
  const started = performance.now();
  const res = await t.app.handle(sent.request);
  const text = await res.text();
  const ms = performance.now() - started;
  tally.requestMs += ms;
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, body, headers: res.headers, ms };
}

const describeCase = (c: HttpCase, sent: Sent) =>
  `${sent.request.method} ${sent.request.url.slice(0, 300)} as ${c.caller.who} (${fc.stringify(c.body).slice(0, 300)})`;

/** A failed login of a real account writes one audit row on purpose: it is what the brute-force limit counts (docs/requirements.md#auth). */
/** Routes that check a password or a two-step code: each wrong one is a failed-login audit row (the lock-out counts them). */
const CHECKS_CREDENTIALS = new Set([
  'POST /api/v1/auth/login',
  'POST /api/v1/employees/me/mfa/start',
  'POST /api/v1/employees/me/mfa/confirm',
  'POST /api/v1/employees/me/mfa/disable',
]);
const isFailedLogin = (c: HttpCase, res: { status: number; body: any }) =>
  CHECKS_CREDENTIALS.has(c.route) && ['invalid_credentials', 'invalid_mfa_code'].includes(res.body?.error?.code);
const FAILED_LOGIN_ROWS = { audit_log: "t.action = 'auth.login_failed'" } as const;

function record(c: HttpCase, status: number, ms: number) {
  tally.cases++;
  const refused = status >= 400;
  refused ? tally.refused++ : tally.accepted++;
  const r = tally.byRoute.get(c.route || '(no route)') ?? { ok: 0, refused: 0, ms: 0 };
  refused ? r.refused++ : r.ok++;
  r.ms += ms;
  tally.byRoute.set(c.route || '(no route)', r);
}

/** Who may ever read an internal note of the home clinic: its staff. Anyone else's answer must never hold one. */
const NOTE_READERS = new Set(['employee', 'otherEmployee', 'admin']);

/** Status, envelope, internal notes: the checks every answer gets. */
function problemsOf(c: HttpCase, sent: Sent, res: { status: number; body: unknown; headers: Headers }): string | null {
  if (!NOTE_READERS.has(c.caller.who) && JSON.stringify(res.body).includes(NOTE_MARKER))
    return `an internal note reached ${c.caller.who}: ${describeCase(c, sent)}`;
  if (res.status >= 500) return `${res.status} for ${describeCase(c, sent)}: ${JSON.stringify(res.body).slice(0, 300)}`;
  if (res.status >= 400) {
    const problem = envelopeProblem(res);
    if (problem) return `envelope (${problem}) of ${res.status} for ${describeCase(c, sent)}`;
  }
  if (c.wrongMethod && sent.request.method !== 'OPTIONS' && (res.status !== 405 || !res.headers.get('allow')))
    return `${res.status} without Allow for a method the path lacks: ${describeCase(c, sent)}`;
  return undocumented(c, sent, res.status);
}

/**
 * A status the API document does not list for the operation asked (hidden routes aside). A body sent to an
 * operation that takes none may be refused at the edge like any (400, 413, 415): the document lists no body there.
 */
function undocumented(c: HttpCase, sent: Sent, status: number): string | null {
  const info = routes.get(c.route);
  if (!info || c.wrongMethod || !sent.pathMatches || sent.request.method !== info.method) return null;
  const op = documented[documentPath(info.path)]?.[info.method.toLowerCase()];
  if (!op || String(status) in op.responses) return null;
  if (!op.requestBody && sent.request.body !== null && [400, 413, 415].includes(status)) return null;
  return `${status}, which the API document does not list for ${info.method} ${info.path}: ${describeCase(c, sent)}`;
}

async function runBatch(batch: HttpCase[]) {
  const prepared = await Promise.all(batch.map(async (c) => ({ c, sent: await materialize(c, world) })));
  const certain = prepared.flatMap((p) => {
    const why = certainRefusal(p.c, p.sent, routes.get(p.c.route));
    return why ? [{ ...p, why }] : [];
  });
  const rest = prepared.filter((p) => !certain.some((x) => x.c === p.c));

  // Certain refusals: all of them between two digests.
  if (certain.length) {
    const before = await ledger.now();
    for (const { c, sent, why } of certain) {
      const res = await send(sent);
      record(c, res.status, res.ms);
      const problem =
        problemsOf(c, sent, res) ?? (res.status < 400 ? `accepted (${res.status}) though certain to be refused (${why}): ${describeCase(c, sent)}` : null);
      if (problem) throw new Error(problem);
    }
    const changed = await ledger.changedSince(before);
    if (changed.length)
      throw new Error(`refused requests changed ${changed.join(', ')}: \n${certain.map((p) => `[${p.why}] ${describeCase(p.c, p.sent)}`).join('\n')}`);
  }

  // The rest, one at a time, built against the world as it is now.
  for (const { c } of rest) {
    const sent = await materialize(c, world);
    const login = CHECKS_CREDENTIALS.has(c.route);
    const before = await ledger.now();
    const beforeOthers = login ? await ledger.now(FAILED_LOGIN_ROWS) : null;
    const res = await send(sent);
    record(c, res.status, res.ms);
    const problem = problemsOf(c, sent, res);
    if (problem) throw new Error(problem);
    if (res.status < 400) {
      ledger.invalidate();
      if (sent.request.method !== 'GET') {
        const started = performance.now();
        await world.heal();
        tally.healMs += performance.now() - started;
      }
    } else if (isFailedLogin(c, res)) {
      // Everything but failed-login audit rows unchanged, and at most one of those added.
      const changed = await ledger.changedSince(beforeOthers!, FAILED_LOGIN_ROWS);
      const added = rowCount((await ledger.now()).audit_log) - rowCount(before.audit_log);
      if (changed.length || added > 1) throw new Error(`a failed login changed ${changed.join(', ')} and added ${added} audit rows: ${describeCase(c, sent)}`);
    } else {
      const changed = await ledger.changedSince(before);
      if (changed.length) throw new Error(`a ${res.status} changed ${changed.join(', ')}: ${describeCase(c, sent)}`);
    }
  }
}

/** The row count of one table's digest (`count:md5`). */
const rowCount = (digest: string | undefined) => Number(digest?.split(':')[0]);

describe('HTTP fuzz', () => {
  test('every route of the app has a generator and an auth setup, and every one listed exists', () => {
    expect([...routes.keys()].filter((k) => !ROUTES[k])).toEqual([]);
    expect(Object.keys(ROUTES).filter((k) => !routes.has(k))).toEqual([]);
  });

  test(`${RUNS} hostile requests: never a 5xx, errors in the envelope, refusals change nothing`, async () => {
    const started = performance.now();
    const cases = httpCase(routes);
    await fc.assert(
      fc.asyncProperty(fc.array(cases, { minLength: BATCH, maxLength: BATCH }), (batch) => runBatch(batch)),
      fuzzParameters(Math.ceil(RUNS / BATCH)),
    );
    const s = (ms: number) => (ms / 1000).toFixed(1);
    console.log(
      `http fuzz: ${tally.cases} cases (${tally.refused} refused, ${tally.accepted} accepted) in ${s(performance.now() - started)} s:`,
      `requests ${s(tally.requestMs)} s, ${ledger.digests} digests ${s(ledger.digestMs)} s, healing ${s(tally.healMs)} s`,
    );
    if (process.env.FUZZ_VERBOSE)
      for (const [route, n] of [...tally.byRoute].sort())
        console.log(`  ${route}: ${n.ok} accepted, ${n.refused} refused, ${(n.ms / (n.ok + n.refused)).toFixed(1)} ms each`);
    // Every route must have been reached, and the valid-shaped cases must get past validation somewhere.
    const unreached = [...routes.keys()].filter((k) => !tally.byRoute.has(k));
    if (RUNS >= 1000) expect(unreached).toEqual([]);
    expect(tally.accepted).toBeGreaterThan(0);
  });
});
