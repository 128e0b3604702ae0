import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ClientFrame, type ServerEvent } from '@medchat/sdk/protocol';

const checker = TypeCompiler.Compile(ClientFrame);
export const MAX_FRAME_BYTES = 16 * 1024;

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; ref?: string; code: 'invalid_request' | 'payload_too_large'; message: string };

/**
 * Validates one client frame against the protocol. Elysia parses JSON text for us; anything else (binary,
 * malformed JSON, unknown types, wrong fields) becomes a typed error and the connection stays open.
 */
export function parseFrame(raw: unknown): ParsedFrame {
  let value = raw;
  // Elysia hands JSON frames over already parsed: measure those too, or the limit would only apply to non-JSON text.
  const size = typeof raw === 'string' ? raw.length : typeof raw === 'object' && raw !== null ? (JSON.stringify(raw)?.length ?? 0) : 0;
  if (size > MAX_FRAME_BYTES) return { ok: false, code: 'payload_too_large', message: 'The frame is too large.' };
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, code: 'invalid_request', message: 'Frames are JSON objects.' };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, code: 'invalid_request', message: 'Frames are JSON objects.' };
  const ref = typeof (value as { ref?: unknown }).ref === 'string' ? ((value as { ref: string }).ref.slice(0, 64)) : undefined;
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    return { ok: false, ref, code: 'invalid_request', message: first ? `Invalid frame at ${first.path || '/'}: ${first.message}` : 'Invalid frame.' };
  }
  return { ok: true, frame: value as ClientFrame };
}

export const encode = (event: ServerEvent) => JSON.stringify(event);
