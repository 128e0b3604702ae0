import fc from 'fast-check';
import { ClientFrame, type ClientFrameType } from '@medchat/sdk/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { MAX_FRAME_BYTES } from '../../server/src/modules/realtime/frames';
import { Ref, SESSION_PAIRS, resolveRefs } from './http-routes';
import { malformed, nestedArrays, shaped, type Hints, type Schema } from './support/schema-values';
import { codeUnits, nastyText } from './support/text';
import { ACTORS, SESSION_REFS, type ActorName, type World } from './support/world';

/** Bun closes a connection whose frame is over this many bytes, with 1009 (app.ts: maxPayloadLength). */
export const MAX_PAYLOAD_BYTES = MAX_FRAME_BYTES * 4;

const session = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SESSION_REFS).map((r) => new Ref(`session ${r}`, (w) => w.sessions[r])) },
  { weight: 1, arbitrary: fc.uuid() },
);
const seq = fc.oneof(fc.constantFrom(0, 1, 2, 3, 1000, 2 ** 31 - 1, Number.MAX_SAFE_INTEGER), fc.nat());

/**
 * Every client frame type of the protocol, with values that reach the handler. The socket test fails if the
 * protocol's ClientFrame union has a type that is not here, so a new frame type cannot escape the fuzz.
 */
export const FRAME_HINTS: Record<ClientFrameType, Hints> = {
  subscribe: { sessionId: session, lastSeq: seq },
  unsubscribe: { sessionId: session },
  'message.send': {
    sessionId: session,
    clientMsgId: fc.oneof(fc.constantFrom('w1', 'w2', 'same'), nastyText),
    body: fc.oneof(
      nastyText,
      fc.constantFrom(4000, 4001).map((n) => 'é'.repeat(n)),
    ),
  },
  'typing.start': { sessionId: session },
  'typing.stop': { sessionId: session },
  read: { sessionId: session, seq },
  'availability.set': {},
  'viewing.start': { sessionId: session },
  'viewing.stop': { sessionId: session },
};

/** The members of the ClientFrame union, each with the frame types it covers (typing.start and .stop share one). */
export const FRAME_MEMBERS = (ClientFrame.anyOf as Schema[]).map((schema) => {
  const type = schema.properties!.type!;
  const types = (type.anyOf ?? [type]).map((t) => t.const as ClientFrameType);
  return { schema, types };
});

export type Frame =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'oversize'; bytes: number };
export interface FrameCase {
  actor: ActorName;
  /** Which of the actor's sockets sends it. */
  socket: number;
  frame: Frame;
}

