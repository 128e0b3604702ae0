/**
 * Staff transcripts: everything a chart needs (clinic, patient, times, every message in order, who held the chat with
 * reasons and handover notes) as plain text or PDF; staff with access and admins only; each download one audit row.
 * The PDF is read back with a PDF parser (unpdf, on PDF.js): its text is what the plain text says, non-Latin included.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { extractText, getDocumentProxy } from 'unpdf';
import { createTestApp, guest, login, type TestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { refusalChecker } from '../../../../tests/helpers/expect';
import { createClinic } from '../clinics/service';
import { MISSING } from './pdf';

setDefaultTimeout(60_000);

/**
 * What a patient might write: Cyrillic, Greek, Vietnamese, then Chinese, which the PDF's font lacks, and Hebrew
 * (right to left: a text extractor may give the run after it in another order, so it is looked for alone).
 */
const LATIN_AND_MORE = 'Голова кружится, ζάλη, chóng mặt';
const HEBREW = 'סחרחורת';
const WORLD = `${LATIN_AND_MORE}; 头晕 ${HEBREW}`;

type Who = { token: string; user: { id: string } };
let t: TestApp;
let admin: Who, joy: Who, sam: Who, lee: Who, patient: Who, stranger: Who;
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
  await say(patient, 'p2', WORLD);
  await say(joy, 'j1', 'How much are you drinking?');
  await available(sam);
  await t.call('POST', `/api/v1/sessions/${id}/leave`, { token: joy.token, body: { note: 'Check blood pressure meds' } });
  await say(sam, 's1', 'Please come in tomorrow at 9.');
  await t.call('POST', `/api/v1/sessions/${id}/end`, { token: patient.token });
  await createClinic(t.ctx.db, {
    name: 'Other',
    siteKey: 'other-transcripts',
    adminEmail: 'admin@other-transcripts.clinic',
    adminPassword: 'other-password-1',
  });
  stranger = (await t.call('POST', '/api/v1/auth/login', { body: { email: 'admin@other-transcripts.clinic', password: 'other-password-1' } })).body;
}, 60_000);
afterAll(() => t?.close());

const refused = refusalChecker(() => t);

async function download(token: string, query = '', headers: Record<string, string> = {}) {
  const res = await t.app.handle(
    new Request(`http://localhost/api/v1/sessions/${id}/transcript${query}`, { headers: { authorization: `Bearer ${token}`, ...headers } }),
  );
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: new TextDecoder().decode(bytes) };
}

/** The PDF's text, pages joined, and its declared title. */
async function readPdf(bytes: Uint8Array) {
  const pdf = await getDocumentProxy(bytes.slice());
  const { info } = (await pdf.getMetadata()) as { info: { Title?: string } };
  const { text, totalPages } = await extractText(pdf, { mergePages: true });
  return { text, title: info.Title, pages: totalPages };
}

/** Whitespace aside (a PDF's lines are placed, not written as newlines). */
const squeeze = (s: string) => s.replace(/\s+/g, ' ').trim();

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
  expect(said).toEqual([
    'Tess Transcript (patient): I feel dizzy',
    `Tess Transcript (patient): ${WORLD}`,
    'Nurse Joy: How much are you drinking?',
    'Nurse Sam: Please come in tomorrow at 9.',
  ]);
  expect(text).toContain('I feel dizzy\n    when I stand up');
  const stored = await query<{ n: number }>(t.ctx.db, sql`select count(*)::int as n from messages where session_id = ${id}`);
  expect(text).toContain(`End of transcript (${stored[0]!.n} messages).`);
});

