/**
 * docs/requirements.md#auth: a generated matrix of roles × session-scoped routes (HTTP and WebSocket subscribe). Allowed pairs
 * succeed; every other pair answers 403 or 404 with no session data in the body, and changes nothing.
 */
import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { createClinic } from '../../server/src/modules/clinics/service';
import { databaseDigest } from '../helpers/digest';
import { useTestServer } from '../helpers/server';
import { TestSocket } from '../helpers/socket';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
type Role = 'owner' | 'otherPatient' | 'assignedEmployee' | 'neverAssignedEmployee' | 'admin';
const ROLES: Role[] = ['owner', 'otherPatient', 'assignedEmployee', 'neverAssignedEmployee', 'admin'];
type Actor = { label: string; who: Who; role: Role; home: boolean };

const s = useTestServer();
const actors: Actor[] = [];
/** The session under test (active, held by the assigned employee) and a waiting one for the queue route. */
let active: { id: string; reason: string; patientName: string };
let waiting: { id: string; reason: string; patientName: string };
const secretBody = 'canary-message-4711';
/** In an internal note of each clinic's active session: staff only, so no patient's answer may ever hold it. */
const noteCanary = 'canary-internal-note-0815';

async function http(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(s.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : null };
}

async function setupClinic(siteKey: string, adminEmail: string, adminPassword: string, home: boolean) {
  const admin = (await s.call('POST', '/api/v1/auth/login', { body: { email: adminEmail, password: adminPassword } })).body as Who;
  const mk = async (email: string) => {
    const res = await s.call('POST', '/api/v1/employees', {
      token: admin.token,
      body: { email, displayName: `Staff ${email}`, password: 'matrix-password-1', capacity: 5 },
    });
    expect(res.status).toBe(201);
    return (await s.call('POST', '/api/v1/auth/login', { body: { email, password: 'matrix-password-1' } })).body as Who;
  };
  const assigned = await mk(`assigned@${siteKey}.test`);
  const never = await mk(`never@${siteKey}.test`);
  const patient = async (name: string) => (await s.call('POST', '/api/v1/auth/guest', { body: { siteKey, displayName: name } })).body as Who;
  const owner = await patient(`Owner ${siteKey}`);
  const other = await patient(`Other ${siteKey}`);
  const queued = await patient(`Queued ${siteKey}`);

  await s.call('PUT', '/api/v1/employees/me/availability', { token: assigned.token, body: { availability: 'available' } });
  const a = await s.call('POST', '/api/v1/sessions', { token: owner.token, body: { reason: `Reason of ${siteKey}` } });
  expect(a.body.employee.id).toBe(assigned.user.id);
  const msg = await s.call('POST', `/api/v1/sessions/${a.body.id}/messages`, { token: owner.token, body: { clientMsgId: 'canary', body: secretBody } });
  expect(msg.status).toBe(201);
  const note = await s.call('POST', `/api/v1/sessions/${a.body.id}/notes`, {
    token: assigned.token,
    body: { body: `${noteCanary} ${siteKey}`, mentions: [never.user.id] },
  });
  expect(note.status).toBe(201);
  // The queued session was held by the assigned employee, who left it; nobody else is available, so it waits.
  const w = await s.call('POST', '/api/v1/sessions', { token: queued.token, body: { reason: `Queued reason ${siteKey}` } });
  expect((await s.call('POST', `/api/v1/sessions/${w.body.id}/leave`, { token: assigned.token, body: {} })).body.status).toBe('waiting');
  await s.call('PUT', '/api/v1/employees/me/availability', { token: assigned.token, body: { availability: 'away' } });

  const tag = home ? '' : ' (second clinic)';
  actors.push(
    { label: `patient owner${tag}`, who: owner, role: 'owner', home },
    { label: `other patient${tag}`, who: other, role: 'otherPatient', home },
    { label: `employee assigned${tag}`, who: assigned, role: 'assignedEmployee', home },
    { label: `employee never assigned${tag}`, who: never, role: 'neverAssignedEmployee', home },
    { label: `admin${tag}`, who: admin, role: 'admin', home },
  );
  return {
    active: { id: a.body.id, reason: a.body.reason, patientName: `Owner ${siteKey}` },
    waiting: { id: w.body.id, reason: w.body.reason, patientName: `Queued ${siteKey}` },
    queued,
  };
}

