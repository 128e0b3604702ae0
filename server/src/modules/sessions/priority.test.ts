import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { guest, login, useTestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { refusalChecker } from '../../../../tests/helpers/expect';
import { signIdentityToken } from '../../lib/identity-token';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
const t = useTestApp();
const refused = refusalChecker(() => t);
let joy: Who;
let sam: Who;
let admin: Who;
let chest: string;
let bleeding: string;

const start = (p: Who, body: unknown) => t.call('POST', '/api/v1/sessions', { token: p.token, body });
const answers = (chestPain: boolean, bleed = false) => ({
  redFlags: [
    { id: chest, answer: chestPain },
    { id: bleeding, answer: bleed },
  ],
});
const auditCount = async (action: string, sessionId?: string) =>
  (
    await query<{ n: number }>(
      t.ctx.db,
      sql`select count(*)::int as n from audit_log where action = ${action} ${sessionId ? sql`and session_id = ${sessionId}` : sql``}`,
    )
  )[0]!.n;

beforeAll(async () => {
  [joy, sam, admin] = (await Promise.all(['nurse.joy', 'nurse.sam', 'admin'].map((n) => login(t, `${n}@demo.clinic`)))) as [Who, Who, Who];
  const res = await t.call('PUT', '/api/v1/clinic/intake', {
    token: admin.token,
    body: { redFlags: [{ text: 'Chest pain or trouble breathing?' }, { text: 'Heavy bleeding that does not stop?' }], emergencyInstructions: '' },
  });
  expect(res.status).toBe(200);
  [chest, bleeding] = res.body.redFlags.map((q: { id: string }) => q.id);
});

describe('clinic intake (admin)', () => {
  test('the public lookup carries the questions, and the emergency text when the clinic wrote no instructions of its own', async () => {
    const pub = await t.call('GET', '/api/v1/clinics/demo');
    expect(pub.body.intake.redFlags.map((q: { text: string }) => q.text)).toEqual(['Chest pain or trouble breathing?', 'Heavy bleeding that does not stop?']);
    expect(pub.body.intake.emergencyInstructions).toBe(pub.body.emergencyText);
    expect(await auditCount('clinic.intake_changed')).toBe(1);
  });

  test('a question keeps its id when sent with it; an id the clinic does not have, or a blank question, is a 400 changing nothing; staff get 403', async () => {
    await refused(
      'PUT',
      '/api/v1/clinic/intake',
      { token: admin.token, body: { redFlags: [{ id: crypto.randomUUID(), text: 'Faint?' }], emergencyInstructions: '' } },
      400,
      'invalid_request',
    );
    await refused(
      'PUT',
      '/api/v1/clinic/intake',
      { token: admin.token, body: { redFlags: [{ text: '  ' }], emergencyInstructions: '' } },
      400,
      'invalid_request',
    );
    await refused(
      'PUT',
      '/api/v1/clinic/intake',
      { token: admin.token, body: { redFlags: [{ text: 'a\u0000b' }], emergencyInstructions: '' } },
      400,
      'invalid_request',
    );
    await refused('PUT', '/api/v1/clinic/intake', { token: joy.token, body: { redFlags: [], emergencyInstructions: '' } }, 403, 'forbidden');
    const same = {
      redFlags: [
        { id: chest, text: 'Chest pain or trouble breathing?' },
        { id: bleeding, text: 'Heavy bleeding that does not stop?' },
      ],
      emergencyInstructions: 'Call 112 now.',
    };
    const res = await t.call('PUT', '/api/v1/clinic/intake', { token: admin.token, body: same });
    expect(res.body).toEqual({ ...same, topics: [] });
    expect((await t.call('GET', '/api/v1/clinics/demo')).body.intake.emergencyInstructions).toBe('Call 112 now.');
  });
});

describe('starting with red-flag answers', () => {
  test('a yes makes the session urgent and stores the answers as asked; all no: routine', async () => {
    const yes = await guest(t, 'Yes');
    const a = await start(yes, { reason: 'Pain', intake: answers(true) });
    expect(a.status).toBe(201);
    expect(a.body.priority).toBe('urgent');
    const [row] = await query<{ intake_answers: unknown }>(t.ctx.db, sql`select intake_answers from chat_sessions where id = ${a.body.id}`);
    expect(row!.intake_answers).toEqual({
      redFlags: [
        { id: chest, question: 'Chest pain or trouble breathing?', answer: true },
        { id: bleeding, question: 'Heavy bleeding that does not stop?', answer: false },
      ],
    });
    const no = await guest(t, 'No');
    expect((await start(no, { reason: 'Rash', intake: answers(false) })).body.priority).toBe('routine');
    for (const [p, id] of [
      [yes, a.body.id],
      [no, null],
    ] as const) {
      const sid = id ?? (await t.call('GET', '/api/v1/sessions', { token: p.token })).body.sessions[0].id;
      await t.call('POST', `/api/v1/sessions/${sid}/end`, { token: p.token });
    }
  });

  test('the client cannot set the priority: a priority in the body is ignored, and without answers the session is routine', async () => {
    const p = await guest(t, 'Sly');
    const res = await start(p, { reason: 'Me first', priority: 'urgent' });
    expect(res.status).toBe(201);
    expect(res.body.priority).toBe('routine');
    const [row] = await query<{ priority: string; intake_answers: unknown }>(
      t.ctx.db,
      sql`select priority, intake_answers from chat_sessions where id = ${res.body.id}`,
    );
    expect(row).toEqual({ priority: 'routine', intake_answers: null });
    await t.call('POST', `/api/v1/sessions/${res.body.id}/end`, { token: p.token });
  });

  test('bad answers are a 400 that starts nothing', async () => {
    const p = await guest(t, 'Bad answers');
    for (const intake of [
      { redFlags: [{ id: chest, answer: true }] }, // one left out
      { redFlags: [...answers(false).redFlags, { id: crypto.randomUUID(), answer: true }] }, // a question the clinic does not ask
      {
        redFlags: [
          { id: chest, answer: true },
          { id: chest, answer: false },
          { id: bleeding, answer: false },
        ],
      }, // twice
      {
        redFlags: [
          { id: chest, answer: 'yes' },
          { id: bleeding, answer: false },
        ],
      },
      { redFlags: [{ id: 'not-a-uuid', answer: true }] },
      { redFlags: 'yes' },
    ])
      await refused('POST', '/api/v1/sessions', { token: p.token, body: { reason: 'Pain', intake } }, 400, 'invalid_request');
  });
});

describe('the queue serves urgent first', () => {
  test('queue order, positions counted apart, and a freed employee takes the urgent one first', async () => {
    const [r1, r2, u1, u2] = await Promise.all(['Routine 1', 'Routine 2', 'Urgent 1', 'Urgent 2'].map((n) => guest(t, n)));
    const s: Record<string, string> = {};
    for (const [p, name, yes] of [
      [r1!, 'r1', false],
      [r2!, 'r2', false],
      [u1!, 'u1', true],
      [u2!, 'u2', true],
    ] as const)
      s[name] = (await start(p, { reason: name, intake: answers(yes) })).body.id;

    const queue = await t.call('GET', '/api/v1/queue', { token: joy.token });
    expect(queue.body.waiting.map((w: { reason: string; priority: string; position: number }) => [w.reason, w.priority, w.position])).toEqual([
      ['u1', 'urgent', 1],
      ['u2', 'urgent', 2],
      ['r1', 'routine', 3],
      ['r2', 'routine', 4],
    ]);
    // An urgent patient counts only urgent sessions ahead; a routine one every urgent session and the older routine ones.
    const position = async (p: Who, id: string) => (await t.call('GET', `/api/v1/sessions/${id}/queue`, { token: p.token })).body.position;
    expect([await position(u1!, s.u1!), await position(u2!, s.u2!), await position(r1!, s.r1!), await position(r2!, s.r2!)]).toEqual([1, 2, 3, 4]);

    // The employee who arrives while patients wait takes them in that order (capacity 1 each).
    await t.call('PATCH', `/api/v1/employees/${joy.user.id}`, { token: admin.token, body: { capacity: 1 } });
    await t.call('PATCH', `/api/v1/employees/${sam.user.id}`, { token: admin.token, body: { capacity: 1 } });
    await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
    await t.call('PUT', '/api/v1/employees/me/availability', { token: sam.token, body: { availability: 'available' } });
    const holder = async (id: string) => (await query<{ e: string | null }>(t.ctx.db, sql`select employee_id as e from chat_sessions where id = ${id}`))[0]!.e;
    expect(await holder(s.u1!)).toBe(joy.user.id);
    expect(await holder(s.u2!)).toBe(sam.user.id);
    expect([await holder(s.r1!), await holder(s.r2!)]).toEqual([null, null]);
    expect([await position(r1!, s.r1!), await position(r2!, s.r2!)]).toEqual([1, 2]);

    // Urgent 1 ends: Joy's slot goes to the oldest routine session, not the younger one.
    await t.call('POST', `/api/v1/sessions/${s.u1!}/end`, { token: u1!.token });
    expect(await holder(s.r1!)).toBe(joy.user.id);
    for (const [p, id] of [
      [u2!, s.u2!],
      [r1!, s.r1!],
      [r2!, s.r2!],
    ] as const)
      await t.call('POST', `/api/v1/sessions/${id}/end`, { token: p.token });
    for (const who of [joy, sam]) await t.call('PUT', '/api/v1/employees/me/availability', { token: who.token, body: { availability: 'offline' } });
  });
});

describe('the triage says who the patient is only when the clinic vouched for it', () => {
  test('a patient signed in with the clinic’s identity token: their external id; the same person as a guest: null', async () => {
    const [row] = await query<{ identity_secret: string }>(t.ctx.db, sql`select identity_secret from clinics where site_key = 'demo'`);
    const token = await signIdentityToken(
      { sub: 'mrn-20481', name: 'Vera Verified', aud: 'demo', exp: Math.floor(Date.now() / 1000) + 300 },
      row!.identity_secret,
    );
    const signedIn = await t.call('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken: token } });
    expect(signedIn.status).toBe(200);
    const verified = (await start(signedIn.body, { reason: 'verified', intake: answers(false) })).body.id as string;
    // A guest typing the same name is not the same person, and is not verified.
    const typist = await guest(t, 'Vera Verified');
    const typed = (await start(typist, { reason: 'typed', intake: answers(false) })).body.id as string;
    const read = async (id: string) => (await t.call('GET', `/api/v1/sessions/${id}/triage`, { token: joy.token })).body.identity;
    expect(await read(verified)).toEqual({ externalId: 'mrn-20481' });
    expect(await read(typed)).toBeNull();
    for (const [id, who] of [
      [verified, signedIn.body],
      [typed, typist],
    ] as const)
      expect((await t.call('POST', `/api/v1/sessions/${id}/end`, { token: who.token })).status).toBe(200);
  });
});

describe('staff change the priority', () => {
  test('raise a waiting session with a reason: reordered, recorded with who, from, to and why, audited; the triage read shows answers and trail', async () => {
    const [old, young] = await Promise.all([guest(t, 'Older'), guest(t, 'Younger')]);
    const a = (await start(old, { reason: 'older', intake: answers(false) })).body.id as string;
    const b = (await start(young, { reason: 'younger', intake: answers(false) })).body.id as string;
    const raised = await t.call('POST', `/api/v1/sessions/${b}/priority`, {
      token: joy.token,
      body: { priority: 'urgent', reason: 'Says the pain is getting worse' },
    });
    expect(raised.status).toBe(200);
    expect(raised.body.priority).toBe('urgent');
    const queue = await t.call('GET', '/api/v1/queue', { token: sam.token });
    expect(queue.body.waiting.map((w: { sessionId: string }) => w.sessionId)).toEqual([b, a]);
    expect((await t.call('GET', `/api/v1/sessions/${a}/queue`, { token: old.token })).body.position).toBe(2);

    // The same priority again changes nothing and records nothing.
    await t.call('POST', `/api/v1/sessions/${b}/priority`, { token: joy.token, body: { priority: 'urgent', reason: 'again' } });
    await t.call('POST', `/api/v1/sessions/${b}/priority`, { token: admin.token, body: { priority: 'routine', reason: 'Pain eased, spoke on the phone' } });
    const triage = await t.call('GET', `/api/v1/sessions/${b}/triage`, { token: sam.token });
    expect(triage.status).toBe(200);
    expect(triage.body.priority).toBe('routine');
    expect(triage.body.redFlags).toEqual([
      { question: 'Chest pain or trouble breathing?', answer: false },
      { question: 'Heavy bleeding that does not stop?', answer: false },
    ]);
    expect(triage.body.changes.map((c: any) => [c.changedBy.id, c.from, c.to, c.reason])).toEqual([
      [joy.user.id, 'routine', 'urgent', 'Says the pain is getting worse'],
      [admin.user.id, 'urgent', 'routine', 'Pain eased, spoke on the phone'],
    ]);
    expect(await auditCount('session.priority_changed', b)).toBe(2);
    expect(await auditCount('session.triage_read', b)).toBe(1);
    // A guest: nobody vouched for who they are.
    expect(triage.body.identity).toBeNull();

    // The trail is append-only.
    const outcome = (q: ReturnType<typeof sql>) =>
      t.ctx.db.execute(q).then(
        () => 'changed',
        () => 'refused',
      );
    expect(await outcome(sql`update priority_changes set reason = 'edited' where session_id = ${b}`)).toBe('refused');
    expect(await outcome(sql`delete from priority_changes where session_id = ${b}`)).toBe('refused');
    for (const [p, id] of [
      [old, a],
      [young, b],
    ] as const)
      await t.call('POST', `/api/v1/sessions/${id}/end`, { token: p.token });
  });

  test('no reason, an unknown priority, a patient, another clinic’s or an ended session: refused, nothing changed', async () => {
    const p = await guest(t, 'Refusals');
    const id = (await start(p, { reason: 'refusals', intake: answers(false) })).body.id as string;
    const path = `/api/v1/sessions/${id}/priority`;
    await refused('POST', path, { token: joy.token, body: { priority: 'urgent' } }, 400, 'invalid_request');
    await refused('POST', path, { token: joy.token, body: { priority: 'urgent', reason: '   ' } }, 400, 'invalid_request');
    await refused('POST', path, { token: joy.token, body: { priority: 'critical', reason: 'x' } }, 400, 'invalid_request');
    await refused('POST', path, { token: p.token, body: { priority: 'urgent', reason: 'please' } }, 403, 'forbidden');
    await refused('GET', `/api/v1/sessions/${id}/triage`, { token: p.token }, 403, 'forbidden');
    await refused(
      'POST',
      `/api/v1/sessions/${crypto.randomUUID()}/priority`,
      { token: joy.token, body: { priority: 'urgent', reason: 'x' } },
      404,
      'session_not_found',
    );
    await t.call('POST', `/api/v1/sessions/${id}/end`, { token: p.token });
    // Ended: nobody but former holders and admins may read it, and nobody changes it.
    await refused('POST', path, { token: joy.token, body: { priority: 'urgent', reason: 'late' } }, 404, 'session_not_found');
    await refused('POST', path, { token: admin.token, body: { priority: 'urgent', reason: 'late' } }, 409, 'session_ended');
  });
});
