/**
 * FHIR R4 export (docs/fhir.md): a session as a Bundle and the clinic's sessions as NDJSON. Every resource is checked
 * against the official R4 definitions (tests/helpers/fhir.ts); the custody record, senders and recipients, the
 * patient's identifier and the handover notes (admins only, on request) are where the docs say; each export is one
 * audit row; refusals change nothing.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq, sql } from 'drizzle-orm';
import { createTestApp, guest, login, type TestApp } from '../../../../tests/helpers/app';
import { query } from '../../../../tests/helpers/digest';
import { refusalChecker } from '../../../../tests/helpers/expect';
import { fhirProblems } from '../../../../tests/helpers/fhir';
import { clinics } from '../../db/schema';
import { signIdentityToken } from '../../lib/identity-token';
import { SYSTEMS } from './resources';

setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
let t: TestApp;
let admin: Who, joy: Who, sam: Who, lee: Who, patient: Who, visitor: Who;
let charted: string, guestSession: string;
const NOTE = 'Call back about the lab results';

beforeAll(async () => {
  t = await createTestApp();
  admin = await login(t, 'admin@demo.clinic');
  joy = await login(t, 'nurse.joy@demo.clinic');
  sam = await login(t, 'nurse.sam@demo.clinic');
  lee = await login(t, 'dr.lee@demo.clinic');
  const [clinic] = await t.ctx.db.select({ secret: clinics.identitySecret }).from(clinics).where(eq(clinics.siteKey, 'demo'));
  const identityToken = await signIdentityToken({ sub: 'chart-77', name: 'Kim Chart', aud: 'demo', exp: Math.floor(Date.now() / 1000) + 300 }, clinic!.secret);
  patient = (await t.call('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken } })).body;
  visitor = await guest(t, 'Guest Visitor');

  const available = (w: Who) => t.call('PUT', '/api/v1/employees/me/availability', { token: w.token, body: { availability: 'available' } });
  const say = (w: Who, id: string, n: string, body: string) =>
    t.call('POST', `/api/v1/sessions/${id}/messages`, { token: w.token, body: { clientMsgId: n, body } });
  await available(joy);
  charted = (await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Rash after new medication' } })).body.id;
  await say(patient, charted, 'p1', 'It started yesterday');
  await say(joy, charted, 'j1', 'Please stop the medication and send a photo');
  await available(sam);
  expect((await t.call('POST', `/api/v1/sessions/${charted}/leave`, { token: joy.token, body: { note: NOTE } })).status).toBe(200);
  await say(sam, charted, 's1', 'I have your photo; it looks like a mild reaction');
  await say(patient, charted, 'p2', 'Thank you');
  expect((await t.call('POST', `/api/v1/sessions/${charted}/end`, { token: patient.token })).status).toBe(200);
  guestSession = (await t.call('POST', '/api/v1/sessions', { token: visitor.token, body: { reason: 'Opening hours' } })).body.id;
}, 60_000);
afterAll(() => t?.close());

const refused = refusalChecker(() => t);
const auditRows = (action: string) =>
  query<{ actor_id: string; session_id: string | null; session_ids: string[] | null }>(
    t.ctx.db,
    sql`select actor_id, session_id, array_to_json(session_ids) as session_ids from audit_log where action = ${action} order by at, id`,
  );
type Resource = { resourceType: string; id: string; [k: string]: any };
const resourcesOf = (bundle: { entry: Array<{ resource: Resource }> }) => bundle.entry.map((e) => e.resource);
const ofType = (rs: Resource[], type: string) => rs.filter((r) => r.resourceType === type);

describe('GET /api/v1/sessions/:id/fhir', () => {
  test('a Bundle that FHIR R4 accepts, entry by entry and whole, served as application/fhir+json', async () => {
    const res = await t.call('GET', `/api/v1/sessions/${charted}/fhir`, { token: sam.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toStartWith('application/fhir+json');
    expect(fhirProblems(res.body)).toEqual([]);
    for (const r of resourcesOf(res.body)) expect({ id: r.id, problems: fhirProblems(r) }).toEqual({ id: r.id, problems: [] });
    expect(res.body.entry.every((e: { fullUrl: string; resource: Resource }) => e.fullUrl === `urn:uuid:${e.resource.id}`)).toBe(true);
  });

  test('the check is live: a broken copy of the same bundle is refused for each kind of fault', async () => {
    const good = (await t.call('GET', `/api/v1/sessions/${charted}/fhir`, { token: admin.token })).body;
    const broken = (change: (rs: Resource[]) => void) => {
      const copy = structuredClone(good);
      change(resourcesOf(copy));
      return fhirProblems(copy);
    };
    expect(broken((rs) => void (ofType(rs, 'Encounter')[0]!.status = 'waiting'))).not.toEqual([]);
    expect(broken((rs) => void delete ofType(rs, 'Encounter')[0]!.class)).not.toEqual([]);
    expect(broken((rs) => void (ofType(rs, 'Communication')[0]!.sent = 'yesterday'))).not.toEqual([]);
    expect(broken((rs) => void (ofType(rs, 'Provenance')[0]!.agent = []))).not.toEqual([]);
    expect(broken((rs) => void (ofType(rs, 'Communication')[0]!.text = 'hello'))).not.toEqual([]);
  });

  test('the Encounter holds the custody record; a Provenance per period says why it started and ended', async () => {
    const rs = resourcesOf((await t.call('GET', `/api/v1/sessions/${charted}/fhir`, { token: admin.token })).body);
    const [encounter] = ofType(rs, 'Encounter');
    expect(encounter).toMatchObject({ id: charted, status: 'finished', class: { code: 'VR' }, reasonCode: [{ text: 'Rash after new medication' }] });
    // The identified patient carries the clinic's own id; staff are named by their MedChat ids.
    expect(encounter!.subject).toEqual({ type: 'Patient', identifier: { system: SYSTEMS.patientId('demo'), value: 'chart-77' }, display: 'Kim Chart' });
    expect(encounter!.participant.map((p: any) => p.individual.identifier.value)).toEqual([`urn:uuid:${joy.user.id}`, `urn:uuid:${sam.user.id}`]);
    expect(encounter!.participant.every((p: any) => p.period.start && p.period.end)).toBe(true);
    const provenance = ofType(rs, 'Provenance');
    expect(provenance.map((p) => [p.activity.coding[0].code, p.reason?.[0].coding[0].code, p.agent[0].who.display])).toEqual([
      ['session_started', 'left', 'Nurse Joy'],
      ['after_leave', 'session_ended', 'Nurse Sam'],
    ]);
    expect(provenance.every((p) => p.target[0].reference === `urn:uuid:${charted}`)).toBe(true);
  });

  test('a Communication per message in seq order: senders, recipients (who held the chat then), system lines without a sender', async () => {
    const rs = resourcesOf((await t.call('GET', `/api/v1/sessions/${charted}/fhir`, { token: admin.token })).body);
    const stored = await query<{ id: string }>(t.ctx.db, sql`select id from messages where session_id = ${charted} order by seq`);
    const comms = ofType(rs, 'Communication');
    expect(comms.map((c) => c.id)).toEqual(stored.map((m) => m.id));
    const who = (ref: any) => ref?.display ?? null;
    const texts = comms.filter((c) => !c.category);
    expect(texts.map((c) => [who(c.sender), c.recipient.map(who), c.payload[0].contentString])).toEqual([
      ['Kim Chart', ['Nurse Joy'], 'It started yesterday'],
      ['Nurse Joy', ['Kim Chart'], 'Please stop the medication and send a photo'],
      ['Nurse Sam', ['Kim Chart'], 'I have your photo; it looks like a mild reaction'],
      ['Kim Chart', ['Nurse Sam'], 'Thank you'],
    ]);
    const system = comms.filter((c) => c.category);
    expect(system.length).toBeGreaterThan(0);
    expect(system.every((c) => c.sender === undefined && c.category[0].coding[0].code === 'notification')).toBe(true);
    expect(comms.every((c) => c.encounter.reference === `urn:uuid:${charted}` && c.subject.identifier.value === 'chart-77')).toBe(true);
  });

  test('handover notes only when an admin asks; a guest is a logical reference by MedChat id', async () => {
    const plain = await t.call('GET', `/api/v1/sessions/${charted}/fhir`, { token: admin.token });
    expect(JSON.stringify(plain.body)).not.toContain(NOTE);
    const withNotes = await t.call('GET', `/api/v1/sessions/${charted}/fhir?includeNotes=true`, { token: admin.token });
    const notes = ofType(resourcesOf(withNotes.body), 'Communication').filter((c) => c.category?.[0].coding[0].code === 'instruction');
    expect(notes.map((n) => [n.sender.display, n.recipient[0].display, n.payload[0].contentString])).toEqual([['Nurse Joy', 'Nurse Sam', NOTE]]);
    expect(fhirProblems(withNotes.body)).toEqual([]);
    const waiting = await t.call('GET', `/api/v1/sessions/${guestSession}/fhir`, { token: admin.token });
    expect(fhirProblems(waiting.body)).toEqual([]);
    const [encounter] = ofType(resourcesOf(waiting.body), 'Encounter');
    expect(encounter!.status).toMatch(/^(arrived|in-progress)$/);
    expect(encounter!.subject.identifier).toEqual({ system: SYSTEMS.uuid, value: `urn:uuid:${visitor.user.id}` });
  });

  test('each export is one audit row naming the session; refusals write nothing and tell nothing', async () => {
    const before = (await auditRows('fhir.exported')).length;
    await t.call('GET', `/api/v1/sessions/${charted}/fhir`, { token: joy.token });
    const rows = await auditRows('fhir.exported');
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({ actor_id: joy.user.id, session_id: charted });
    await refused('GET', `/api/v1/sessions/${charted}/fhir`, { token: lee.token }, 404, 'session_not_found');
    await refused('GET', `/api/v1/sessions/${charted}/fhir`, { token: patient.token }, 403, 'forbidden');
    await refused('GET', `/api/v1/sessions/${charted}/fhir?includeNotes=true`, { token: joy.token }, 403, 'forbidden');
    await refused('GET', `/api/v1/sessions/${crypto.randomUUID()}/fhir`, { token: admin.token }, 404, 'session_not_found');
    await refused('GET', `/api/v1/sessions/${charted}/fhir?includeNotes=maybe`, { token: admin.token }, 400, 'invalid_request');
  });
});

test('the worked example in docs/fhir.md is a valid FHIR R4 Bundle', async () => {
  const doc = await Bun.file(new URL('../../../../docs/fhir.md', import.meta.url)).text();
  const example = JSON.parse(doc.match(/```json\n([\s\S]*?)\n```/)![1]!);
  expect(example.resourceType).toBe('Bundle');
  expect(fhirProblems(example)).toEqual([]);
});

describe('GET /api/v1/fhir/export', () => {
  async function page(path: string, token = admin.token) {
    const res = await t.app.handle(new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}` } }));
    return {
      status: res.status,
      headers: res.headers,
      lines: (await res.text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Resource),
    };
  }

  test('pages of NDJSON cover every session of the range once, each line a valid R4 resource with Type/id references', async () => {
    const from = '2000-01-01T00:00:00.000Z';
    const first = await page(`/api/v1/fhir/export?from=${from}&limit=1`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toStartWith('application/fhir+ndjson');
    const seen = [...first.lines];
    let next = first.headers.get('link')?.match(/<([^>]+)>/)?.[1];
    while (next) {
      const p = await page(next);
      seen.push(...p.lines);
      next = p.headers.get('link')?.match(/<([^>]+)>/)?.[1];
    }
    const encounters = ofType(seen, 'Encounter').map((e) => e.id);
    expect(encounters).toEqual([charted, guestSession]);
    expect(new Set(seen.map((r) => `${r.resourceType}/${r.id}`)).size).toBe(seen.length);
    for (const r of seen) expect({ id: r.id, problems: fhirProblems(r) }).toEqual({ id: r.id, problems: [] });
    expect(ofType(seen, 'Communication').every((c) => c.encounter.reference.startsWith('Encounter/'))).toBe(true);
    expect(JSON.stringify(seen)).not.toContain(NOTE);
  });

  test('audited once per page, naming its sessions; a range before any session is empty', async () => {
    const before = (await auditRows('fhir.bulk_exported')).length;
    const all = await page('/api/v1/fhir/export?includeNotes=true');
    expect(ofType(all.lines, 'Encounter').length).toBe(2);
    expect(JSON.stringify(all.lines)).toContain(NOTE);
    const empty = await page('/api/v1/fhir/export?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z');
    expect(empty.lines).toEqual([]);
    const rows = (await auditRows('fhir.bulk_exported')).slice(before);
    expect(rows.map((r) => [...(r.session_ids ?? [])].sort())).toEqual([[charted, guestSession].sort(), []]);
    expect(rows.every((r) => r.actor_id === admin.user.id)).toBe(true);
  });

  test('admins only; bad ranges and cursors refused with nothing written', async () => {
    await refused('GET', '/api/v1/fhir/export', { token: joy.token }, 403, 'forbidden');
    await refused('GET', '/api/v1/fhir/export', { token: patient.token }, 403, 'forbidden');
    await refused('GET', '/api/v1/fhir/export?cursor=nope', { token: admin.token }, 400, 'invalid_request');
    await refused('GET', '/api/v1/fhir/export?from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z', { token: admin.token }, 400, 'invalid_request');
    await refused('GET', '/api/v1/fhir/export?limit=0', { token: admin.token }, 400, 'invalid_request');
  });
});
