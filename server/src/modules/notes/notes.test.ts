import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { ServerEvent } from '@medchat/sdk/protocol';
import { query } from '../../../../tests/helpers/digest';
import { useTestServer } from '../../../../tests/helpers/server';
import { TestSocket } from '../../../../tests/helpers/socket';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
const s = useTestServer();
const MARKER = 'internal-note-marker-8d1f';
let joy: Who;
let sam: Who;
let lee: Who;
let admin: Who;
let patient: Who;
let sessionId: string;

const login = async (email: string) => (await s.call('POST', '/api/v1/auth/login', { body: { email, password: 'medchat-demo' } })).body as Who;
const count = async (text: string) => (await query<{ n: number }>(s.ctx.db, sql.raw(text)))[0]!.n;
const note = (who: Who, body: unknown, id = sessionId) => s.call('POST', `/api/v1/sessions/${id}/notes`, { token: who.token, body });

beforeAll(async () => {
  [joy, sam, lee, admin] = (await Promise.all(['nurse.joy', 'nurse.sam', 'dr.lee', 'admin'].map((n) => login(`${n}@demo.clinic`)))) as [Who, Who, Who, Who];
  patient = (await s.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: 'Pat Notes' } })).body as Who;
  await s.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  const started = await s.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Sore throat' } });
  expect(started.body.employee.id).toBe(joy!.user.id);
  sessionId = started.body.id;
});

