import { AppError } from './errors';

/** The largest request body the API reads, counted on the bytes read (a chunked body declares no length). */
export const MAX_BODY_BYTES = 256 * 1024;
/** The deepest nesting of arrays and objects a JSON body may have; the API's own bodies are 2 deep. */
export const MAX_JSON_DEPTH = 32;

/**
 * True when JSON text nests arrays or objects deeper than `limit`, counted without parsing (brackets inside strings
 * do not count). Elysia writes the whole refused value into its validation error, recursively and indented, so a
 * 6 KB body of `[[[[…` blocked the event loop for seconds, and a deeper one overflowed the stack (a 500).
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The one media type the API reads: JSON, in UTF-8 (the only charset JSON allows between systems, RFC 8259). */
export const isJsonMediaType = (contentType: string | null) => contentType !== null && /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i.test(contentType);

const utf8 = new TextDecoder('utf-8', { fatal: true });

const invalid = (problem: string, message: string) => new AppError('invalid_request', { problem }, message);

/**
 * How much of a refused body is still read, and dropped, before the refusal is sent (and for how long at most). A
 * connection closed with bytes unread is reset by the kernel, and a client still sending then reads the reset, not
 * the 413 that came before it (tests/security/request-bodies.test.ts, the 1 MB cases, lost it about half the time).
 * Past these the connection is closed anyway: a client sending more may see a reset. What is dropped is never kept,
 * though a chunked body's copy for the route holds it until the refusal is sent.
 */
export const LINGER_BYTES = 2 * 1024 * 1024;
const LINGER_MS = 2000;

/** Reads and drops up to `budget` more bytes of a body (for at most LINGER_MS), then stops reading it. */
export async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, budget = LINGER_BYTES): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), LINGER_MS)));
  try {
    for (let left = budget; left > 0; ) {
      const step = await Promise.race([reader.read(), expired]);
      if (!step || step.done) break;
      left -= step.value.byteLength;
    }
  } catch {
    // The client went away or broke the framing: nothing more to read.
  } finally {
    clearTimeout(timer);
    void reader.cancel().catch(() => {});
  }
}

/**
 * The body's bytes, refused with 413 once they pass the limit (what follows is read and dropped up to LINGER_BYTES,
 * never kept), or 400 when the stream fails.
 */
export async function readAtMost(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: Awaited<ReturnType<typeof reader.read>>;
    try {
      step = await reader.read();
    } catch {
      // Malformed chunk framing, or a client that went away mid-body: its fault, and nothing was read.
      throw invalid('unreadable_body', 'The body could not be read.');
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > limit) {
      await discardRest(reader);
      throw new AppError('payload_too_large', { maxBytes: limit });
    }
    chunks.push(step.value);
  }
  return Buffer.concat(chunks);
}

/** JSON.parse, refusing `__proto__` keys anywhere: Elysia's validation read `{"__proto__":{…}}` as the fields inside it. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text, (key, value) => {
      if (key === '__proto__') throw new AppError('invalid_request', { problem: 'forbidden_key', key }, 'The body contains a forbidden key.');
      return value;
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw invalid('not_json', 'The body is not valid JSON.');
  }
}

/**
 * Checks a request body at the edge, before any route sees it, on a copy (Elysia then parses the original, which
 * has passed every check): at most MAX_BODY_BYTES read, whatever the declared length (413); on API paths only
 * JSON bodies (415), in valid UTF-8 (400, where the runtime would put U+FFFD in their place), that parse (400: an
 * optional body that did not parse was read as absent), no deeper than MAX_JSON_DEPTH, a JSON object at the top
 * (every body the API takes is one: an array or a string was read as an empty patch), without `__proto__` keys.
 * An empty body is no body. Tested in tests/security/request-bodies.test.ts.
 */
export async function checkBody(request: Request, isApi: boolean): Promise<void> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) {
    if (request.body) await discardRest(request.body.getReader());
    throw new AppError('payload_too_large', { maxBytes: MAX_BODY_BYTES });
  }
  if (!request.body) return;
  const bytes = await readAtMost(request.clone().body!, MAX_BODY_BYTES);
  if (bytes.byteLength === 0 || !isApi) return;
  if (!isJsonMediaType(request.headers.get('content-type'))) throw new AppError('unsupported_media_type');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw invalid('malformed_utf8', 'The body is not valid UTF-8.');
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH))
    throw new AppError('invalid_request', { problem: 'too_deep', maxDepth: MAX_JSON_DEPTH }, 'The body is nested too deeply.');
  const value = parseJson(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('not_an_object', 'The body must be a JSON object.');
}