let queuedPatient: Who;
beforeAll(async () => {
  const home = await setupClinic('demo', 'admin@demo.clinic', DEMO_PASSWORD, true);
  active = home.active;
  waiting = home.waiting;
  queuedPatient = home.queued;
  await createClinic(s.ctx.db, { name: 'Second Clinic', siteKey: 'second', adminEmail: 'admin@second.clinic', adminPassword: 'second-password-1' });
  await setupClinic('second', 'admin@second.clinic', 'second-password-1', false);
}, 60_000);

interface Route {
  name: string;
  /** Changes state when allowed: run after every read-only case. */
  mutates?: boolean;
  allowed: Role[];
  call(a: Actor): Promise<{ status: number; text: string; body: any }>;
  /** Status of an allowed call. */
  ok: number[];
  /** The route refuses this caller's role for every session (403 forbidden), which tells nothing about this one. */
  refusesRole?(a: Actor): boolean;
}

const isPatient = (a: Actor) => a.role === 'owner' || a.role === 'otherPatient';

const ROUTES: Route[] = [
  {
    name: 'GET /sessions/:id',
    allowed: ['owner', 'assignedEmployee', 'admin'],
    ok: [200],
    call: (a) => http('GET', `/api/v1/sessions/${active.id}`, a.who.token),
  },
  {
    name: 'GET /sessions/:id/messages',
    allowed: ['owner', 'assignedEmployee', 'admin'],
    ok: [200],
    call: (a) => http('GET', `/api/v1/sessions/${active.id}/messages?after=0`, a.who.token),
  },
  {
    name: 'GET /sessions/:id/assignments',
    allowed: ['assignedEmployee', 'admin'],
    ok: [200],
    refusesRole: isPatient,
    call: (a) => http('GET', `/api/v1/sessions/${active.id}/assignments`, a.who.token),
  },
  {
    // Staff only: the never-assigned employee is mentioned in the note, which lets them read the notes (not the session).
    name: 'GET /sessions/:id/notes',
    allowed: ['assignedEmployee', 'neverAssignedEmployee', 'admin'],
    ok: [200],
    refusesRole: isPatient,
    call: (a) => http('GET', `/api/v1/sessions/${active.id}/notes`, a.who.token),
  },
  {
    name: 'GET /sessions/:id/audit',
    allowed: ['admin'],
    ok: [200],
    refusesRole: (a) => a.role !== 'admin',
    call: (a) => http('GET', `/api/v1/sessions/${active.id}/audit`, a.who.token),
  },
  {
    name: 'GET /sessions/:id/queue',
    allowed: ['owner', 'assignedEmployee', 'admin'],
    ok: [200],
    // The owner of the waiting session is its own patient; the others keep their role towards it.
    call: (a) => http('GET', `/api/v1/sessions/${waiting.id}/queue`, a.role === 'owner' && a.home ? queuedPatient.token : a.who.token),
  },
  {
    name: 'POST /sessions/:id/messages',
    mutates: true,
    allowed: ['owner', 'assignedEmployee'],
    ok: [201],
    call: (a) => http('POST', `/api/v1/sessions/${active.id}/messages`, a.who.token, { clientMsgId: `m-${a.label}`, body: 'hello' }),
  },
  {
    name: 'POST /sessions/:id/read',
    mutates: true,
    allowed: ['owner', 'assignedEmployee'],
    ok: [204],
    call: (a) => http('POST', `/api/v1/sessions/${active.id}/read`, a.who.token, { seq: 1 }),
  },
  {
    name: 'POST /sessions/:id/notes',
    mutates: true,
    allowed: ['assignedEmployee', 'admin'],
    ok: [201],
    refusesRole: isPatient,
    call: (a) => http('POST', `/api/v1/sessions/${active.id}/notes`, a.who.token, { body: `${noteCanary} by ${a.label}` }),
  },
  {
    name: 'POST /sessions/:id/leave',
    mutates: true,
    allowed: ['assignedEmployee'],
    ok: [200],
    call: (a) => http('POST', `/api/v1/sessions/${active.id}/leave`, a.who.token, {}),
  },
  { name: 'POST /sessions/:id/end', mutates: true, allowed: ['owner'], ok: [200], call: (a) => http('POST', `/api/v1/sessions/${active.id}/end`, a.who.token) },
];

const isAllowed = (route: { allowed: Role[] }, a: Actor) => a.home && route.allowed.includes(a.role);
/** Who may read the session at all; anyone else learns nothing, not even that it exists. */
const canRead = (a: Actor) => a.home && ['owner', 'assignedEmployee', 'admin'].includes(a.role);

