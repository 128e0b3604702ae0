/**
 * The server answers as its OpenAPI document says: every documented operation, called by nobody, a patient, an
 * employee and an admin, with the document's own example body (or none), answers a status the operation lists,
 * and an error's code is one the document lists for that status. Bodies every route refuses at the edge (a JSON
 * array or string, a form) get the documented 400 or 415 (401 first for a caller who may not call it) and change
 * nothing. Generic: a route added later is probed the same way, with no list to update.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { guest, login, useTestApp } from '../helpers/app';
import { databaseDigest } from '../helpers/digest';

// Generous: a loaded 2-core machine is slow (staff sign-ins hash passwords), and nothing here asserts on time.
setDefaultTimeout(120_000);

type Answer = { content?: Record<string, { schema?: { $ref?: string }; examples?: Record<string, unknown> }> };
type Operation = {
  requestBody?: { required: boolean; content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, Answer>;
};
type Caller = 'nobody' | 'patient' | 'employee' | 'admin';
const CALLERS: Caller[] = ['nobody', 'patient', 'employee', 'admin'];

const t = useTestApp();
let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { examples?: unknown[] }> } };
const tokens = new Map<Caller, string>();

beforeAll(async () => {
  doc = (await t.call('GET', '/openapi/json')).body;
});

/** A token of this caller that still works (an operation may have revoked the last one: logout, a password change). */
async function tokenOf(caller: Caller): Promise<string | undefined> {
  if (caller === 'nobody') return undefined;
  const held = tokens.get(caller);
  if (held && (await t.call('GET', '/api/v1/auth/me', { token: held })).status === 200) return held;
  const email = caller === 'admin' ? 'admin@demo.clinic' : 'nurse.joy@demo.clinic';
  const fresh = caller === 'patient' ? (await guest(t, 'Contract')).token : (await login(t, email)).token;
  tokens.set(caller, fresh);
  return fresh;
}

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

/** The path with every parameter filled: a fresh uuid fits ids and site keys alike, and names nothing that exists. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, () => crypto.randomUUID());

/** The example of the operation's body schema, from the document. */
function exampleBody(op: Operation): unknown {
  const ref = op.requestBody?.content['application/json']?.schema.$ref;
  return ref ? doc.components.schemas[ref.split('/').pop()!]?.examples?.[0] : undefined;
}

/** What the server answered, checked against what the operation lists: the status, and an error's code under it. */
function expectDocumented(where: string, op: Operation, res: { status: number; body: any }) {
  const answer = op.responses[String(res.status)];
  expect({ [where]: answer ? 'documented' : `undocumented ${res.status} ${JSON.stringify(res.body)}` }).toEqual({ [where]: 'documented' });
  if (res.status >= 400 && res.status !== 503 && where.includes('/api/')) {
    const codes = Object.keys(answer?.content?.['application/json']?.examples ?? {});
    expect({ [where]: codes }).toEqual({ [where]: expect.arrayContaining([res.body?.error?.code]) });
  }
}

describe('every operation answers what the document lists', () => {
  test('called by each kind of caller, with the example body or without one', async () => {
    let calls = 0;
    for (const { path, method, op } of operations()) {
      for (const caller of CALLERS) {
        const token = await tokenOf(caller);
        const url = concrete(path);
        const bodies = op.requestBody ? [exampleBody(op) ?? {}, ...(op.requestBody.required ? [] : [undefined])] : [undefined];
        for (const body of bodies) {
          const res = await t.call(method, url, { token, body });
          expectDocumented(`${caller} ${method} ${path} ${body === undefined ? 'without a body' : 'with the example'}`, op, res);
          // A body the document calls optional may be left out: that is never a refusal of the body.
          if (body === undefined && op.requestBody) expect(res.body?.error?.code).not.toBe('invalid_request');
          calls++;
        }
      }
    }
    expect(calls).toBeGreaterThan(100);
  });

  test('with junk in its path parameters (too long, a right-to-left override, not an id), as an admin', async () => {
    const token = await tokenOf('admin');
    for (const { path, method, op } of operations().filter((o) => o.path.includes('{'))) {
      for (const junk of ['x'.repeat(300), '%E2%80%AEevil', 'not-a-uuid', '0']) {
        const res = await t.call(method, path.replace(/\{[^}]+\}/g, junk), { token, body: op.requestBody ? (exampleBody(op) ?? {}) : undefined });
        expectDocumented(`${method} ${path} with ${junk.slice(0, 12)}`, op, res);
        expect(res.status).toBeGreaterThanOrEqual(400);
      }
    }
  });

  test('an example of a few: a new chat is 201 Session, a repeat 200, someone else’s session 404 session_not_found', async () => {
    const patient = await guest(t, 'Contract Two');
    const first = await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Contract' } });
    const again = await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'Contract' } });
    expect([first.status, again.status, again.body.id]).toEqual([201, 200, first.body.id]);
    const other = await guest(t, 'Contract Three');
    const hidden = await t.call('GET', `/api/v1/sessions/${first.body.id}`, { token: other.token });
    expect([hidden.status, hidden.body.error.code]).toEqual([404, 'session_not_found']);
    expect(Object.keys(doc.paths['/api/v1/sessions/{id}']!.get!.responses['404']!.content!['application/json']!.examples!)).toContain('session_not_found');
  });
});

