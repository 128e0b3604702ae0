import { ERRORS, type KnownErrorCode } from '@medchat/sdk/protocol';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ENVELOPE_KEYS = new Set(['code', 'message', 'requestId', 'details']);

export const isKnownCode = (code: unknown): code is KnownErrorCode => typeof code === 'string' && Object.hasOwn(ERRORS, code);

/**
 * What is wrong with a 4xx answer, or null when it is the one error envelope
 * `{"error":{"code","message","requestId"?,"details"?}}`: a known code whose status is the HTTP status, a message,
 * and the request id of the `x-request-id` header when there is one.
 */
export function envelopeProblem(res: { status: number; body: unknown; headers: Headers }): string | null {
  const body = res.body as { error?: Record<string, unknown> } | null;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return `not a JSON object: ${String(res.body).slice(0, 120)}`;
  if (Object.keys(body).join() !== 'error' || typeof body.error !== 'object' || body.error === null) return `keys ${Object.keys(body).join()}`;
  const { code, message, requestId } = body.error;
  const extra = Object.keys(body.error).filter((k) => !ENVELOPE_KEYS.has(k));
  if (extra.length) return `unexpected fields ${extra.join()}`;
  if (!isKnownCode(code)) return `unknown code ${String(code)}`;
  if (ERRORS[code].status !== res.status) return `code ${code} is ${ERRORS[code].status}, answered ${res.status}`;
  if (typeof message !== 'string' || message.length === 0) return 'no message';
  if (requestId !== undefined && (typeof requestId !== 'string' || !UUID.test(requestId))) return `bad requestId ${String(requestId)}`;
  const header = res.headers.get('x-request-id');
  if (requestId !== undefined && header && header !== requestId) return `requestId ${String(requestId)} ≠ header ${header}`;
  return null;
}