/**
 * Everyone who cannot read the session gets the answer they would get for a session that does not exist: 404
 * session_not_found, or 403 forbidden where the route refuses their role for every session.
 */
async function expectUnseen(route: Route, a: Actor, failures: string[], label: string) {
  const res = await route.call(a);
  const [status, code] = route.refusesRole?.(a) ? [403, 'forbidden'] : [404, 'session_not_found'];
  if (res.status !== status || res.body?.error?.code !== code) failures.push(`${label}: ${res.status} ${res.body?.error?.code}`);
  else expectNoSessionData(res.text);
}

/** A refusal names no session data: no ids, reasons, names or message bodies. */
function expectNoSessionData(text: string) {
  for (const secret of [active.id, waiting.id, active.reason, waiting.reason, active.patientName, waiting.patientName, secretBody])
    expect(text).not.toContain(secret);
}

describe('HTTP: roles × session routes', () => {
  // Every denied pair first (they must change nothing), then allowed reads, then allowed writes in route order.
  const cases = () => {
    const denied: Array<[string, Route, Actor]> = [];
    const allowed: Array<[string, Route, Actor]> = [];
    for (const route of ROUTES) for (const a of actors) (isAllowed(route, a) ? allowed : denied).push([`${route.name} as ${a.label}`, route, a]);
    return { denied, allowed };
  };

  test('the matrix covers every role of both clinics', () => {
    expect(actors).toHaveLength(10);
    expect(new Set(actors.map((a) => a.role))).toEqual(new Set(ROLES));
  });

  test('denied pairs answer 403 or 404 with no session data and change nothing', async () => {
    const { denied } = cases();
    expect(denied.length).toBeGreaterThan(50);
    const before = await databaseDigest(s.ctx.db);
    const failures: string[] = [];
    for (const [label, route, a] of denied) {
      if (!canRead(a)) {
        await expectUnseen(route, a, failures, label);
        continue;
      }
      const res = await route.call(a);
      if (res.status !== 403 && res.status !== 404) failures.push(`${label}: ${res.status}`);
      else {
        expect(Object.keys(res.body)).toEqual(['error']);
        expectNoSessionData(res.text);
      }
    }
    expect(failures).toEqual([]);
    // Audit rows aside (none are written for refusals either), nothing changed.
    expect(await databaseDigest(s.ctx.db)).toEqual(before);
  });

  test('allowed pairs succeed: reads, then writes', async () => {
    const { allowed } = cases();
    const failures: string[] = [];
    for (const [label, route, a] of [...allowed.filter(([, r]) => !r.mutates), ...allowed.filter(([, r]) => r.mutates)]) {
      const res = await route.call(a);
      if (!route.ok.includes(res.status)) failures.push(`${label}: ${res.status} ${res.text.slice(0, 120)}`);
      // Whatever a patient may call, the answer never holds an internal note.
      if (isPatient(a) && res.text.includes(noteCanary)) failures.push(`${label}: an internal note reached a patient`);
    }
    expect(failures).toEqual([]);
  });

  test("internal notes: each read is audited, and a patient's lists and history never hold one", async () => {
    const admin = actors.find((a) => a.role === 'admin' && a.home)!;
    const reads = async () =>
      (await http('GET', `/api/v1/sessions/${active.id}/audit`, admin.who.token)).body.entries.filter((e: { action: string }) => e.action === 'notes.read')
        .length;
    const before = await reads();
    const res = await http('GET', `/api/v1/sessions/${active.id}/notes`, admin.who.token);
    expect(res.body.notes.length).toBeGreaterThan(0);
    expect(res.text).toContain(noteCanary);
    expect(await reads()).toBe(before + 1);
    for (const a of actors.filter(isPatient))
      for (const path of ['/api/v1/sessions', `/api/v1/sessions/${active.id}`, `/api/v1/sessions/${active.id}/messages?after=0`])
        expect((await http('GET', path, a.who.token)).text).not.toContain(noteCanary);
  });

  test('once the session has ended, those who cannot read it still get the answer of an unknown session on every route', async () => {
    const res = await http('GET', `/api/v1/sessions/${active.id}`, actors.find((a) => a.role === 'admin' && a.home)!.who.token);
    expect(res.body.status).toBe('ended');
    const failures: string[] = [];
    for (const route of ROUTES)
      for (const a of actors.filter((x) => !canRead(x) && !isAllowed(route, x))) await expectUnseen(route, a, failures, `${route.name} as ${a.label}`);
    expect(failures).toEqual([]);
  });

  test('lists never cross clinics', async () => {
    for (const a of actors.filter((x) => !x.home)) {
      const lists = [await http('GET', '/api/v1/sessions', a.who.token)];
      if (a.role === 'admin' || a.role.endsWith('Employee'))
        lists.push(await http('GET', '/api/v1/queue', a.who.token), await http('GET', '/api/v1/employees', a.who.token));
      for (const res of lists) expectNoSessionData(res.text);
    }
  });
});

