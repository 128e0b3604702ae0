import fc from 'fast-check';
import { connect } from 'node:net';
import { authenticate } from '../../server/src/modules/auth/service';
import { issueSocketTicket } from '../../server/src/modules/auth/socket-tickets';
import { SOCKET_PATH } from '../../server/src/modules/realtime';
import { encodeLoosely, nastyText } from './support/text';
import { ACTORS, type ActorName, type World } from './support/world';

/** A WebSocket handshake written by hand, so that any part of it can be wrong. */
export interface Handshake {
  /** Whose credential; an actor's is a fresh ticket, or (`inUrl`) their bearer token, which is always refused. */
  token: { who: ActorName | 'revoked' | 'junk' | 'none'; junk?: string; twice?: boolean; inUrl?: boolean };
  path: string;
  query: string;
  upgrade: string | null;
  key: 'valid' | 'missing' | 'junk';
  version: string | null;
  origin: string | null;
  extra: string[];
}

const VALID_KEY = () => Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
/** Header-safe junk (visible Latin-1): what a hostile client can put on the wire. */
const latin1 = fc.string({ unit: fc.integer({ min: 0x21, max: 0xff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 });

export const handshake: fc.Arbitrary<Handshake> = fc
  .record({
    token: fc.oneof(
      { weight: 5, arbitrary: fc.record({ who: fc.constantFrom(...ACTORS), twice: fc.boolean(), inUrl: fc.boolean() }, { requiredKeys: ['who'] }) },
      { weight: 2, arbitrary: fc.record({ who: fc.constant<'junk'>('junk'), junk: fc.oneof(nastyText, fc.constant('x'.repeat(201))) }) },
      { weight: 1, arbitrary: fc.constantFrom({ who: 'revoked' as const }, { who: 'none' as const }) },
    ),
    // Paths that are not the socket's (a trailing slash is a known failure, see socket.test.ts).
    path: fc.oneof(
      { weight: 8, arbitrary: fc.constant(SOCKET_PATH) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('/api/v1/SOCKET', '/api/v1//socket', '//api/v1/socket', '/api/v1/%73ocket', '/api/v1/socket/x', '/api/v2/socket'),
      },
    ),
    query: fc.oneof(
      fc.constant(''),
      fc.tuple(nastyText, nastyText).map(([k, v]) => `&${encodeLoosely(k)}=${encodeLoosely(v)}`),
      fc.constantFrom('&lastSeq=-1', '&ticket', '&%zz'),
    ),
    upgrade: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('websocket', 'WebSocket') },
      { weight: 1, arbitrary: fc.constantFrom(null, 'h2c', 'websocket2') },
    ),
    key: fc.constantFrom<Handshake['key']>('valid', 'valid', 'valid', 'missing', 'junk'),
    version: fc.oneof({ weight: 6, arbitrary: fc.constant('13') }, { weight: 1, arbitrary: fc.constantFrom(null, '8', 'x') }),
    origin: fc.oneof(
      fc.constantFrom(null, 'http://clinic.test', 'https://evil.test', 'http://clinic.test.evil.test', 'null', 'HTTP://CLINIC.TEST'),
      latin1.map((s) => `http://${s}`),
    ),
    extra: fc.array(
      fc.oneof(
        fc.constantFrom('Cookie: token=x', 'X-Forwarded-For: 1.2.3.4, evil', 'Sec-WebSocket-Extensions: permessage-deflate', 'Sec-WebSocket-Protocol: chat'),
        latin1.map((v) => `X-Junk: ${v}`),
      ),
      { maxLength: 2 },
    ),
  })
  // A valid token with a broken key or version is a known failure (plain-text 400), see socket.test.ts.
  .map((h) =>
    (ACTORS as readonly string[]).includes(h.token.who)
      ? { ...h, key: 'valid' as const, version: h.version === null || h.version === 'x' ? '13' : h.version }
      : h,
  );

