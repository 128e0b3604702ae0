/**
 * Staff transcripts: everything a chart needs (clinic, patient, times, every message in order, who held the chat with
 * reasons and handover notes) as plain text; staff with access and admins only; each download one audit row.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createTestApp, guest, login, type TestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { refusalChecker } from '../../../../tests/helpers/expect';

setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
let t: TestApp;
let admin: Who, joy: Who, sam: Who, lee: Who, patient: Who;
let id: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await login(t, 'admin@demo.clinic');
  joy = await login(t, 'nurse.joy@demo.clinic');
  sam = await login(t, 'nurse.sam@demo.clinic');
  lee = await login(t, 'dr.lee@demo.clinic');
  patient = await guest(t, 'Tess Transcript');
  const available = (w: Who) => t.call('PUT', '/api/v1/employees/me/availability', { token: w.token, body: { availability: 'available' } });
  const say = (w: Who, n: string, body: string) => t.call('POST', `/api/v1/sessions/${id}/messages`, { token: w.token, body: { clientMsgId: n, body } });
  await available(joy);
  id = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Dizzy since Monday' } })).body.id;
  await say(patient, 'p1', 'I feel dizzy\nwhen I stand up');
  await say(joy, 'j1', 'How much are you drinking?');
  await available(sam);
  await t.call('POST', `/api/v1/sessions/${id}/leave`, { token: joy.token, body: { note: 'Check blood pressure meds' } });
  await say(sam, 's1', 'Please come in tomorrow at 9.');
  await t.call('POST', `/api/v1/sessions/${id}/end`, { token: patient.token });
}, 60_000);
afterAll(() => t?.close());

const refused = refusalChecker(() => t);

async function download(token: string) {
  const res = await t.app.handle(new Request(`http://localhost/api/v1/sessions/${id}/transcript`, { headers: { authorization: `Bearer ${token}` } }));
  return { status: res.status, headers: res.headers, text: await res.text() };
}

test('the transcript holds the clinic, patient, times, the custody record with its note, and every message in order', async () => {
  const { status, headers, text } = await download(sam.token);
  expect(status).toBe(200);
  expect(headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(headers.get('content-disposition')).toBe(`attachment; filename="transcript-${id}.txt"`);
  const lines = text.split('\n');
  expect(lines[0]).toMatch(/: chat transcript$/);
  expect(text).toContain('Patient:    Tess Transcript (guest)');
  expect(text).toContain('Reason:     Dizzy since Monday');
  expect(text).toMatch(/Ended: {6}\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
  expect(lines.filter((l) => /^ {2}Nurse (Joy|Sam): /.test(l)).map((l) => l.replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/g, 'T'))).toEqual([
    '  Nurse Joy: T to T, left (handed over); assigned at the start',
    '  Nurse Sam: T to T, until the end; took over',
  ]);
  expect(text).toContain('    handover note: Check blood pressure meds');
  const said = lines.filter((l) => /^ {2}\[/.test(l) && !l.includes('] *:')).map((l) => l.replace(/^ {2}\[[^\]]+\] /, ''));
  expect(said).toEqual(['Tess Transcript (patient): I feel dizzy', 'Nurse Joy: How much are you drinking?', 'Nurse Sam: Please come in tomorrow at 9.']);
  expect(text).toContain('I feel dizzy\n    when I stand up');
  const stored = await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from messages where session_id = ${id}`);
  expect(text).toContain(`End of transcript (${stored[0]!.n} messages).`);
});

test('each download is one audit row; patients, staff who never held it and strangers get nothing and write nothing', async () => {
  const rows = () => query<{ actor_id: string }>(t.ctx.db, sql`select actor_id from audit_log where action = 'transcript.downloaded' and session_id = ${id}`);
  const before = (await rows()).length;
  expect((await download(admin.token)).status).toBe(200);
  const after = await rows();
  expect(after.length).toBe(before + 1);
  expect(after.at(-1)!.actor_id).toBe(admin.user.id);
  await refused('GET', `/api/v1/sessions/${id}/transcript`, { token: patient.token }, 403, 'forbidden');
  await refused('GET', `/api/v1/sessions/${id}/transcript`, { token: lee.token }, 404, 'session_not_found');
  await refused('GET', `/api/v1/sessions/${crypto.randomUUID()}/transcript`, { token: admin.token }, 404, 'session_not_found');
});