describe('HTTP: roles × quick replies', () => {
  test("staff of the clinic list them, admins change them, patients are refused, and no clinic reaches another's", async () => {
    const homeAdmin = actors.find((a) => a.role === 'admin' && a.home)!;
    const created = await http('POST', '/api/v1/quick-replies', homeAdmin.who.token, { shortcut: 'matrix', body: 'Home clinic answer' });
    expect(created.status).toBe(201);
    const failures: string[] = [];
    for (const a of actors) {
      const list = await http('GET', '/api/v1/quick-replies', a.who.token);
      const expected = isPatient(a) ? 403 : 200;
      if (list.status !== expected) failures.push(`list as ${a.label}: ${list.status}`);
      if (!a.home && list.text.includes('Home clinic answer')) failures.push(`list as ${a.label} shows the home clinic's`);
      const patch = await http('PATCH', `/api/v1/quick-replies/${created.body.id}`, a.who.token, { body: `Changed by ${a.label}` });
      const wanted = a.role === 'admin' ? (a.home ? 200 : 404) : 403;
      if (patch.status !== wanted) failures.push(`patch as ${a.label}: ${patch.status}`);
      const remove = await http('DELETE', `/api/v1/quick-replies/${created.body.id}`, a.who.token);
      if (a.role === 'admin' && a.home) {
        if (remove.status !== 204) failures.push(`delete as ${a.label}: ${remove.status}`);
        await http('POST', '/api/v1/quick-replies', homeAdmin.who.token, { shortcut: 'matrix', body: 'Home clinic answer' }).then(
          (r) => (created.body.id = r.body.id),
        );
      } else if (remove.status !== (a.role === 'admin' ? 404 : 403)) failures.push(`delete as ${a.label}: ${remove.status}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('WebSocket: roles × the session', () => {
  test('allowed roles get an ack with the session; others a session_not_found error with no session data', async () => {
    const failures: string[] = [];
    for (const a of actors) {
      const ws = await TestSocket.open(s.wsUrl, a.who.token);
      const res = await ws.request({ type: 'subscribe', sessionId: active.id, lastSeq: 0 });
      // Reads are allowed for the owner, any employee who held it, and the admin (the session has ended by now).
      const allowed = a.home && ['owner', 'assignedEmployee', 'admin'].includes(a.role);
      if (allowed && res.type !== 'ack') failures.push(`${a.label}: ${JSON.stringify(res)}`);
      // The owner's replay holds the conversation, never the notes written in it.
      if (a.role === 'owner') {
        await Bun.sleep(50);
        if (JSON.stringify(ws.events).includes(noteCanary)) failures.push(`${a.label}: an internal note on the patient's socket`);
      }
      if (!allowed) {
        if (res.type !== 'error' || res.code !== 'session_not_found') failures.push(`${a.label}: ${res.type}`);
        // Give any wrongly delivered replay a moment to arrive, then check nothing about the session came.
        await Bun.sleep(50);
        for (const e of ws.events) {
          if (e.type === 'error') continue;
          expectNoSessionData(JSON.stringify(e).replace(/"type":"hello".*/, ''));
        }
        expect(ws.messages(active.id)).toEqual([]);
      }
      ws.close();
    }
    expect(failures).toEqual([]);
  });

  test('every frame about the (ended) session answers session_not_found to those who cannot read it', async () => {
    const failures: string[] = [];
    for (const a of actors.filter((x) => !canRead(x))) {
      const ws = await TestSocket.open(s.wsUrl, a.who.token);
      for (const frame of [
        { type: 'message.send', sessionId: active.id, clientMsgId: `ws-${a.label}`, body: 'hello' },
        { type: 'typing.start', sessionId: active.id },
        { type: 'read', sessionId: active.id, seq: 1 },
      ]) {
        const res = await ws.request(frame);
        if (res.type !== 'error' || res.code !== 'session_not_found')
          failures.push(`${frame.type} as ${a.label}: ${res.type} ${'code' in res ? res.code : ''}`);
      }
      ws.close();
    }
    expect(failures).toEqual([]);
  });
});