const tokenOf = (h: Handshake, w: World) =>
  h.token.who === 'junk' ? h.token.junk! : h.token.who === 'revoked' ? w.revokedToken : h.token.who === 'none' ? null : w.tokens[h.token.who];

/** A fresh socket ticket for a token that works; anything else is sent as it is, as a ticket nobody issued. */
async function ticketOf(w: World, token: string): Promise<string> {
  const actor = await authenticate(w.ctx.db, token);
  return actor ? (await issueSocketTicket(w.ctx.db, actor)).ticket : token;
}

export async function requestText(h: Handshake, w: World, host: string): Promise<string> {
  const token = tokenOf(h, w);
  const credential = token === null ? '' : h.token.inUrl ? `token=${encodeLoosely(token)}` : `ticket=${encodeLoosely(await ticketOf(w, token))}`;
  const query = token === null ? h.query.slice(1) : `${credential}${h.token.twice ? `&ticket=${await ticketOf(w, w.tokens.admin)}` : ''}${h.query}`;
  const lines = [`GET ${h.path}${query ? `?${query}` : ''} HTTP/1.1`, `Host: ${host}`, 'Connection: Upgrade'];
  if (h.upgrade) lines.push(`Upgrade: ${h.upgrade}`);
  if (h.key !== 'missing') lines.push(`Sec-WebSocket-Key: ${h.key === 'valid' ? VALID_KEY() : 'not-a-key'}`);
  if (h.version) lines.push(`Sec-WebSocket-Version: ${h.version}`);
  if (h.origin) lines.push(`Origin: ${h.origin}`);
  return [...lines, ...h.extra, '', ''].join('\r\n');
}

/** Origins each clinic allows patient sockets from (the seed's; the socket fuzz never changes them). */
const ALLOWED_ORIGINS: Partial<Record<ActorName, string[]>> = { patient: ['http://clinic.test'], otherPatient: ['http://clinic.test'], foreignPatient: [] };

/**
 * May the server open this socket? Only for a valid ticket on the socket's path, and for a patient only without an
 * Origin, from the server's own or from one the clinic allows (docs/requirements.md#auth). `must`: a well-formed
 * handshake that may, must.
 */
export function upgradeRule(h: Handshake, ownOrigin: string): { may: boolean; must: boolean } {
  const who = h.token.who as ActorName;
  if (!(ACTORS as readonly string[]).includes(who) || h.token.inUrl || h.path !== SOCKET_PATH) return { may: false, must: false };
  const allowed = ALLOWED_ORIGINS[who];
  if (allowed && h.origin !== null && h.origin !== ownOrigin && !allowed.includes(h.origin)) return { may: false, must: false };
  // Elysia's router only takes `Upgrade: websocket` in lower case (RFC 6455 says any case): others get a 404.
  return { may: true, must: h.upgrade === 'websocket' && h.version === '13' && h.extra.length === 0 };
}

export interface HandshakeAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends the raw request and reads the answer. An upgraded socket is dropped once its first frame (hello) arrives:
 * by then the server has recorded the connection, so its row is certain to come and then go.
 */
export function sendHandshake(port: number, text: string): Promise<HandshakeAnswer | 'timeout' | 'no answer'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(text, 'latin1')));
    let buf = Buffer.alloc(0);
    const finish = (answer: HandshakeAnswer | 'timeout' | 'no answer') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish('timeout'), 10_000);
    const parse = (complete: boolean) => {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return complete ? finish('no answer') : undefined;
      const [statusLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const status = Number(statusLine!.split(' ')[1]);
      const body = buf.subarray(end + 4);
      const length = Number(headers['content-length'] ?? 0);
      if (status === 101 ? body.length > 0 || complete : body.length >= length || complete)
        finish({ status, headers, body: status === 101 ? '' : body.toString('utf8') });
    };
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      parse(false);
    });
    socket.on('end', () => parse(true));
    socket.on('error', () => parse(true));
  });
}
