import fc from 'fast-check';
import type { Role } from '@medchat/sdk/protocol';
import { isJsonMediaType, MAX_BODY_BYTES, MAX_JSON_DEPTH, nestsDeeperThan } from '../../server/src/lib/body';
import { ROUTES, SESSION_PAIRS, resolveRefs, type RouteSpec } from './http-routes';
import { accepts, isOptional, malformed, shaped, type Schema } from './support/schema-values';
import { encodeLoosely, nastyText, SQLISH_PIECES } from './support/text';
import { ACTORS, type ActorName, type World } from './support/world';

/** What the app says about one route (from `app.routes`): its schemas. */
export interface RouteInfo {
  method: string;
  path: string;
  params?: Schema;
  query?: Schema;
  body?: Schema;
}

type Scheme = 'Bearer ' | 'Bearer   ' | 'bearer ' | 'Basic ';
export type Caller = { who: ActorName | 'revoked' | 'anonymous' | 'junk'; scheme: Scheme; junk?: string };
/** A raw path segment, sent as it is (not encoded): `%zz`, `..`, an encoded slash. */
export class Raw {
  constructor(readonly text: string) {}
  [fc.toStringMethod]() {
    return `raw(${JSON.stringify(this.text)})`;
  }
}
export type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown; contentType: string | null }
  | { kind: 'text'; text: string; contentType: string | null }
  | { kind: 'huge'; bytes: number; declareLength: boolean }
  /** A JSON body with bytes that are not UTF-8 inside a string. */
  | { kind: 'bytes'; value: unknown; bad: readonly number[] };

export interface HttpCase {
  /** A key of ROUTES, or '' for a request that matches no route. */
  route: string;
  method: string;
  path: string;
  caller: Caller;
  params: Record<string, unknown>;
  query: Record<string, unknown> | Raw | null;
  body: Body;
  headers: Record<string, string>;
  /** A method no route takes at this (real) path: certain to be refused with 405. */
  wrongMethod?: true;
}

export interface Sent {
  request: Request;
  /** The body as sent. */
  text?: string;
  /** The parsed JSON body the server will see, when the body is JSON sent as application/json. */
  json?: { value: unknown } | { invalid: true };
  params: Record<string, string>;
  /** False when URL normalization turned the path into another one (a `..` param): then any route may answer. */
  pathMatches: boolean;
}

// Header values must be Latin-1 without CR, LF or NUL, or the test's own Request constructor throws.
const headerSafe = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 300 });
const signedIn = (who: readonly ActorName[]) =>
  fc.record({
    who: fc.constantFrom(...who),
    scheme: fc.constantFrom<Scheme>('Bearer ', 'Bearer ', 'Bearer ', 'Bearer ', 'Bearer ', 'Bearer   ', 'bearer ', 'Basic '),
  });
const caller: fc.Arbitrary<Caller> = fc.oneof(
  { weight: 14, arbitrary: signedIn(ACTORS) },
  { weight: 2, arbitrary: fc.constant<Caller>({ who: 'anonymous', scheme: 'Bearer ' }) },
  {
    weight: 2,
    arbitrary: fc.record({
      who: fc.constant<'junk'>('junk'),
      scheme: fc.constant<Scheme>('Bearer '),
      junk: fc.oneof(headerSafe, fc.constantFrom(...SQLISH_PIECES), fc.constant('x'.repeat(201))),
    }),
  },
  { weight: 1, arbitrary: fc.constant<Caller>({ who: 'revoked', scheme: 'Bearer ' }) },
);