describe('bodies refused at the edge, as documented, changing nothing', () => {
  const refused: Array<[string, string, string]> = [
    ['a JSON array', '[null,null]', 'application/json'],
    ['a JSON string', '"text"', 'application/json'],
    ['a JSON number', '42', 'application/json'],
    ['a form', 'displayName=x&capacity=3', 'application/x-www-form-urlencoded'],
  ];
  test.each(refused)('%s, to every operation that takes a body, by every caller', async (_name, text, type) => {
    const held = new Map<Caller, string | undefined>();
    for (const caller of CALLERS) held.set(caller, await tokenOf(caller));
    const before = await databaseDigest(t.ctx.db);
    for (const { path, method, op } of operations().filter((o) => o.op.requestBody)) {
      for (const caller of CALLERS) {
        const token = held.get(caller);
        const res = await t.call(method, concrete(path), { token, body: text, headers: { 'content-type': type } });
        const where = `${caller} ${method} ${path}`;
        expectDocumented(where, op, res);
        const expected = token || !(op as { security?: unknown[] }).security?.length ? (type === 'application/json' ? 400 : 415) : 401;
        expect({ [where]: res.status }).toEqual({ [where]: expected });
      }
    }
    expect(await databaseDigest(t.ctx.db)).toEqual(before);
  });
});

describe('integers take JSON numbers only', () => {
  /** The integer fields of a body's published schema (an integer, or an integer or null). */
  const integerFields = (op: Operation) => {
    const ref = op.requestBody?.content['application/json']?.schema.$ref;
    const schema = (ref ? doc.components.schemas[ref.split('/').pop()!] : undefined) as { properties?: Record<string, any> } | undefined;
    return Object.entries(schema?.properties ?? {})
      .filter(([, s]) => s.type === 'integer' || (Array.isArray(s.anyOf) && s.anyOf.some((v: { type?: string }) => v.type === 'integer')))
      .map(([name]) => name);
  };

  test('a numeric string in any integer field of a body is refused with 400 where the number is taken, changing nothing', async () => {
    const callers = (['patient', 'employee', 'admin'] as const).map((c) => c);
    const held = new Map<Caller, string | undefined>();
    for (const caller of callers) held.set(caller, await tokenOf(caller));
    const probes = operations().flatMap(({ path, method, op }) =>
      integerFields(op).flatMap((field) => callers.map((caller) => ({ path, method, op, field, caller, url: concrete(path) }))),
    );
    const before = await databaseDigest(t.ctx.db);
    const asStrings = [];
    for (const p of probes) {
      const res = await t.call(p.method, p.url, { token: held.get(p.caller), body: { ...(exampleBody(p.op) as object), [p.field]: '3' } });
      expectDocumented(`${p.caller} ${p.method} ${p.path} ${p.field}`, p.op, res);
      asStrings.push(res.status);
    }
    expect(await databaseDigest(t.ctx.db)).toEqual(before);
    // The same requests with the number: wherever it is taken, the string was refused as invalid.
    let taken = 0;
    for (const [i, p] of probes.entries()) {
      const res = await t.call(p.method, p.url, { token: held.get(p.caller), body: { ...(exampleBody(p.op) as object), [p.field]: 3 } });
      if (res.status >= 300) continue;
      taken++;
      expect({ [`${p.caller} ${p.method} ${p.path} ${p.field}`]: asStrings[i] }).toEqual({ [`${p.caller} ${p.method} ${p.path} ${p.field}`]: 400 });
    }
    expect(taken).toBeGreaterThanOrEqual(3);
  });
});