test('the PDF holds the same: clinic, patient, times, the trail with reasons and note, every message, non-Latin text', async () => {
  const plain = (await download(sam.token)).text;
  const { status, headers, bytes } = await download(sam.token, '?format=pdf');
  expect(status).toBe(200);
  expect(headers.get('content-type')).toBe('application/pdf');
  expect(headers.get('content-disposition')).toBe(`attachment; filename="transcript-${id}.pdf"`);
  expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');
  const pdf = await readPdf(bytes);
  const text = squeeze(pdf.text);
  const clinicTitle = plain.split('\n')[0]!;
  expect(pdf.title).toBe(clinicTitle);
  expect(text).toStartWith(clinicTitle);
  for (const line of plain.split('\n').filter((l) => /^(Patient|Reason|Session|Started|Ended):/.test(l))) {
    const [label, value] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()];
    expect(text).toContain(`${label} ${value}`);
  }
  // The custody record, line for line, and the handover note.
  for (const line of plain.split('\n').filter((l) => /^ {2}Nurse (Joy|Sam): /.test(l))) expect(text).toContain(squeeze(line));
  expect(text).toContain('Handover note: Check blood pressure meds');
  // Every message with its time and sender, in order; the one in other scripts as written, Chinese marked missing.
  const messages = plain.split('\n').filter((l) => /^ {2}\[/.test(l));
  let at = 0;
  for (const line of messages) {
    const [, when, who, body] = /^ {2}\[([^\]]+)\] (.+?): (.*)$/.exec(line)!;
    const expected = squeeze(`${when} ${who} ${body === WORLD ? LATIN_AND_MORE : body}`);
    const found = text.indexOf(expected, at);
    expect(found, expected).toBeGreaterThanOrEqual(at);
    at = found + expected.length;
  }
  expect(text).toContain(HEBREW);
  expect(text).toContain(MISSING + MISSING);
  expect(text).not.toContain('头晕');
  expect(text).toContain(`printed as ${MISSING}; the plain-text transcript holds them as written`);
  expect(text).toContain(plain.match(/End of transcript \(\d+ messages\)\./)![0]);
  expect(text).toContain(`Page 1 of ${pdf.pages}`);
});

test('Accept: application/pdf asks for the PDF too; the query decides over it; an unknown format is refused', async () => {
  expect((await download(sam.token, '', { accept: 'application/pdf' })).headers.get('content-type')).toBe('application/pdf');
  expect((await download(sam.token, '', { accept: 'text/plain, application/pdf' })).headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect((await download(sam.token, '?format=text', { accept: 'application/pdf' })).headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect((await download(sam.token, '', { accept: '*/*' })).headers.get('content-type')).toBe('text/plain; charset=utf-8');
  await refused('GET', `/api/v1/sessions/${id}/transcript?format=docx`, { token: sam.token }, 400, 'invalid_request');
});

test('each download is one audit row; patients, staff who never held it and strangers get nothing and write nothing', async () => {
  const rows = () => query<{ actor_id: string }>(t.ctx.db, sql`select actor_id from audit_log where action = 'transcript.downloaded' and session_id = ${id}`);
  const before = (await rows()).length;
  expect((await download(admin.token)).status).toBe(200);
  const after = await rows();
  expect(after.length).toBe(before + 1);
  expect(after.at(-1)!.actor_id).toBe(admin.user.id);
  expect((await download(admin.token, '?format=pdf')).status).toBe(200);
  const afterPdf = await rows();
  expect(afterPdf.length).toBe(before + 2);
  expect(afterPdf.at(-1)!.actor_id).toBe(admin.user.id);
  for (const format of ['', '?format=pdf']) {
    await refused('GET', `/api/v1/sessions/${id}/transcript${format}`, { token: patient.token }, 403, 'forbidden');
    await refused('GET', `/api/v1/sessions/${id}/transcript${format}`, { token: lee.token }, 404, 'session_not_found');
    await refused('GET', `/api/v1/sessions/${id}/transcript${format}`, { token: stranger.token }, 404, 'session_not_found');
    await refused('GET', `/api/v1/sessions/${crypto.randomUUID()}/transcript${format}`, { token: admin.token }, 404, 'session_not_found');
  }
  expect((await rows()).length).toBe(before + 2);
});