const json = (value: fc.Arbitrary<unknown>) => value.map((v): Frame => ({ kind: 'json', value: v }));
const memberFrames = FRAME_MEMBERS.map(({ schema, types }) => {
  const hints = Object.assign({}, ...types.map((t) => FRAME_HINTS[t])) as Hints;
  return fc.oneof({ weight: 3, arbitrary: json(shaped(schema, hints)) }, { weight: 1, arbitrary: json(malformed(schema, hints)) });
});
const garbage: fc.Arbitrary<Frame> = fc.oneof(
  json(
    fc.record(
      {
        type: fc.oneof(fc.constantFrom('ping', 'hello', 'ack', 'error', 'message.created', 'SUBSCRIBE', 'subscribe ', ''), nastyText),
        ref: fc.option(fc.oneof(nastyText, fc.nat())),
        sessionId: session,
      },
      { requiredKeys: ['type'] },
    ),
  ),
  json(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(null, [], {}, 'subscribe', 0, true))),
  fc
    .oneof(
      fc.constantFrom(
        '{',
        '{"type":',
        '{"type":"subscribe"',
        '[',
        'null',
        'true',
        '42',
        '"subscribe"',
        '{"type":"unsubscribe","sessionId":"x","ref":1}',
        '\u0000',
        ' ',
        '',
      ),
      nastyText,
      codeUnits(30),
      fc.integer({ min: 1, max: 30_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
      fc.integer({ min: 1, max: 5_000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)),
      // A frame inside a JSON string: Elysia unwraps it once, so the server may read it as a frame.
      shaped(FRAME_MEMBERS[1]!.schema, FRAME_HINTS.unsubscribe).map((v) => JSON.stringify(JSON.stringify({ ...(v as object), ref: 'wrapped' }))),
    )
    .map((text): Frame => ({ kind: 'text', text })),
  fc.uint8Array({ maxLength: 64 }).map((bytes): Frame => ({ kind: 'binary', bytes })),
  fc.constantFrom(MAX_FRAME_BYTES + 1, 40_000, MAX_PAYLOAD_BYTES + 1, 100_000).map((bytes): Frame => ({ kind: 'oversize', bytes })),
  json(fc.integer({ min: 1, max: 3_000 }).map((d) => ({ type: 'subscribe', ref: 'deep', sessionId: nestedArrays(d), lastSeq: 0 }))),
);

export const frameCase: fc.Arbitrary<FrameCase> = fc
  .record({
    actor: fc.constantFrom(...ACTORS),
    socket: fc.nat({ max: 1 }),
    frame: fc.oneof({ weight: 3, arbitrary: fc.oneof(...memberFrames) }, { weight: 2, arbitrary: garbage }),
    pair: fc.option(fc.constantFrom(...SESSION_PAIRS), { freq: 2 }),
  })
  .map(({ pair, ...c }) => {
    // Half the frames about a session come from someone who can see it, so they reach the handler.
    const value = c.frame.kind === 'json' ? (c.frame.value as Record<string, unknown>) : null;
    if (!pair || !value || typeof value !== 'object' || !('sessionId' in value) || typeof value.sessionId !== 'object') return c;
    return { ...c, actor: pair.who, frame: { kind: 'json' as const, value: { ...value, sessionId: pair.session } } };
  });

const checkFrame = TypeCompiler.Compile(ClientFrame);
let refs = 0;

/** What the server will be sent, and what it must answer. */
export interface Prepared {
  data: string | Uint8Array;
  /** `close`: over the payload limit (1009). `refuse`: not a valid frame, so a typed error and nothing written. */
  expect: 'close' | 'refuse' | 'any';
  /** The ref the answer must echo, if any (a frame refused for its size is answered before its ref is read). */
  ref?: string;
  label: string;
}

export async function prepare(c: FrameCase, w: World): Promise<Prepared> {
  const f = c.frame;
  if (f.kind === 'binary') return { data: f.bytes, expect: 'refuse', label: `binary ${f.bytes.length} bytes` };
  if (f.kind === 'oversize') {
    const data = JSON.stringify({ type: 'message.send', ref: 'big', sessionId: w.sessions.active, clientMsgId: 'big', body: 'x'.repeat(f.bytes) });
    return { data, expect: data.length > MAX_PAYLOAD_BYTES ? 'close' : 'refuse', label: `oversize ${data.length} bytes` };
  }
  let value: unknown;
  let text: string;
  if (f.kind === 'json') {
    value = await resolveRefs(f.value, w);
    // A valid frame without a ref gets no answer when it succeeds: give it one, so every frame is answered.
    if (checkFrame.Check(value) && typeof (value as { ref?: unknown }).ref !== 'string') value = { ...(value as object), ref: `c${++refs}` };
    text = JSON.stringify(value) ?? 'null';
  } else {
    text = f.text;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
  }
  const ref = typeof (value as { ref?: unknown } | null)?.ref === 'string' ? (value as { ref: string }).ref.slice(0, 64) : undefined;
  const bytes = Buffer.byteLength(text);
  const label = text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
  if (bytes > MAX_PAYLOAD_BYTES) return { data: text, expect: 'close', label };
  // Only a JSON object that is a valid frame may be carried out; a JSON string holding one is unwrapped by Elysia.
  const maybeFrame = checkFrame.Check(value) || (typeof value === 'string' && text.startsWith('"'));
  return { data: text, expect: maybeFrame ? 'any' : 'refuse', ref, label };
}