describe('internal notes', () => {
  test('the holder writes a note mentioning a colleague: staff following get note.created, the colleague note.mentioned, the patient nothing', async () => {
    const [patientWs, joyWs, samWs, leeWs] = await Promise.all([patient, joy, sam, lee].map((w) => TestSocket.open(s.wsUrl, w.token)));
    for (const ws of [patientWs!, joyWs!]) expect((await ws.request({ type: 'subscribe', sessionId, lastSeq: 0 })).type).toBe('ack');

    const res = await note(joy, { body: `  Allergic to penicillin, ${MARKER}  `, mentions: [sam.user.id] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sessionId, author: { id: joy.user.id, displayName: 'Nurse Joy' }, body: `Allergic to penicillin, ${MARKER}` });
    expect(res.body.mentions).toEqual([{ id: sam.user.id, displayName: 'Nurse Sam' }]);

    const created = await joyWs!.waitFor((e) => e.type === 'note.created');
    expect(created).toEqual({ type: 'note.created', note: res.body });
    expect(await samWs!.waitFor((e) => e.type === 'note.mentioned')).toEqual({ type: 'note.mentioned', note: res.body });

    // A message after the note travels the same per-session chain: once the patient has it, any note frame would have come first.
    await s.call('POST', `/api/v1/sessions/${sessionId}/messages`, { token: joy.token, body: { clientMsgId: 'after-note', body: 'How are you feeling?' } });
    await patientWs!.waitFor((e) => e.type === 'message.created' && e.message.body === 'How are you feeling?');
    await Bun.sleep(100);
    const seen = (ws: TestSocket) => JSON.stringify(ws.events);
    expect(seen(patientWs!)).not.toContain(MARKER);
    expect(patientWs!.events.filter((e: ServerEvent) => e.type.startsWith('note.'))).toEqual([]);
    // Not mentioned and not following: nothing.
    expect(seen(leeWs!)).not.toContain(MARKER);
    expect(samWs!.events.filter((e) => e.type === 'note.created')).toEqual([]);
    for (const ws of [patientWs!, joyWs!, samWs!, leeWs!]) ws.close();
  });

  test('notes are read by staff who may read the session and by the colleagues mentioned; each read is audited; patients get 403, others 404', async () => {
    const before = await count(`select count(*)::int as n from audit_log where action = 'notes.read' and session_id = '${sessionId}'`);
    for (const who of [joy, sam, admin]) {
      const res = await s.call('GET', `/api/v1/sessions/${sessionId}/notes`, { token: who.token });
      expect(res.status).toBe(200);
      expect(res.body.notes.map((n: { body: string }) => n.body)).toEqual([`Allergic to penicillin, ${MARKER}`]);
    }
    expect(await count(`select count(*)::int as n from audit_log where action = 'notes.read' and session_id = '${sessionId}'`)).toBe(before + 3);
    const byPatient = await s.call('GET', `/api/v1/sessions/${sessionId}/notes`, { token: patient.token });
    expect({ status: byPatient.status, code: byPatient.body.error.code }).toEqual({ status: 403, code: 'forbidden' });
    const byLee = await s.call('GET', `/api/v1/sessions/${sessionId}/notes`, { token: lee.token });
    expect({ status: byLee.status, code: byLee.body.error.code }).toEqual({ status: 404, code: 'session_not_found' });
    // A mention lets a colleague read the notes, not write them nor read the conversation.
    expect((await note(sam, { body: 'I can write?' })).status).toBe(404);
    expect((await s.call('GET', `/api/v1/sessions/${sessionId}/messages?after=0`, { token: sam.token })).status).toBe(404);
    expect(await count(`select count(*)::int as n from audit_log where action = 'note.created' and session_id = '${sessionId}'`)).toBe(1);
  });

  test('a patient never gets a note: not in the history, the session, the transcript, webhooks or the FHIR export without the admin flag', async () => {
    const history = await s.call('GET', `/api/v1/sessions/${sessionId}/messages?after=0`, { token: patient.token });
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).not.toContain(MARKER);
    expect(JSON.stringify((await s.call('GET', `/api/v1/sessions/${sessionId}`, { token: patient.token })).body)).not.toContain(MARKER);
    expect(JSON.stringify((await s.call('GET', '/api/v1/sessions', { token: patient.token })).body)).not.toContain(MARKER);
    // Staff's transcript leaves notes out too; so do webhook events (ids only) and the FHIR export unless an admin asks.
    const transcript = await fetch(`${s.url}/api/v1/sessions/${sessionId}/transcript`, { headers: { authorization: `Bearer ${joy.token}` } });
    expect(transcript.status).toBe(200);
    expect(await transcript.text()).not.toContain(MARKER);
    expect(await count(`select count(*)::int as n from webhook_events where payload::text like '%${MARKER}%'`)).toBe(0);
    expect(await count(`select count(*)::int as n from messages where body like '%${MARKER}%'`)).toBe(0);
    const plain = await s.call('GET', `/api/v1/sessions/${sessionId}/fhir`, { token: admin.token });
    expect(JSON.stringify(plain.body)).not.toContain(MARKER);
    const refused = await s.call('GET', `/api/v1/sessions/${sessionId}/fhir?includeNotes=true`, { token: joy.token });
    expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 403, code: 'forbidden' });
    const withNotes = await s.call('GET', `/api/v1/sessions/${sessionId}/fhir?includeNotes=true`, { token: admin.token });
    const communication = withNotes.body.entry.map((e: { resource: any }) => e.resource).find((r: any) => r.payload?.[0]?.contentString?.includes(MARKER));
    expect(communication).toMatchObject({
      resourceType: 'Communication',
      category: [{ text: 'internal note (staff only)' }],
      sender: { type: 'Practitioner', display: 'Nurse Joy' },
      recipient: [{ type: 'Practitioner', display: 'Nurse Sam' }],
    });
    const bulk = await fetch(`${s.url}/api/v1/fhir/export?includeNotes=true`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(await bulk.text()).toContain(MARKER);
    const bulkPlain = await fetch(`${s.url}/api/v1/fhir/export`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(await bulkPlain.text()).not.toContain(MARKER);
  });

  test('mentions must be staff of the clinic; notes are immutable; a blank or too long note is refused', async () => {
    for (const mentions of [[patient.user.id], [crypto.randomUUID()]]) {
      const res = await note(joy, { body: 'Who?', mentions });
      expect({ status: res.status, code: res.body.error.code, field: res.body.error.details?.field }).toEqual({
        status: 400,
        code: 'invalid_request',
        field: 'mentions.0',
      });
    }
    expect((await note(joy, { body: '   ' })).status).toBe(400);
    expect((await note(joy, { body: 'x'.repeat(4001) })).body.error.code).toBe('message_too_long');
    expect((await note(patient, { body: 'me too' })).status).toBe(403);
    const colleagues = await s.call('GET', '/api/v1/colleagues', { token: joy.token });
    expect(colleagues.body.colleagues.map((c: { displayName: string }) => c.displayName)).toEqual(['Dr. Ada Admin', 'Dr. Lee', 'Nurse Joy', 'Nurse Sam']);
    expect((await s.call('GET', '/api/v1/colleagues', { token: patient.token })).status).toBe(403);
    expect(
      await s.ctx.db.execute(sql`update session_notes set body = 'changed'`).then(
        () => 'updated',
        (e: Error) => String((e.cause as Error | undefined)?.message ?? e.message),
      ),
    ).toContain('append-only');
    // Ended sessions still take notes (a follow-up is filed after the chat).
    await s.call('POST', `/api/v1/sessions/${sessionId}/end`, { token: patient.token });
    expect((await note(joy, { body: 'Called back, all well.' })).status).toBe(201);
  });
});