/** Path segments that are not what the route expects. */
const junkSegment = fc
  .oneof(
    fc.constantFrom(
      '%',
      '%zz',
      '%00',
      '%C0%AF',
      '..',
      '.',
      '%2e%2e',
      '%2F',
      'a%2Fb',
      '%20',
      '%ud800',
      'not-a-uuid',
      '00000000-0000-0000-0000-000000000000',
      'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
      '1',
      '-1',
      'null',
      'me',
    ),
    nastyText.map(encodeLoosely).filter((s) => s.length > 0),
    fc.constantFrom(300, 5000).map((n) => 'a'.repeat(n)),
  )
  .map((s) => new Raw(s));

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'application/json; charset=utf-16',
  '',
];
const badJsonText = fc.oneof(
  fc.constantFrom(
    '{',
    '}',
    '{"a":}',
    "{'a':1}",
    '{"a":1,}',
    'NaN',
    'undefined',
    '\ufeff{}',
    '{"a":"\\x00"}',
    '{"a":"\\ud800"}',
    '[1,2',
    '{"a":1}{"b":2}',
    '"unterminated',
    '\u0000',
    '',
  ),
  fc.constantFrom('{"note":"unterminated', '[null,null]', '"text"', '42', 'null', '{"__proto__":{"graceSeconds":5}}', '{"a":{"__proto__":{}}}'),
  fc.nat({ max: 30_000 }).map((d) => '['.repeat(d)),
  fc.nat({ max: 3_000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)),
  fc.json().map((j) => j.slice(0, Math.max(1, j.length - 1))),
  nastyText,
);

function bodyArb(info: RouteInfo, spec: RouteSpec): fc.Arbitrary<Body> {
  if (info.method === 'GET' || spec.socket) return fc.constant<Body>({ kind: 'none' });
  const schema = info.body;
  const fromSchema = schema ? shaped(schema, spec.body) : fc.jsonValue({ maxDepth: 2 });
  const good = spec.bodies ? fc.oneof(fromSchema, spec.bodies) : fromSchema;
  const json = (value: fc.Arbitrary<unknown>, types = fc.constant<string | null>('application/json')) =>
    fc.record({ kind: fc.constant<'json'>('json'), value, contentType: types });
  return fc.oneof(
    { weight: 10, arbitrary: json(good) },
    { weight: 4, arbitrary: json(schema ? malformed(schema, spec.body) : fc.jsonValue()) },
    { weight: 2, arbitrary: json(good, fc.constantFrom<string | null>(...CONTENT_TYPES, null)) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant<'text'>('text'),
        text: badJsonText,
        contentType: fc.constantFrom<string | null>('application/json', 'text/plain', null),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant<'text'>('text'),
        text: good.map((v) =>
          new URLSearchParams(
            Object.entries(typeof v === 'object' && v ? v : { v }).map(([k, x]) => [k, typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x)]),
          ).toString(),
        ),
        contentType: fc.constantFrom<string | null>('application/x-www-form-urlencoded', 'multipart/form-data'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant<'huge'>('huge'), bytes: fc.constantFrom(MAX_BODY_BYTES + 1, 300_000, 700_000), declareLength: fc.boolean() }),
    },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: 'none' }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant<'bytes'>('bytes'),
        value: good,
        bad: fc.constantFrom<number[]>([0xed, 0xa0, 0x80], [0xff], [0xc0, 0x80], [0xe2, 0x82], [0x80]),
      }),
    },
  );
}

function queryArb(info: RouteInfo, spec: RouteSpec): fc.Arbitrary<HttpCase['query']> {
  const junk = fc.oneof(
    fc.constantFrom(
      'after=-1',
      'after=abc',
      'after=1.5',
      'after=1e3',
      'limit=0',
      'limit=201',
      'after=1&before=2',
      'after=1&after=2',
      'status=nope',
      'status=',
      '%zz',
      'a[b]=c',
      '=&&=',
      'after=99999999999999999999',
      'token=%00',
    ),
    fc.tuple(nastyText, nastyText).map(([k, v]) => `${encodeLoosely(k)}=${encodeLoosely(v)}`),
  );
  const raw = junk.map((q) => new Raw(q));
  if (spec.socket) return fc.option(raw, { freq: 4 });
  if (!info.query) return fc.option(raw, { freq: 6 });
  return fc.oneof(
    { weight: 3, arbitrary: shaped(info.query, spec.query) as fc.Arbitrary<Record<string, unknown>> },
    { weight: 1, arbitrary: raw },
    { weight: 1, arbitrary: fc.constant(null) },
  );
}

