import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ClientFrame, type Message, type ServerEvent } from '@medchat/sdk/protocol';

const checker = TypeCompiler.Compile(ClientFrame);
export const MAX_FRAME_BYTES = 16 * 1024;

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; ref?: string; code: 'invalid_request' | 'payload_too_large'; message: string };

/**
 * Validates one client frame, as Bun hands it over: text, or bytes for a binary frame. Anything but a JSON object
 * of the protocol (binary, malformed JSON, unknown types, wrong fields) becomes a typed error and the connection
 * stays open.
 */
export function parseFrame(raw: string | Uint8Array): ParsedFrame {
  if (typeof raw !== 'string') return { ok: false, code: 'invalid_request', message: 'Frames are JSON text.' };
  if (raw.length > MAX_FRAME_BYTES) return { ok: false, code: 'payload_too_large', message: 'The frame is too large.' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'invalid_request', message: 'Frames are JSON objects.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, code: 'invalid_request', message: 'Frames are JSON objects.' };
  const ref = typeof (value as { ref?: unknown }).ref === 'string' ? (value as { ref: string }).ref.slice(0, 64) : undefined;
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    return { ok: false, ref, code: 'invalid_request', message: first ? `Invalid frame at ${first.path || '/'}: ${first.message}` : 'Invalid frame.' };
  }
  return { ok: true, frame: value as ClientFrame };
}

export const encode = (event: ServerEvent) => JSON.stringify(event);

/**
 * A message's JSON, made once. The writer hands one object to the sender's ack and to the fan-out that follows, so
 * the two frames share it instead of serializing the message twice (a tenth of the server's time per message under
 * load, bench/README.md). Messages are never changed once made.
 */
const messageJson = new WeakMap<Message, string>();
function messageText(message: Message): string {
  let text = messageJson.get(message);
  if (text === undefined) messageJson.set(message, (text = JSON.stringify(message)));
  return text;
}

/** `encode({ type: 'message.created', message })`, sharing the message's JSON. */
export const encodeMessageCreated = (message: Message) => `{"type":"message.created","message":${messageText(message)}}`;

/** `encode({ type: 'ack', ref, message })`, sharing the message's JSON. */
export const encodeMessageAck = (ref: string, message: Message) => `{"type":"ack","ref":${JSON.stringify(ref)},"message":${messageText(message)}}`;
