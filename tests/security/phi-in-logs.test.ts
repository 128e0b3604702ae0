/**
 * docs/requirements.md#privacy (no PHI in logs or audit rows): the demo server (what `npm start` runs) as a child process with
 * LOG_LEVEL=debug, every byte it writes to stdout and stderr captured. A whole conversation is driven with canary
 * values: patient names, a staff email and name, identity-token claims, a reason, message bodies over HTTP and the
 * socket, typing, reads, a leave note, failed logins, bad input carrying the canaries, and database errors whose raw
 * text quotes a canary (a CHECK constraint planted before the server starts). Then no canary, token or secret may
 * appear in the output or in the audit rows, and the error paths must have logged (so the test cannot pass on
 * silence).
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { migrateDatabase, openDatabase } from '../../server/src/db/client';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { signIdentityToken } from '../../server/src/lib/identity-token';
import { onPostgres } from '../helpers/database';
import { query } from '../helpers/digest';
import { logLines, startLoggedServer, type LoggedServer } from '../helpers/logged-server';
import { TestSocket } from '../helpers/socket';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const tag = crypto.randomUUID().replaceAll('-', '').slice(0, 12);
/** Every canary holds `tag`, so one search for it finds any of them, whole or cut. */
const canary = {
  guestName: `Canary-Patient-${tag}`,
  identifiedName: `Canary-Identified-${tag}`,
  externalId: `canary-sub-${tag}`,
  staffName: `Canary-Staff-${tag}`,
  staffEmail: `canary-${tag}@example.test`,
  staffPassword: `canary-secret-${tag}`,
  wrongPassword: `canary-password-${tag}`,
  reason: `canary-reason-${tag}`,
  patientBody: `canary-body-${tag}`,
  staffBody: `canary-reply-${tag}`,
  leaveNote: `canary-note-${tag}`,
  /** Refused by the planted CHECK constraints: the database error's text quotes these. */
  trappedBody: `canary-trap-body-${tag}`,
  trappedName: `canary-trap-name-${tag}`,
};
/** Credentials seen during the run: none may be logged either. */
const secrets: string[] = [];

let server: LoggedServer;
let base = '';
let wsUrl = '';
const sockets: TestSocket[] = [];
/** Request ids of the answers that went through the internal-error path. */
const failedRequestIds: string[] = [];

async function call(method: string, path: string, { token, body, headers = {} }: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed };
}

/** Migrates the database and plants CHECK constraints that refuse the trapped canaries with a raw database error. */
async function plantTraps(url: string | undefined, dir: string | undefined) {
  const handle = openDatabase({ url, dataDir: dir });
  await migrateDatabase(handle);
  await handle.db.execute(sql.raw(`alter table messages add constraint phi_log_trap_body check (body not like 'canary-trap-%')`));
  await handle.db.execute(sql.raw(`alter table users add constraint phi_log_trap_name check (display_name not like 'canary-trap-%')`));
  await handle.close();
}

beforeAll(async () => {
  server = await startLoggedServer(plantTraps);
  base = server.base;
  wsUrl = `${base.replace('http', 'ws')}/api/v1/socket`;
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.dispose();
});

