/**
 * docs/requirements.md#input, #operations over a real WebSocket: every client frame type of the protocol, valid-shaped and
 * malformed, plus garbage (binary, broken JSON, unknown types, wrong field types, oversize, deep nesting, odd
 * unicode). The server never closes with an internal error, answers each bad frame with a typed error frame, stays
 * usable afterwards (a probe frame is acked), and a refused frame leaves the database exactly as it was.
 *
 * Frames are paced under the per-connection rate limit (20/s), over two sockets per caller. Cases: FUZZ_RUNS
 * (see support/runs.ts; `npm run fuzz` for the full mode). Replay a failure with the seed it prints:
 * FUZZ_RUNS=<same count> FUZZ_SEED=<seed> bun test tests/fuzz/socket.test.ts
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import type { ClientFrameType } from '@medchat/sdk/protocol';
import { query } from '../helpers/digest';
import { startTestServer, type TestServer } from '../helpers/server';
import { until } from '../helpers/until';
import { FRAME_HINTS, FRAME_MEMBERS, frameCase, prepare, type FrameCase, type Prepared } from './socket-frames';
import { handshake, requestText, sendHandshake, upgradeRule, type Handshake } from './socket-handshakes';
import { envelopeProblem, isKnownCode } from './support/envelope';
import { FuzzSocket } from './support/fuzz-socket';
import { socketTicket } from '../helpers/socket';
import { Ledger } from './support/ledger';
import { fuzzParameters, fuzzRuns } from './support/runs';
import { ACTORS, NOTE_MARKER, World, type ActorName } from './support/world';
import { createNote } from '../../server/src/modules/notes/service';
import { authenticate } from '../../server/src/modules/auth/service';
import { TestSocket } from '../helpers/socket';

// Long on purpose: the full mode runs 10,000 frames, paced, and a loaded 2-core machine is slow.
setDefaultTimeout(30 * 60_000);

const RUNS = fuzzRuns(300);
/** Handshakes are cheap and their space is small: a fifth as many. */
const HANDSHAKES = Math.max(50, Math.ceil(RUNS / 5));
const BATCH = 20;
const SOCKETS_PER_CALLER = 2;

let s: TestServer;
let world: World;
let ledger: Ledger;
const sockets = new Map<ActorName, FuzzSocket[]>();
/** Every socket opened for a caller who is not staff of the home clinic, for the internal-notes check at the end. */
const outsiders: Array<{ actor: ActorName; ws: FuzzSocket }> = [];
const NOTE_READERS: readonly ActorName[] = ['employee', 'otherEmployee', 'admin'];
const watch = (actor: ActorName, ws: FuzzSocket) => (NOTE_READERS.includes(actor) ? ws : (outsiders.push({ actor, ws }), ws));
const tally = { frames: 0, refused: 0, accepted: 0, closed: 0, reopened: 0, healMs: 0, byType: new Map<string, { ok: number; refused: number }>() };