function paramsArb(info: RouteInfo, spec: RouteSpec): fc.Arbitrary<Record<string, unknown>> {
  const names = [...info.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const record = Object.fromEntries(
    names.map((n) => [
      n,
      fc.oneof(
        { weight: 5, arbitrary: spec.params?.[n] ?? (info.params?.properties?.[n] ? shaped(info.params.properties[n]) : nastyText) },
        { weight: 1, arbitrary: junkSegment },
      ),
    ]),
  );
  return fc.record(record);
}

const extraHeaders = fc.record(
  {
    origin: fc.constantFrom('http://clinic.test', 'https://evil.test', 'null', 'http://clinic.test.evil.test'),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', "'; drop table users; --", '::1, 10.0.0.1', ''),
    accept: fc.constantFrom('application/json', 'text/html', '*/*'),
    upgrade: fc.constantFrom('websocket', 'h2c'),
  },
  { requiredKeys: [] },
);

function routedCase(key: string, info: RouteInfo): fc.Arbitrary<HttpCase> {
  const spec = ROUTES[key]!;
  // Half the callers of a role-limited route have the role, so that the cases get past the guard.
  const allowed = Array.isArray(spec.who) ? ACTORS.filter((a) => spec.who.includes(ROLE_OF[a])) : [];
  const base = fc.record({
    route: fc.constant(key),
    method: fc.constant(spec.socket ? 'GET' : info.method),
    path: fc.constant(info.path),
    caller: allowed.length ? fc.oneof(caller, signedIn(allowed)) : caller,
    params: paramsArb(info, spec),
    query: queryArb(info, spec),
    body: bodyArb(info, spec),
    headers: extraHeaders,
  });
  if (!spec.sessionRoute) return base;
  return fc
    .tuple(base, fc.option(fc.constantFrom(...SESSION_PAIRS), { freq: 2 }))
    .map(([c, pair]) => (pair ? { ...c, caller: { who: pair.who, scheme: 'Bearer ' as const }, params: { ...c.params, id: pair.session } } : c));
}

/** Requests no route answers: wrong methods on real paths, and made-up paths. */
const unroutedCase: fc.Arbitrary<HttpCase> = fc.record({
  route: fc.constant(''),
  method: fc.constantFrom('DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'POST', 'GET'),
  path: fc.oneof(
    fc.constantFrom('/api/v1/sessions/x/y/z', '/api/v2/sessions', '/api/v1/', '/', '/..%2f..%2fetc/passwd', '/api/v1/auth/login/'),
    nastyText.map((s) => `/api/v1/${encodeLoosely(s)}`),
  ),
  caller,
  params: fc.constant({}),
  query: fc.constant(null),
  body: fc.constant<Body>({ kind: 'none' }),
  headers: extraHeaders,
});

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const routePattern = (path: string) => new RegExp(`^${path.replace(/(.)\/$/, '$1').replace(/:\w+/g, '[^/]+')}/?$`);

/** Real paths (params filled in) asked with a method none of the routes at that path takes. */
function wrongMethodCases(routes: Map<string, RouteInfo>): fc.Arbitrary<HttpCase> {
  const table = [...routes.values()].map((r) => ({ pattern: routePattern(r.path), method: r.method }));
  const cases = [...routes.values()].flatMap((info) => {
    const path = info.path.replace(/:(\w+)/g, (_m, name: string) => (name === 'siteKey' ? 'demo' : '00000000-0000-4000-8000-000000000000'));
    const taken = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
    return METHODS.filter((m) => !taken.has(m)).map((method) => ({ path, method }));
  });
  return fc
    .record({
      route: fc.constant(''),
      wrongMethod: fc.constant<true>(true),
      pick: fc.constantFrom(...cases),
      caller,
      headers: extraHeaders,
    })
    .map(({ pick, ...c }) => ({ ...c, method: pick.method, path: pick.path, params: {}, query: null, body: { kind: 'none' } as Body }));
}

export function httpCase(routes: Map<string, RouteInfo>): fc.Arbitrary<HttpCase> {
  const routed = [...routes.entries()].map(([key, info]) => routedCase(key, info));
  return fc.oneof({ weight: 19, arbitrary: fc.oneof(...routed) }, { weight: 1, arbitrary: unroutedCase }, { weight: 1, arbitrary: wrongMethodCases(routes) });
}

const tokenOf = (c: Caller, w: World) => (c.who === 'anonymous' ? null : c.who === 'junk' ? c.junk! : c.who === 'revoked' ? w.revokedToken : w.tokens[c.who]);

/** Builds the request against the world as it is now. */
export async function materialize(c: HttpCase, w: World): Promise<Sent> {
  const params: Record<string, string> = {};
  let path = c.path;
  for (const [name, v] of Object.entries(c.params)) {
    params[name] = v instanceof Raw ? v.text : String(await resolveRefs(v, w));
    path = path.replace(`:${name}`, v instanceof Raw ? v.text : encodeLoosely(params[name]));
  }
  const search = new URLSearchParams();
  let query = '';
  if (c.query instanceof Raw) query = c.query.text;
  else if (c.query) {
    for (const [k, v] of Object.entries((await resolveRefs(c.query, w)) as Record<string, unknown>))
      search.append(k, typeof v === 'string' ? v : JSON.stringify(v));
    query = search.toString();
  }
  const headers = new Headers(c.headers);
  const token = tokenOf(c.caller, w);
  const isSocket = ROUTES[c.route]?.socket;
  if (isSocket && token !== null) query = `token=${encodeLoosely(token)}${query ? `&${query}` : ''}`;
  else if (token !== null) headers.set('authorization', `${c.caller.scheme}${token}`);
  // Over app.handle there is no server to upgrade to: a valid token with `upgrade: websocket` would meet Elysia's
  // "no server" answer. Real handshakes are fuzzed over a real server in socket.test.ts.
  if (isSocket && c.caller.who !== 'junk' && c.caller.who !== 'anonymous') headers.delete('upgrade');
  let body: string | Buffer | undefined;
  let json: Sent['json'];
  const isJsonType = (t: string | null) => t !== null && /^application\/json(;\s*charset=utf-8)?$/i.test(t);
  if (c.body.kind === 'json') {
    const value = await resolveRefs(c.body.value, w);
    body = JSON.stringify(value) ?? 'null';
    if (c.body.contentType !== null) headers.set('content-type', c.body.contentType);
    if (isJsonType(c.body.contentType)) json = { value: JSON.parse(body) };
  } else if (c.body.kind === 'text') {
    body = c.body.text;
    if (c.body.contentType !== null) headers.set('content-type', c.body.contentType);
    if (isJsonType(c.body.contentType)) {
      try {
        // As fetch's body.json() does: UTF-8 decoding drops a leading byte order mark.
        json = { value: JSON.parse(body.replace(/^\ufeff/, '')) };
      } catch {
        json = { invalid: true };
      }
    }
  } else if (c.body.kind === 'bytes') {
    // Into the first string of the JSON, or as a string of its own when it has none.
    const text = JSON.stringify(await resolveRefs(c.body.value, w)) ?? 'null';
    const at = text.indexOf('"') + 1;
    const [before, after] = at > 0 ? [text.slice(0, at), text.slice(at)] : ['{"x":"', '"}'];
    body = Buffer.concat([Buffer.from(before), Buffer.from(c.body.bad), Buffer.from(after)]);
    headers.set('content-type', 'application/json');
  } else if (c.body.kind === 'huge') {
    body = JSON.stringify({ reason: 'x'.repeat(c.body.bytes), body: 'x', clientMsgId: 'huge', email: 'a@b.c', password: 'p' });
    headers.set('content-type', 'application/json');
    if (c.body.declareLength) headers.set('content-length', String(Buffer.byteLength(body)));
  }
  const request = new Request(`http://localhost${path}${query ? `?${query}` : ''}`, { method: c.method, headers, body: body as BodyInit | undefined });
  return { request, text: typeof body === 'string' ? body : undefined, json, params, pathMatches: samePath(new URL(request.url).pathname, c.path) };
}

/** Does the path, as the URL parser normalized it ("..", "%2e%2e"), still have the route's shape? */
function samePath(actual: string, template: string) {
  const a = actual.split('/');
  const t = template.split('/');
  return a.length === t.length && t.every((seg, i) => (seg.startsWith(':') ? a[i] !== '' : seg === a[i]));
}

/**
 * Why the server must refuse this request whatever the state of the world, or null when it may accept it. Only
 * certain refusals are batched between two digests; the rest get a digest each.
 */
export function certainRefusal(c: HttpCase, sent: Sent, info: RouteInfo | undefined): string | null {
  // Bodies are checked before routing, on every request (server/src/lib/body.ts): size, then on API paths the
  // media type, UTF-8, JSON syntax, depth, an object at the top, no __proto__ key. An empty body is no body.
  if (c.body.kind === 'huge') return 'body over the cap';
  const onApi = new URL(sent.request.url).pathname.startsWith('/api/');
  if (c.body.kind === 'bytes' && onApi) return 'not UTF-8';
  if (sent.text && onApi) {
    if (!isJsonMediaType(sent.request.headers.get('content-type'))) return 'not JSON (415)';
    if (nestsDeeperThan(sent.text, MAX_JSON_DEPTH)) return 'nested too deep';
    if (!sent.json || 'invalid' in sent.json) return 'body does not parse';
    const value = sent.json.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'body not an object';
    if (hasProtoKey(value)) return 'a __proto__ key';
  }
  if (c.wrongMethod && sent.request.method !== 'OPTIONS') return 'method not allowed (405)';
  if (!info || !sent.pathMatches) return null;
  const spec = ROUTES[c.route]!;
  const authenticated = (ACTORS as readonly string[]).includes(c.caller.who) && (spec.socket || c.caller.scheme.startsWith('Bearer '));
  if (spec.who !== 'public' && !authenticated) return 'not signed in';
  // Over app.handle nothing can be upgraded: without the header it is 400, with it a bad token is 401 (and a
  // good token has the header removed, see materialize).
  if (spec.socket) return 'socket route without a server';
  if (Array.isArray(spec.who) && !spec.who.includes(ROLE_OF[c.caller.who as ActorName])) return 'role';
  if (info.params && !accepts(info.params, sent.params)) return 'params';
  if (
    info.body &&
    !isOptional(info.body) &&
    sent.json &&
    !('invalid' in sent.json) &&
    !accepts(info.body, sent.json.value) &&
    !accepts(info.body, asCounted(sent.json.value))
  )
    return 'body';
  return null;
}

/**
 * The body with its text fields as the server measures a message: NFC, trimmed (the limit counts the normalized text,
 * server/src/modules/messages/send.test.ts), so text that normalization shortens is no certain refusal.
 */
const asCounted = (value: unknown) =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v.normalize('NFC').trim() : v]))
    : value;

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.keys(value).some((k) => k === '__proto__' || hasProtoKey((value as Record<string, unknown>)[k]));
}

const ROLE_OF: Record<ActorName, Role> = {
  patient: 'patient',
  otherPatient: 'patient',
  foreignPatient: 'patient',
  employee: 'employee',
  otherEmployee: 'employee',
  admin: 'admin',
  foreignAdmin: 'admin',
};