describe('quick replies', () => {
  test('admins manage them (audited), staff list them, patients and employees cannot change them', async () => {
    const create = (who: Who, body: unknown) => s.call('POST', '/api/v1/quick-replies', { token: who.token, body });
    const a = await create(admin, { shortcut: 'hours', body: 'We are open 8 to 18 on weekdays.' });
    expect(a.status).toBe(201);
    expect((await create(admin, { shortcut: 'HOURS', body: 'again' })).body.error.code).toBe('conflict');
    expect((await create(admin, { shortcut: 'bad shortcut', body: 'x' })).status).toBe(400);
    expect((await create(joy, { shortcut: 'mine', body: 'x' })).status).toBe(403);
    const b = await create(admin, { shortcut: 'Bring-ID', body: 'Please bring an ID.' });
    const list = await s.call('GET', '/api/v1/quick-replies', { token: joy.token });
    expect(list.body.quickReplies.map((r: { shortcut: string }) => r.shortcut)).toEqual(['Bring-ID', 'hours']);
    expect((await s.call('GET', '/api/v1/quick-replies', { token: patient.token })).status).toBe(403);
    // With the clinic's values for {clinic.name} and {clinic.phone}: no phone until an admin sets one.
    expect(list.body.clinic).toEqual({ name: expect.any(String), phone: null });
    expect((await s.call('PATCH', '/api/v1/clinic/settings', { token: admin.token, body: { phone: ' +1 555 0100 ' } })).body.phone).toBe('+1 555 0100');
    expect((await s.call('GET', '/api/v1/quick-replies', { token: joy.token })).body.clinic.phone).toBe('+1 555 0100');

    const patched = await s.call('PATCH', `/api/v1/quick-replies/${a.body.id}`, { token: admin.token, body: { body: 'Open 8 to 20.' } });
    expect(patched.body).toMatchObject({ shortcut: 'hours', body: 'Open 8 to 20.' });
    expect((await s.call('PATCH', `/api/v1/quick-replies/${a.body.id}`, { token: admin.token, body: { shortcut: 'bring-id' } })).status).toBe(409);
    expect((await s.call('DELETE', `/api/v1/quick-replies/${b.body.id}`, { token: joy.token })).status).toBe(403);
    expect((await s.call('DELETE', `/api/v1/quick-replies/${b.body.id}`, { token: admin.token })).status).toBe(204);
    expect((await s.call('DELETE', `/api/v1/quick-replies/${b.body.id}`, { token: admin.token })).status).toBe(404);
    expect(await count(`select count(*)::int as n from audit_log where action like 'quick_reply.%'`)).toBe(4);
  });
});