/** Live connection rows of a user, as the server records them. */
const connectionRows = async (userId: string) =>
  (await query<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from connections where user_id = ${userId}`))[0]!.n;

/** Whose sockets each caller's are (healing may replace a patient by a new one). */
const socketOwners = new Map<ActorName, string>();

/** Opens a caller's sockets (closing the old ones) and waits until the server has recorded exactly those. */
async function openSockets(actor: ActorName) {
  const old = sockets.get(actor) ?? [];
  const oldOwner = socketOwners.get(actor);
  const fresh = await Promise.all(Array.from({ length: SOCKETS_PER_CALLER }, async () => watch(actor, await FuzzSocket.open(s.wsUrl, world.tokens[actor]))));
  sockets.set(actor, fresh);
  socketOwners.set(actor, world.users[actor]);
  for (const ws of old) if (ws.closeCode === null) ws.close();
  const userId = world.users[actor];
  if (oldOwner && oldOwner !== userId) await until(async () => (await connectionRows(oldOwner)) === 0, `the old connections of ${actor}`);
  await until(async () => (await connectionRows(userId)) === fresh.length, `the connections of ${actor}`);
  ledger.invalidate();
}

beforeAll(async () => {
  // No sweeper during the run: it heartbeats connection rows, which would change the digest under our feet.
  s = await startTestServer({ SWEEP_INTERVAL_MS: String(24 * 3600 * 1000) });
  world = await World.create(s.ctx);
  ledger = new Ledger(s.ctx.db);
  for (const actor of ACTORS) await openSockets(actor);
}, 120_000);
afterAll(async () => {
  for (const list of sockets.values()) for (const ws of list) ws.close();
  await s?.close();
});

function record(type: string, refused: boolean) {
  tally.frames++;
  refused ? tally.refused++ : tally.accepted++;
  const r = tally.byType.get(type) ?? { ok: 0, refused: 0 };
  refused ? r.refused++ : r.ok++;
  tally.byType.set(type, r);
}

const frameType = (c: FrameCase) =>
  c.frame.kind === 'json' && typeof (c.frame.value as { type?: unknown })?.type === 'string'
    ? String((c.frame.value as { type: string }).type).slice(0, 30)
    : `(${c.frame.kind})`;

/**
 * Sends one frame and checks its answer: a typed error (never internal), the right ref, the socket still usable.
 * Returns whether the frame was refused. A frame over the payload limit must close the socket with 1009 instead.
 */
async function sendFrame(c: FrameCase, p: Prepared): Promise<{ refused: boolean; closed: boolean }> {
  const ws = sockets.get(c.actor)![c.socket]!;
  const where = `${p.label} from ${c.actor}`;
  await ws.send(p.data);
  const reply = await ws.nextReply();
  if (p.expect === 'close') {
    if (reply !== 'closed' || ws.closeCode !== 1009) throw new Error(`expected close 1009, got ${JSON.stringify(reply)} (close ${ws.closeCode}) for ${where}`);
    return { refused: true, closed: true };
  }
  if (typeof reply === 'string') throw new Error(`${reply} (close code ${ws.closeCode}) after ${where}`);
  if (reply.type === 'error') {
    if (!isKnownCode(reply.code) || reply.code === 'internal_error' || reply.code === 'database_unavailable')
      throw new Error(`error ${reply.code} for ${where}: ${reply.message}`);
    if (typeof reply.message !== 'string' || reply.message.length === 0) throw new Error(`error without a message for ${where}`);
    if (p.expect === 'refuse' && reply.code !== 'invalid_request' && reply.code !== 'payload_too_large')
      throw new Error(`refused with ${reply.code} for ${where}`);
  } else if (p.expect === 'refuse') throw new Error(`accepted (${JSON.stringify(reply).slice(0, 200)}) though not a valid frame: ${where}`);
  const answeredBeforeRef = reply.type === 'error' && reply.code === 'payload_too_large';
  if (p.ref !== undefined && reply.ref !== p.ref && !(answeredBeforeRef && reply.ref === undefined))
    throw new Error(`answer ref ${reply.ref} ≠ ${p.ref} for ${where}`);
  const probe = await ws.probe();
  if (probe) throw new Error(`${probe} after ${where}`);
  if (ws.pending()) throw new Error(`${ws.pending()} unexpected answers after ${where}`);
  return { refused: reply.type === 'error', closed: false };
}

/**
 * A closed socket's connection row is meant to go (presence follows connections): for a 1009, the digest leaves out
 * that caller's connection rows, and their count must drop by exactly one. Everything else must stay as it was.
 */
const ownConnections = (actor: ActorName) => ({ connections: `t.user_id = '${world.users[actor]}'` });

/** After a 1009: the server has dropped that connection's row; a new socket replaces the closed one. */
async function afterClose(c: FrameCase, before: Record<string, string>, countBefore: number) {
  const userId = world.users[c.actor];
  await until(async () => (await connectionRows(userId)) === countBefore - 1, `the closed connection of ${c.actor} to go`);
  const changed = await ledger.changedSince(before, ownConnections(c.actor));
  if (changed.length) throw new Error(`a frame closed for its size changed ${changed.join(', ')}`);
  const list = sockets.get(c.actor)!;
  list[c.socket] = watch(c.actor, await FuzzSocket.open(s.wsUrl, world.tokens[c.actor]));
  await until(async () => (await connectionRows(userId)) === countBefore, `the new connection of ${c.actor}`);
  tally.reopened++;
  ledger.invalidate();
}

async function heal() {
  const started = performance.now();
  for (const actor of await world.heal()) await openSockets(actor);
  ledger.invalidate();
  tally.healMs += performance.now() - started;
}

async function runBatch(batch: FrameCase[]) {
  const prepared = await Promise.all(batch.map(async (c) => ({ c, p: await prepare(c, world) })));
  // Frames that are not frames at all: all of them between two digests.
  const certain = prepared.filter(({ p }) => p.expect === 'refuse');
  if (certain.length) {
    const before = await ledger.now();
    for (const { c, p } of certain) {
      await sendFrame(c, p);
      record(frameType(c), true);
    }
    const changed = await ledger.changedSince(before);
    if (changed.length) throw new Error(`refused frames changed ${changed.join(', ')}:\n${certain.map(({ c, p }) => `${p.label} from ${c.actor}`).join('\n')}`);
  }
  // The rest one at a time, built against the world as it is now.
  for (const { c } of prepared.filter(({ p }) => p.expect !== 'refuse')) {
    const p = await prepare(c, world);
    const before = await ledger.now(p.expect === 'close' ? ownConnections(c.actor) : undefined);
    const countBefore = p.expect === 'close' ? await connectionRows(world.users[c.actor]) : 0;
    const { refused, closed } = await sendFrame(c, p);
    record(frameType(c), refused);
    if (closed) {
      tally.closed++;
      await afterClose(c, before, countBefore);
    } else if (refused) {
      const changed = await ledger.changedSince(before);
      if (changed.length) throw new Error(`a refused frame changed ${changed.join(', ')}: ${p.label} from ${c.actor}`);
    } else {
      ledger.invalidate();
      if (frameType(c) === 'availability.set') await heal();
    }
  }
}

/**
 * Checks one raw handshake: never a 5xx, 101 only when allowed (and always for a well-formed allowed one), the
 * error envelope for every refusal the app writes (one with a request id; Bun's own, such as 426 for a bad
 * version, carry none). Returns whether it was upgraded.
 */
async function tryHandshake(h: Handshake): Promise<boolean> {
  const text = await requestText(h, world, new URL(s.url).host);
  const where = JSON.stringify(text).slice(0, 400);
  const answer = await sendHandshake(s.port, text);
  if (typeof answer === 'string') throw new Error(`${answer} for ${where}`);
  const rule = upgradeRule(h, new URL(s.url).origin);
  if (answer.status >= 500) throw new Error(`${answer.status} for ${where}: ${answer.body.slice(0, 200)}`);
  if (answer.status === 101 && !rule.may) throw new Error(`upgraded though it must not be: ${where}`);
  if (answer.status !== 101 && rule.must) throw new Error(`${answer.status} though it must be upgraded: ${where}`);
  if (answer.status >= 400 && answer.headers['x-request-id'] !== undefined) {
    let body: unknown = answer.body;
    try {
      body = JSON.parse(answer.body);
    } catch {}
    const problem = envelopeProblem({ status: answer.status, body, headers: new Headers(answer.headers) });
    if (problem) throw new Error(`envelope (${problem}) of ${answer.status} for ${where}`);
  }
  return answer.status === 101;
}

async function runHandshakes(batch: Handshake[]) {
  const origin = new URL(s.url).origin;
  const refused = batch.filter((h) => !upgradeRule(h, origin).may);
  if (refused.length) {
    const before = await ledger.now();
    for (const h of refused) await tryHandshake(h);
    const changed = await ledger.changedSince(before);
    if (changed.length) throw new Error(`refused handshakes changed ${changed.join(', ')}`);
  }
  for (const h of batch.filter((x) => upgradeRule(x, origin).may)) {
    const before = await ledger.now();
    const upgraded = await tryHandshake(h);
    if (upgraded) {
      // Opened, greeted and dropped: its connection row must come and go, leaving no trace.
      const actor = h.token.who as ActorName;
      await until(async () => (await connectionRows(world.users[actor])) === SOCKETS_PER_CALLER, `the dropped socket of ${actor} to be forgotten`);
    }
    const changed = await ledger.changedSince(before);
    if (changed.length) throw new Error(`a handshake (${upgraded ? 'upgraded, then dropped' : 'refused'}) changed ${changed.join(', ')}: ${JSON.stringify(h)}`);
  }
}

describe('WebSocket fuzz', () => {
  test('every client frame type of the protocol has a generator', () => {
    const types = FRAME_MEMBERS.flatMap((m) => m.types);
    expect(types.filter((t) => !FRAME_HINTS[t])).toEqual([]);
    expect(Object.keys(FRAME_HINTS).filter((t) => !types.includes(t as ClientFrameType))).toEqual([]);
  });

  test(`${RUNS} hostile frames: typed errors, never internal, the socket stays usable, refusals change nothing`, async () => {
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.array(frameCase, { minLength: BATCH, maxLength: BATCH }), (batch) => runBatch(batch)),
      fuzzParameters(Math.ceil(RUNS / BATCH)),
    );
    const secs = (ms: number) => (ms / 1000).toFixed(1);
    console.log(
      `socket fuzz: ${tally.frames} frames (${tally.refused} refused, ${tally.accepted} accepted, ${tally.closed} closed with 1009) in ${secs(performance.now() - started)} s:`,
      `${ledger.digests} digests ${secs(ledger.digestMs)} s, healing ${secs(tally.healMs)} s`,
    );
    if (process.env.FUZZ_VERBOSE) for (const [type, n] of [...tally.byType].sort()) console.log(`  ${type}: ${n.ok} accepted, ${n.refused} refused`);
    expect(tally.accepted).toBeGreaterThan(0);
  });

  test(`${HANDSHAKES} hostile handshakes: 101 only for a valid ticket from an allowed origin, never a 5xx, refusals change nothing`, async () => {
    const started = performance.now();
    const digests = ledger.digests;
    await fc.assert(
      fc.asyncProperty(fc.array(handshake, { minLength: 10, maxLength: 10 }), (batch) => runHandshakes(batch)),
      fuzzParameters(Math.ceil(HANDSHAKES / 10)),
    );
    console.log(
      `socket fuzz: ${Math.ceil(HANDSHAKES / 10) * 10} handshakes in ${((performance.now() - started) / 1000).toFixed(1)} s, ${ledger.digests - digests} digests`,
    );
  });

  // Two handshakes the fuzz found answered wrongly (a 101 before the token check; a plain-text 400).
  const bare = (path: string, extra: string[]) =>
    [`GET ${path} HTTP/1.1`, `Host: ${new URL(s.url).host}`, 'Connection: Upgrade', 'Upgrade: websocket', ...extra, '', ''].join('\r\n');
  const key = ['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'];

  test('a trailing slash does not skip the token check: no token is a 401, never a 101', async () => {
    // onRequest compares the path exactly, while Elysia's router ignores a trailing slash (docs/requirements.md#auth).
    const answer = await sendHandshake(s.port, bare('/api/v1/socket/', key));
    expect(typeof answer === 'string' ? answer : answer.status).toBe(401);
  });

  test('a valid ticket with no Sec-WebSocket-Key gets a 400 with the error envelope', async () => {
    const answer = await sendHandshake(s.port, bare(`/api/v1/socket?ticket=${await socketTicket(s.wsUrl, world.tokens.admin)}`, []));
    if (typeof answer === 'string') throw new Error(answer);
    expect(answer.status).toBe(400);
    let body: unknown = answer.body;
    try {
      body = JSON.parse(answer.body);
    } catch {}
    expect(envelopeProblem({ status: answer.status, body, headers: new Headers(answer.headers) })).toBeNull();
  });

  test('no patient, other clinic or unknown caller ever got an internal note on any socket, even following the session it is in', async () => {
    // The patient follows their session, as do its employee and a colleague's socket; a note mentioning the colleague is written in it.
    await heal();
    const patientWs = sockets.get('patient')![0]!;
    await patientWs.send(JSON.stringify({ type: 'subscribe', sessionId: world.sessions.active, lastSeq: 0, ref: 'notes-1' }));
    expect(await patientWs.nextReply()).toMatchObject({ type: 'ack', ref: 'notes-1' });
    const employeeWs = await TestSocket.open(s.wsUrl, world.tokens.employee);
    const colleagueWs = await TestSocket.open(s.wsUrl, world.tokens.otherEmployee);
    expect((await employeeWs.request({ type: 'subscribe', sessionId: world.sessions.active, lastSeq: 0 })).type).toBe('ack');
    const author = (await authenticate(s.ctx.db, world.tokens.employee))!;
    await createNote(s.ctx, author, world.sessions.active, { body: `Late note. ${NOTE_MARKER}`, mentions: [world.users.otherEmployee] }, null);
    await employeeWs.waitFor((e) => e.type === 'note.created');
    await colleagueWs.waitFor((e) => e.type === 'note.mentioned');
    // The patient's probe is answered after anything the note's fan-out queued for it.
    expect(await patientWs.probe()).toBeNull();
    await Bun.sleep(100);
    employeeWs.close();
    colleagueWs.close();
    const leaks = outsiders.filter(({ ws }) => ws.noteFrames.length > 0).map(({ actor, ws }) => `${actor}: ${ws.noteFrames[0]!.slice(0, 200)}`);
    expect(outsiders.length).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });

  test('no patient, other clinic or unknown caller ever learned who views a chat, even following it while staff open it', async () => {
    await heal();
    const patientWs = sockets.get('patient')![0]!;
    await patientWs.send(JSON.stringify({ type: 'subscribe', sessionId: world.sessions.active, lastSeq: 0, ref: 'viewers-1' }));
    expect(await patientWs.nextReply()).toMatchObject({ type: 'ack', ref: 'viewers-1' });
    // The patient may not say they view it either.
    await patientWs.send(JSON.stringify({ type: 'viewing.start', sessionId: world.sessions.active, ref: 'viewers-2' }));
    expect(await patientWs.nextReply()).toMatchObject({ type: 'error', code: 'forbidden', ref: 'viewers-2' });
    const adminWs = await TestSocket.open(s.wsUrl, world.tokens.admin);
    expect((await adminWs.request({ type: 'viewing.start', sessionId: world.sessions.active })).type).toBe('ack');
    await adminWs.waitFor((e) => e.type === 'session.viewers' && e.viewers.some((v) => v.id === world.users.admin));
    adminWs.close();
    expect(await patientWs.probe()).toBeNull();
    await Bun.sleep(100);
    // The other clinic's admin may learn who views that clinic's own chat (the fuzz's frames may have opened it);
    // any other frame an outsider got is a leak.
    const mayKnow = (actor: string, frame: string) => actor === 'foreignAdmin' && JSON.parse(frame).sessionId === world.sessions.foreign;
    const leaks = outsiders.flatMap(({ actor, ws }) => ws.viewerFrames.filter((f) => !mayKnow(actor, f)).map((f) => `${actor}: ${f.slice(0, 200)}`));
    expect(leaks).toEqual([]);
  });

  test('afterwards the server still answers HTTP and opens new sockets', async () => {
    expect((await s.call('GET', '/healthz')).status).toBe(200);
    const ws = await FuzzSocket.open(s.wsUrl, world.tokens.admin);
    expect(await ws.probe()).toBeNull();
    ws.close();
  });
});