describe('a whole conversation with canary PHI, at LOG_LEVEL=debug', () => {
  test('drive it: staff, patients, messages, typing, reads, leave, end, bad input and database errors', async () => {
    // Staff: the admin creates an employee with a canary name, email and password, who logs in and is available.
    const admin = await call('POST', '/api/v1/auth/login', { body: { email: 'admin@demo.clinic', password: DEMO_PASSWORD } });
    expect(admin.status).toBe(200);
    secrets.push(admin.body.token);
    const rotated = await call('POST', '/api/v1/clinic/identity-secret', { token: admin.body.token });
    expect(rotated.status).toBe(200);
    const identitySecret: string = rotated.body.secret;
    secrets.push(identitySecret);
    const created = await call('POST', '/api/v1/employees', {
      token: admin.body.token,
      body: { email: canary.staffEmail, displayName: canary.staffName, password: canary.staffPassword, capacity: 5 },
    });
    expect(created.status).toBe(201);
    expect(
      (
        await call('POST', '/api/v1/employees', {
          token: admin.body.token,
          body: { email: canary.staffEmail, displayName: canary.staffName, password: canary.staffPassword },
        })
      ).status,
    ).toBe(409);
    const staff = await call('POST', '/api/v1/auth/login', { body: { email: canary.staffEmail, password: canary.staffPassword } });
    expect(staff.status).toBe(200);
    secrets.push(staff.body.token);
    expect((await call('PUT', '/api/v1/employees/me/availability', { token: staff.body.token, body: { availability: 'available' } })).status).toBe(200);

    // Patients: a guest with a canary name, and an identified patient whose signed claims are canaries.
    const guest = await call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: canary.guestName } });
    expect(guest.status).toBe(200);
    secrets.push(guest.body.token);
    const identityToken = await signIdentityToken(
      { sub: canary.externalId, name: canary.identifiedName, aud: 'demo', exp: Math.floor(Date.now() / 1000) + 300 },
      identitySecret,
    );
    secrets.push(identityToken);
    const identified = await call('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken } });
    expect(identified.status).toBe(200);
    secrets.push(identified.body.token);

    // The conversation, over HTTP and the socket.
    const staffWs = await TestSocket.open(wsUrl, staff.body.token);
    const patientWs = await TestSocket.open(wsUrl, guest.body.token, { origin: base });
    sockets.push(staffWs, patientWs);
    const session = await call('POST', '/api/v1/sessions', { token: guest.body.token, body: { reason: canary.reason } });
    expect(session.status).toBe(201);
    expect(session.body.employee.id).toBe(created.body.id);
    const id: string = session.body.id;
    for (const ws of [staffWs, patientWs]) expect((await ws.request({ type: 'subscribe', sessionId: id, lastSeq: 0 })).type).not.toBe('error');
    expect(await patientWs.request({ type: 'typing.start', sessionId: id })).toMatchObject({ type: 'ack' });
    expect(await patientWs.request({ type: 'message.send', sessionId: id, clientMsgId: 'p1', body: canary.patientBody })).toMatchObject({ type: 'ack' });
    expect(await patientWs.request({ type: 'typing.stop', sessionId: id })).toMatchObject({ type: 'ack' });
    expect(
      (await call('POST', `/api/v1/sessions/${id}/messages`, { token: guest.body.token, body: { clientMsgId: 'p2', body: `${canary.patientBody} again` } }))
        .status,
    ).toBe(201);
    expect(await staffWs.request({ type: 'typing.start', sessionId: id })).toMatchObject({ type: 'ack' });
    expect(await staffWs.request({ type: 'message.send', sessionId: id, clientMsgId: 's1', body: canary.staffBody })).toMatchObject({ type: 'ack' });
    expect(await staffWs.request({ type: 'read', sessionId: id, seq: 3 })).toMatchObject({ type: 'ack' });
    expect((await call('POST', `/api/v1/sessions/${id}/read`, { token: guest.body.token, body: { seq: 4 } })).status).toBe(204);
    expect((await call('GET', `/api/v1/sessions/${id}/messages?after=0`, { token: staff.body.token })).body.messages.length).toBeGreaterThanOrEqual(3);
    expect((await call('GET', `/api/v1/sessions/${id}`, { token: admin.body.token })).status).toBe(200);
    expect((await call('GET', `/api/v1/sessions/${id}/audit`, { token: admin.body.token })).status).toBe(200);
    expect((await call('POST', `/api/v1/sessions/${id}/leave`, { token: staff.body.token, body: { note: canary.leaveNote } })).status).toBe(200);
    expect((await call('POST', `/api/v1/sessions/${id}/end`, { token: guest.body.token })).status).toBe(200);

    // Failed logins with canary passwords, for a known and an unknown account.
    expect((await call('POST', '/api/v1/auth/login', { body: { email: canary.staffEmail, password: canary.wrongPassword } })).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/login', { body: { email: `nobody-${canary.staffEmail}`, password: canary.wrongPassword } })).status).toBe(401);

    // Bad input carrying the canaries: malformed JSON, schema failures, oversize, control characters, odd places.
    const second = await call('POST', '/api/v1/sessions', { token: identified.body.token, body: { reason: canary.reason } });
    expect(second.status).toBe(201);
    const messages = `/api/v1/sessions/${second.body.id}/messages`;
    const bad: Array<[string, string, Parameters<typeof call>[2], number]> = [
      ['POST', messages, { token: identified.body.token, body: `{"clientMsgId":"b1","body":"${canary.patientBody}` }, 400],
      ['POST', messages, { token: identified.body.token, body: { clientMsgId: 'b2', body: `${canary.patientBody}\u0000` } }, 400],
      ['POST', messages, { token: identified.body.token, body: { clientMsgId: 'b3', body: `${canary.patientBody} `.repeat(300) } }, 422],
      ['POST', messages, { token: identified.body.token, body: { clientMsgId: canary.patientBody.repeat(5), body: 'x' } }, 400],
      ['POST', messages, { token: identified.body.token, body: { clientMsgId: 'b1', body: canary.patientBody, extra: { name: canary.guestName } } }, 201],
      ['POST', messages, { token: identified.body.token, body: { clientMsgId: 'b1', body: `${canary.patientBody} changed` } }, 409],
      ['POST', messages, { token: identified.body.token, body: { body: canary.patientBody } }, 400],
      [
        'POST',
        `/api/v1/sessions/${crypto.randomUUID()}/messages`,
        { token: identified.body.token, body: { clientMsgId: 'b4', body: canary.patientBody } },
        404,
      ],
      ['POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: `${canary.guestName}\u0000` } }, 400],
      ['POST', '/api/v1/auth/guest', { body: { siteKey: canary.guestName, displayName: canary.guestName } }, 404],
      ['POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: canary.guestName.repeat(20) } }, 400],
      ['POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken: `${canary.externalId}.${canary.identifiedName}.x` } }, 401],
      [
        'POST',
        '/api/v1/auth/identify',
        {
          body: {
            siteKey: 'demo',
            identityToken: await signIdentityToken(
              { sub: canary.externalId, name: canary.identifiedName, aud: 'demo', exp: Math.floor(Date.now() / 1000) + 300 },
              'not-the-secret',
            ),
          },
        },
        401,
      ],
      ['POST', '/api/v1/auth/login', { body: { email: canary.staffEmail, password: canary.wrongPassword.repeat(20) } }, 400],
      ['POST', `/api/v1/sessions/${second.body.id}/leave`, { token: staff.body.token, body: { note: canary.leaveNote.repeat(40) } }, 400],
      ['GET', `/api/v1/auth/me`, { headers: { authorization: `Bearer ${canary.patientBody}` } }, 401],
      ['GET', `/api/v1/clinics/${canary.guestName}`, {}, 404],
      ['GET', `/api/v1/${canary.patientBody}?name=${canary.guestName}`, {}, 404],
      ['GET', `/api/v1/sessions/${canary.patientBody}`, { token: identified.body.token }, 400],
      ['GET', `/api/v1/socket?token=${canary.patientBody}`, {}, 400],
    ];
    for (const [method, path, options, status] of bad) {
      expect({ [`${method} ${path.slice(0, 80)}`]: (await call(method, path, options)).status }).toEqual({ [`${method} ${path.slice(0, 80)}`]: status });
    }
    // The same over the socket: malformed frames, unknown types, refused sends, an oversized frame.
    const patient2Ws = await TestSocket.open(wsUrl, identified.body.token);
    sockets.push(patient2Ws);
    patient2Ws.send(`{"type":"message.send","body":"${canary.patientBody}"`);
    patient2Ws.send({ type: canary.patientBody, name: canary.guestName, ref: 'x1' });
    expect(await patient2Ws.request({ type: 'message.send', sessionId: crypto.randomUUID(), clientMsgId: 'w1', body: canary.patientBody })).toMatchObject({
      type: 'error',
      code: 'session_not_found',
    });
    expect(await patient2Ws.request({ type: 'message.send', sessionId: second.body.id, clientMsgId: 'w2', body: `${canary.patientBody}\u0000` })).toMatchObject(
      { type: 'error' },
    );
    // Too large to read even its ref: the error frame carries none.
    patient2Ws.send({ type: 'message.send', sessionId: second.body.id, clientMsgId: 'w3', body: `${canary.patientBody} `.repeat(1200), ref: 'w3' });
    await patient2Ws.waitFor((e) => e.type === 'error' && e.code === 'payload_too_large');
    // An unknown field is ignored, not echoed or logged.
    expect(
      await patient2Ws.request({ type: 'message.send', sessionId: second.body.id, clientMsgId: 'w4', body: canary.staffName, extra: canary.staffEmail }),
    ).toMatchObject({ type: 'ack' });
    // A refused upgrade: a canary as the token.
    const refused = await fetch(`${base}/api/v1/socket?token=${canary.patientBody}`, {
      headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    expect(refused.status).toBe(401);
    await refused.text();

    // Database errors whose raw text quotes a canary: the internal-error path, over HTTP and over the socket.
    const trappedHttp = await call('POST', messages, { token: identified.body.token, body: { clientMsgId: 't1', body: canary.trappedBody } });
    expect(trappedHttp.status).toBe(500);
    expect(trappedHttp.body.error.code).toBe('internal_error');
    failedRequestIds.push(trappedHttp.body.error.requestId);
    const trappedGuest = await call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: canary.trappedName } });
    expect(trappedGuest.status).toBe(500);
    failedRequestIds.push(trappedGuest.body.error.requestId);
    expect(await patient2Ws.request({ type: 'message.send', sessionId: second.body.id, clientMsgId: 't2', body: canary.trappedBody })).toMatchObject({
      type: 'error',
      code: 'internal_error',
    });
    // Nothing of it reaches the caller either.
    expect(JSON.stringify([trappedHttp.body, trappedGuest.body, patient2Ws.events.filter((e) => e.type === 'error')])).not.toContain('trap');

    // Disconnects (presence and grace paths), then a graceful stop, so shutdown logging is captured too.
    for (const s of sockets.splice(0)) s.close();
    await Bun.sleep(500);
    expect(await server.stop()).toBe(0);
  }, 120_000);

  test('logs were written, including the error paths, each with its request id', () => {
    const lines = logLines(server.output);
    const events = lines.map((l) => l.event);
    expect(events).toContain('server.listening');
    expect(events).toContain('request.failed');
    expect(events).toContain('socket.frame_failed');
    // The logged errors are the planted check violations, whose raw text quoted the canaries: name and code only.
    const failed = lines.filter((l) => l.event === 'request.failed');
    expect(failedRequestIds.length).toBe(2);
    for (const requestId of failedRequestIds) expect(failed.find((l) => l.requestId === requestId)).toMatchObject({ level: 'error', errorCode: '23514' });
    expect(lines.find((l) => l.event === 'socket.frame_failed')).toMatchObject({ level: 'error', frame: 'message.send', errorCode: '23514' });
  });

  test('no canary, token or secret anywhere in stdout or stderr', () => {
    const output = server.output;
    expect(output.length).toBeGreaterThan(0);
    const leaks = [tag, ...Object.values(canary), ...secrets].filter((needle) => output.toLowerCase().includes(needle.toLowerCase()));
    expect({ leaks, lines: output.split('\n').filter((l) => l.toLowerCase().includes(tag)) }).toEqual({ leaks: [], lines: [] });
  });

  test('no canary in the audit rows either (ids, actions and addresses only)', async () => {
    const handle = openDatabase({ url: server.database.url, dataDir: server.dataDir });
    try {
      const rows = await query(handle.db, sql`select * from audit_log`);
      expect(rows.length).toBeGreaterThan(10);
      const text = JSON.stringify(rows);
      expect([tag, ...secrets].filter((needle) => text.includes(needle))).toEqual([]);
    } finally {
      await handle.close();
    }
  });
});

/**
 * A path can carry caller text (here a canary as the site key of `GET /clinics/:siteKey`); error logs name the route
 * pattern, never the path. Shown on Postgres, where the test can hold a lock past the request's lock_timeout.
 */
describe.skipIf(!onPostgres)('a caller-chosen path in an error log (Postgres)', () => {
  let probe: LoggedServer;
  beforeAll(async () => {
    probe = await startLoggedServer(plantTraps);
  }, 120_000);
  afterAll(() => probe?.dispose());

  test('a request that outwaits a table lock gets 503 and is logged', async () => {
    const holder = postgres(probe.database.url!, { max: 1, onnotice: () => {} });
    try {
      await holder.begin(async (tx) => {
        await tx.unsafe('lock table clinics in access exclusive mode');
        const res = await fetch(`${probe.base}/api/v1/clinics/${canary.guestName}`);
        expect(res.status).toBe(503);
        await res.text();
      });
    } finally {
      await holder.end();
    }
    expect(await probe.stop()).toBe(0);
    expect(logLines(probe.output).filter((l) => l.event === 'request.database_unavailable')).toHaveLength(1);
  });

  test('the log names the route pattern, not the caller’s text', () => {
    expect(probe.output).not.toContain(tag);
    expect(logLines(probe.output).find((l) => l.event === 'request.database_unavailable')).toMatchObject({ route: '/api/v1/clinics/:siteKey' });
  });
});
