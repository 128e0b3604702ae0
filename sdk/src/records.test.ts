/**
 * `@medchat/sdk/records` against a real server on a fresh database: a session's transcript as text and as PDF (with
 * the server's file names), its FHIR Bundle, and the bulk NDJSON export of a time range read as a stream across
 * pages of one session each. Refusals arrive as `MedChatError`s: a patient, staff who never held the chat, an
 * employee asking for the bulk export.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MedChat, isMedChatError } from './index';
import { MedChatRecords, type FhirResource } from './records';
import { signedInClient, useTestServer } from '../../tests/helpers/server';

setDefaultTimeout(60_000);
const s = useTestServer();

const signedIn = (email: string) => signedInClient(s.url, email);

const refusal = (e: unknown) => (isMedChatError(e) ? { code: e.code, status: e.status } : e);

let admin: MedChatRecords;
let from: string;
const ids: string[] = [];

beforeAll(async () => {
  admin = new MedChatRecords(await signedIn('admin@demo.clinic'));
  const joy = await signedIn('nurse.joy@demo.clinic');
  await joy.employees.setAvailability('available');
  from = new Date(Date.now() - 1000).toISOString();
  for (const name of ['Rita Records', 'Nils Ndjson']) {
    const patient = new MedChat({ baseUrl: s.url, retry: { maxRetries: 0 } });
    await patient.auth.guest({ siteKey: 'demo', displayName: name });
    const session = await patient.sessions.start({ reason: `${name} asks` });
    await patient.messages.send(session.id, { body: `Hello from ${name}` });
    await joy.messages.send(session.id, { body: `Hello ${name}, Joy here` });
    await patient.sessions.end(session.id);
    ids.push(session.id);
  }
});

describe('MedChatRecords', () => {
  test('a transcript as text and as PDF, named as the server names them', async () => {
    const text = await admin.transcript(ids[0]!);
    expect(text.filename).toBe(`transcript-${ids[0]}.txt`);
    expect(text.blob.type).toStartWith('text/plain');
    expect(await text.blob.text()).toContain('Rita Records (patient): Hello from Rita Records');
    const pdf = await admin.transcript(ids[0]!, 'pdf');
    expect(pdf.filename).toBe(`transcript-${ids[0]}.pdf`);
    expect(pdf.blob.type).toBe('application/pdf');
    expect(new TextDecoder().decode((await pdf.blob.arrayBuffer()).slice(0, 5))).toBe('%PDF-');
  });

  test("a session's FHIR Bundle: its Encounter and a Communication per message", async () => {
    const bundle = await admin.fhirBundle(ids[1]!);
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('collection');
    const types = bundle.entry.map((e) => e.resource.resourceType);
    expect(bundle.entry.find((e) => e.resource.resourceType === 'Encounter')?.resource.id).toBe(ids[1]);
    expect(types.filter((t) => t === 'Communication').length).toBeGreaterThanOrEqual(2);
  });

  test('the bulk export streams every resource of the range, following the pages (one session a page here)', async () => {
    const resources: FhirResource[] = [];
    for await (const resource of admin.fhirExport({ from, limit: 1 })) resources.push(resource);
    expect(resources.filter((r) => r.resourceType === 'Encounter').map((r) => r.id)).toEqual(ids);
    const said = resources.filter((r) => r.resourceType === 'Communication').map((r) => (r.payload as Array<{ contentString: string }>)[0]!.contentString);
    expect(said).toContain('Hello from Rita Records');
    expect(said).toContain('Hello Nils Ndjson, Joy here');
  });

  test('refusals: a patient, staff who never held the chat, an employee asking for the bulk export', async () => {
    const patient = new MedChat({ baseUrl: s.url, retry: { maxRetries: 0 } });
    await patient.auth.guest({ siteKey: 'demo', displayName: 'Pat' });
    expect(await new MedChatRecords(patient).transcript(ids[0]!).catch(refusal)).toEqual({ code: 'forbidden', status: 403 });
    const lee = new MedChatRecords(await signedIn('dr.lee@demo.clinic'));
    expect(await lee.transcript(ids[0]!, 'pdf').catch(refusal)).toEqual({ code: 'session_not_found', status: 404 });
    expect(await lee.fhirBundle(ids[0]!).catch(refusal)).toEqual({ code: 'session_not_found', status: 404 });
    const pages = lee.fhirExport({ from });
    expect(await pages.next().catch(refusal)).toEqual({ code: 'forbidden', status: 403 });
  });
});
