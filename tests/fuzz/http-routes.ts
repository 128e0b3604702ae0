import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import type { Role } from '@medchat/sdk/protocol';
import { DEMO_STAFF } from '../../server/src/db/seed';
import { clinics } from '../../server/src/db/schema';
import { signIdentityToken } from '../../server/src/lib/identity-token';
import type { Hints } from './support/schema-values';
import { nastyText } from './support/text';
import { SESSION_REFS, USER_REFS, World, type ActorName, type SessionRef } from './support/world';

/**
 * A value taken from the world when the case runs (a session id, a signed token), since the world changes between
 * cases. It prints as its label in counterexamples.
 */
export class Ref {
  constructor(
    readonly label: string,
    readonly resolve: (w: World) => unknown | Promise<unknown>,
  ) {}
  [fc.toStringMethod]() {
    return `<${this.label}>`;
  }
}

/** Replaces every Ref in a value by what it points at now. Refs sit near the top; deep junk is left as it is. */
export async function resolveRefs(value: unknown, w: World, depth = 0): Promise<unknown> {
  if (value instanceof Ref) return value.resolve(w);
  if (depth > 4) return value;
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveRefs(v, w, depth + 1)));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, { value: await resolveRefs(v, w, depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/** Report dates: real ones close together and far apart, ones that do not exist, and the ends of the calendar. */
const reportDate = fc.oneof(
  fc.constantFrom('2026-03-01', '2026-03-29', '2026-10-25', '2025-01-01', '2026-02-30', '2026-13-01', '0000-01-01', '9999-12-31', '1899-12-31'),
  nastyText,
);
const sessionRef = (r: SessionRef) => new Ref(`session ${r}`, (w) => w.sessions[r]);
const session = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...SESSION_REFS).map(sessionRef) }, { weight: 1, arbitrary: fc.uuid() });
const user = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...USER_REFS).map((r) => new Ref(`user ${r}`, (w) => w.users[r])) },
  { weight: 1, arbitrary: fc.uuid() },
);
const siteKey = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('demo', 'elsewhere', 'DEMO', 'demo ', 'demo\u0000') }, { weight: 1, arbitrary: nastyText });
/** A reply email's link and unsubscribe tokens: shaped like real ones (a uuid and a signature), forged, and junk. */
const emailToken = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(fc.uuid(), fc.base64String({ minLength: 4, maxLength: 44 })).map(([id, sig]) => `${id}.${sig.replace(/=+$/, '')}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '.', '..', 'a.b.c', '00000000-0000-0000-0000-000000000000.x.y', '%00') },
  { weight: 1, arbitrary: nastyText },
);
const staffEmail = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...DEMO_STAFF.map((s) => s.email), 'ADMIN@demo.clinic', ' admin@demo.clinic ', World.passwords.foreignAdmin.email) },
  { weight: 1, arbitrary: nastyText },
);
const password = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(World.passwords.demo, World.passwords.foreignAdmin.password) },
  { weight: 1, arbitrary: nastyText },
);
const messageBody = fc.oneof(
  nastyText,
  fc.constantFrom(4000, 4001, 8000).map((n) => 'é'.repeat(n)),
  fc.constant('e\u0301'.repeat(4000)),
);

const shortcut = fc.oneof(fc.constantFrom('hours', 'HOURS', 'bring-id', 'a b', '', '/x'), fc.stringMatching(/^[A-Za-z0-9_-]{1,41}$/));
const team = fc.oneof({ weight: 4, arbitrary: fc.constant(new Ref('team', (w) => w.teamId)) }, { weight: 1, arbitrary: fc.uuid() });
const attachmentVariant = fc.oneof(fc.constantFrom('original', 'thumbnail'), nastyText);
const quickReply = fc.oneof({ weight: 4, arbitrary: fc.constant(new Ref('quick reply', (w) => w.quickReplyId)) }, { weight: 1, arbitrary: fc.uuid() });

/** A clinic-signed identity token: valid, expired, for the other clinic, or with hostile claims. */
const signedToken = (clinic: fc.Arbitrary<string>, aud: fc.Arbitrary<string>) =>
  fc
    .record({
      clinic,
      aud,
      sub: fc.oneof(fc.constantFrom('demo-patient-1', 'p-42'), nastyText),
      name: fc.option(nastyText),
      expIn: fc.constantFrom(-60, 60, 300, 3600),
    })
    .map(
      (c) =>
        new Ref(`identity token ${JSON.stringify(c)}`, async (w) => {
          const [row] = await w.ctx.db.select({ secret: clinics.identitySecret }).from(clinics).where(eq(clinics.siteKey, c.clinic));
          return signIdentityToken(
            { sub: c.sub, aud: c.aud, exp: Math.floor(Date.now() / 1000) + c.expIn, ...(c.name === null ? {} : { name: c.name }) },
            row!.secret,
          );
        }),
    );
const identityToken = fc.oneof(
  { weight: 1, arbitrary: nastyText },
  { weight: 3, arbitrary: signedToken(fc.constantFrom('demo', 'elsewhere'), fc.constantFrom('demo', 'elsewhere', 'other')) },
);
/** Site key and token of the same clinic, mostly valid: these reach the patient upsert. */
const identifyBody = fc
  .constantFrom('demo', 'elsewhere')
  .chain((site) => fc.record({ siteKey: fc.constant(site), identityToken: signedToken(fc.constant(site), fc.constant(site)) }));

export interface RouteSpec {
  /** Who may call it at all: anyone, any signed-in user, or these roles (a refusal for everyone else is certain). */
  who: 'public' | 'signed-in' | readonly Role[];
  /** Path params (encoded when the case runs) that point into the world; raw junk params are added by the generator. */
  params?: Hints;
  /** Body and query fields that reach the business logic; the rest comes from the route's own schema. */
  body?: Hints;
  query?: Hints;
  /** Whole bodies whose fields must agree with each other to reach the business logic. */
  bodies?: fc.Arbitrary<unknown>;
  /** The route's `:id` is a session: half the cases pair it with a caller who can see it. */
  sessionRoute?: true;
  /** The socket route: the credential travels in the query (a ticket; a token there is refused), and the request is a plain GET. */
  socket?: true;
}

/**
 * Every route of the app, by Elysia's `method path`. The fuzz test fails when the app has a route that is not
 * here (or this lists one the app no longer has), so a new route cannot escape the fuzz.
 */
export const ROUTES: Record<string, RouteSpec> = {
  'WS /api/v1/socket': { who: 'signed-in', socket: true },
  'GET /openapi': { who: 'public' },
  'GET /openapi/json': { who: 'public' },
  'GET /asyncapi/json': { who: 'public' },
  'GET /healthz': { who: 'public' },
  'GET /readyz': { who: 'public' },
  // Not served without METRICS_TOKEN or METRICS_PORT (404); with the token, a bearer only it opens (tests/operations).
  'GET /metrics': { who: 'public' },
  'GET /widget/:file': {
    who: 'public',
    params: {
      file: fc.constantFrom(
        'medchat-widget.js',
        'medchat-widget.iife.js',
        'medchat-chat.js',
        'medchat-chat-es.js',
        'medchat-chat-zz.js',
        'medchat-frame.js',
        '../package.json',
        'medchat-widget.js\u0000',
      ),
    },
  },
  'GET /widget/frame': { who: 'public', query: { site: siteKey, lang: fc.constantFrom('en', 'es-MX', '"><script>', '') } },
  'POST /api/v1/auth/login': { who: 'public', body: { email: staffEmail, password } },
  'POST /api/v1/auth/logout': { who: 'signed-in' },
  'GET /api/v1/auth/me': { who: 'signed-in' },
  'POST /api/v1/socket/ticket': { who: 'signed-in' },
  'POST /api/v1/auth/guest': { who: 'public', body: { siteKey } },
  'POST /api/v1/auth/identify': { who: 'public', body: { siteKey, identityToken }, bodies: identifyBody },
  'PUT /api/v1/employees/me/password': { who: ['employee', 'admin'], body: { currentPassword: password } },
  'POST /api/v1/employees/me/mfa/start': { who: ['employee', 'admin'], body: { password } },
  'POST /api/v1/employees/me/mfa/confirm': { who: ['employee', 'admin'] },
  'POST /api/v1/employees/me/mfa/disable': { who: ['employee', 'admin'], body: { password } },
  'GET /api/v1/clinics/:siteKey': { who: 'public', params: { siteKey } },
  'GET /api/v1/clinic/settings': { who: ['admin'] },
  'PATCH /api/v1/clinic/settings': {
    who: ['admin'],
    body: {
      allowedOrigins: fc.array(
        fc.oneof(fc.constantFrom('http://clinic.test', 'https://a.example:8443', 'http://a.test/', 'javascript:alert(1)', 'http://[::1]', 'null'), nastyText),
        { maxLength: 4 },
      ),
    },
  },
  'POST /api/v1/clinic/identity-secret': { who: ['admin'] },
  'GET /api/v1/clinic/hours': { who: ['admin'] },
  'PUT /api/v1/clinic/hours': {
    who: ['admin'],
    body: {
      timeZone: fc.oneof(fc.constantFrom('Europe/Madrid', 'America/New_York', 'UTC', 'Mars/Olympus', 'europe/madrid', 'Etc/GMT+99'), nastyText),
      closures: fc.array(fc.constantFrom('2026-12-25', '2026-02-30', '0000-00-00', '9999-99-99'), { maxLength: 3 }),
    },
  },
  'GET /api/v1/clinic/intake': { who: ['admin'] },
  'PUT /api/v1/clinic/intake': { who: ['admin'], body: { emergencyInstructions: nastyText } },
  'POST /api/v1/sessions': { who: ['patient'] },
  'GET /api/v1/sessions': { who: 'signed-in' },
  'GET /api/v1/sessions/:id': { who: 'signed-in', sessionRoute: true, params: { id: session } },
  'GET /api/v1/sessions/:id/queue': { who: 'signed-in', sessionRoute: true, params: { id: session } },
  'POST /api/v1/sessions/:id/end': { who: 'signed-in', sessionRoute: true, params: { id: session } },
  'POST /api/v1/sessions/:id/leave': { who: 'signed-in', sessionRoute: true, params: { id: session } },
  'GET /api/v1/sessions/:id/assignments': { who: 'signed-in', sessionRoute: true, params: { id: session } },
  'POST /api/v1/sessions/:id/priority': {
    who: ['employee', 'admin'],
    sessionRoute: true,
    params: { id: session },
    body: { priority: fc.constantFrom('urgent', 'routine', 'critical', ''), reason: nastyText },
  },
  'GET /api/v1/sessions/:id/triage': { who: ['employee', 'admin'], sessionRoute: true, params: { id: session } },
  'GET /api/v1/sessions/:id/audit': { who: ['admin'], sessionRoute: true, params: { id: session } },
  'GET /api/v1/queue': { who: ['employee', 'admin'] },
  'GET /api/v1/audit': { who: ['admin'] },
  'GET /api/v1/sessions/:id/fhir': { who: ['employee', 'admin'], sessionRoute: true, params: { id: session } },
  'GET /api/v1/fhir/export': { who: ['admin'] },
  'GET /api/v1/reports': { who: ['admin'], query: { from: reportDate, to: reportDate, bucket: fc.constantFrom('day', 'hour', 'week') } },
  'GET /api/v1/reports.csv': {
    who: ['admin'],
    query: { from: reportDate, to: reportDate, bucket: fc.constantFrom('day', 'hour'), table: fc.constantFrom('buckets', 'employees', 'all') },
  },
  'GET /api/v1/sessions/:id/transcript': {
    who: ['employee', 'admin'],
    sessionRoute: true,
    params: { id: session },
    query: { format: fc.constantFrom('text', 'pdf') },
  },
  'POST /api/v1/webhooks': {
    who: ['admin'],
    body: {
      url: fc.oneof(fc.constantFrom('https://hooks.example/medchat', 'http://127.0.0.1:9/x', 'https://10.0.0.1/x', 'ftp://a.example/'), nastyText),
      events: fc.constantFrom(['session.started'], ['session.ended', 'session.assigned'], []),
    },
  },
  'GET /api/v1/webhooks': { who: ['admin'] },
  'PUT /api/v1/sessions/:id/contact': {
    who: ['patient'],
    sessionRoute: true,
    params: { id: session },
    body: { email: fc.oneof(fc.constantFrom('ana@mail.example', 'not-an-address', '', 'a@b'), fc.constant(null), nastyText) },
  },
  'GET /api/v1/emails': { who: ['admin'], query: { limit: fc.integer({ min: -5, max: 500 }) } },
  'POST /api/v1/auth/resume': { who: 'public', body: { siteKey, token: emailToken } },
  'GET /email/unsubscribe': { who: 'public', query: { token: emailToken } },
  'POST /email/unsubscribe': { who: 'public', query: { token: emailToken } },
  'POST /api/v1/webhooks/:id/rotate-secret': { who: ['admin'], params: { id: user } },
  'DELETE /api/v1/webhooks/:id': { who: ['admin'], params: { id: user } },
  'GET /api/v1/webhooks/:id/deliveries': { who: ['admin'], params: { id: user } },
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/replay': { who: ['admin'], params: { id: user, deliveryId: user } },
  'GET /api/v1/sessions/:id/messages': { who: 'signed-in', sessionRoute: true, params: { id: session } },
  'POST /api/v1/sessions/:id/messages': {
    who: 'signed-in',
    sessionRoute: true,
    params: { id: session },
    body: { clientMsgId: fc.oneof(fc.constantFrom('m1', 'm2', 'same'), nastyText), body: messageBody },
  },
  'POST /api/v1/sessions/:id/read': { who: 'signed-in', sessionRoute: true, params: { id: session } },
  'PUT /api/v1/employees/me/availability': { who: ['employee', 'admin'] },
  'GET /api/v1/employees/': { who: ['admin'] },
  'POST /api/v1/employees/': {
    who: ['admin'],
    body: {
      email: fc.oneof(
        fc.nat().map((n) => `nurse${n}@demo.clinic`),
        fc.constantFrom('nurse.joy@demo.clinic', 'NURSE.SAM@demo.clinic'),
        fc.emailAddress(),
        nastyText,
      ),
      displayName: fc.oneof(fc.constantFrom('New Nurse', 'Dr. Ωmega', 'Zoë'), nastyText),
    },
  },
  'PATCH /api/v1/employees/:id': { who: ['admin'], params: { id: user } },
  'GET /api/v1/sessions/:id/notes': { who: ['employee', 'admin'], sessionRoute: true, params: { id: session } },
  'POST /api/v1/sessions/:id/notes': {
    who: ['employee', 'admin'],
    sessionRoute: true,
    params: { id: session },
    body: { body: messageBody, mentions: fc.array(user, { maxLength: 3 }) },
  },
  'GET /api/v1/quick-replies/': { who: ['employee', 'admin'] },
  'GET /api/v1/colleagues': { who: ['employee', 'admin'] },
  'POST /api/v1/quick-replies/': { who: ['admin'], body: { shortcut: fc.oneof(shortcut, nastyText), body: messageBody } },
  'PATCH /api/v1/quick-replies/:id': { who: ['admin'], params: { id: quickReply }, body: { shortcut } },
  'DELETE /api/v1/quick-replies/:id': { who: ['admin'], params: { id: quickReply } },
  'POST /api/v1/sessions/:id/transfer': {
    who: ['employee', 'admin'],
    sessionRoute: true,
    params: { id: session },
    body: { toEmployeeId: fc.option(user, { nil: undefined }), toTeamId: fc.option(team, { nil: undefined }), note: nastyText },
  },
  'GET /api/v1/teams/': { who: ['employee', 'admin'] },
  'POST /api/v1/teams/': { who: ['admin'], body: { name: fc.oneof(fc.constantFrom('Pharmacy', 'nursing', ''), nastyText) } },
  'PATCH /api/v1/teams/:id': { who: ['admin'], params: { id: team }, body: { name: nastyText } },
  'DELETE /api/v1/teams/:id': { who: ['admin'], params: { id: team } },
  'PUT /api/v1/teams/:id/members': { who: ['admin'], params: { id: team }, body: { employeeIds: fc.array(user, { maxLength: 4 }) } },
  'POST /api/v1/sessions/:id/attachments': {
    who: 'signed-in',
    sessionRoute: true,
    params: { id: session },
    query: {
      clientId: fc.oneof(fc.constantFrom('f1', 'f2'), nastyText),
      name: fc.oneof(fc.constantFrom('photo.jpg', '../../etc/passwd', 'a\r\nb.pdf'), nastyText),
    },
  },
  'GET /api/v1/attachments/:id/link': { who: 'signed-in', params: { id: user }, query: { variant: attachmentVariant } },
  'GET /api/v1/attachments/:id': { who: 'signed-in', params: { id: user }, query: { variant: attachmentVariant } },
  'GET /api/v1/attachments/:id/content': {
    who: 'public',
    params: { id: user },
    query: { variant: attachmentVariant, user, expires: fc.oneof(fc.nat(), fc.constant(4102444800)), signature: fc.oneof(fc.base64String(), nastyText) },
  },
};

/** Callers paired with a session they can see (or nearly): these reach the business logic of session routes. */
export const SESSION_PAIRS = (
  [
    ['patient', 'active'],
    ['employee', 'active'],
    ['admin', 'active'],
    ['patient', 'ended'],
    ['admin', 'ended'],
    ['otherPatient', 'waiting'],
    ['admin', 'waiting'],
    ['employee', 'waiting'],
    ['otherEmployee', 'active'],
    ['foreignPatient', 'foreign'],
    ['foreignAdmin', 'foreign'],
  ] as const satisfies ReadonlyArray<readonly [ActorName, SessionRef]>
).map(([who, ref]) => ({ who, session: sessionRef(ref) }));
