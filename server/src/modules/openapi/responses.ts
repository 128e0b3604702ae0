import { ERRORS, type KnownErrorCode } from '@medchat/sdk/protocol';
import type { DocumentDecoration } from 'elysia';

type Responses = NonNullable<DocumentDecoration['responses']>;
interface ErrorAnswer {
  description: string;
  content: { 'application/json': { schema: typeof ERROR_SCHEMA; examples: Record<string, { value: unknown }> } };
}

/** The error envelope's component (`ErrorEnvelope` in the protocol), which every error answer of the document names. */
export const ERROR_SCHEMA = { $ref: '#/components/schemas/Error' } as const;

/** What an error answer looks like on the wire, for the document's examples. */
export const errorExample = (code: KnownErrorCode) => ({
  error: { code, message: ERRORS[code].message, requestId: '0193a3c2-7a1e-7cc2-9d5e-2f1b8c3a4d5e' },
});

/** An error answer's description: each code it stands for, with the table's English default. */
export const describeCodes = (codes: readonly string[]) =>
  codes.map((code) => `\`${code}\`: ${ERRORS[code as KnownErrorCode]?.message ?? ''}`.trim()).join(' ');

/**
 * The errors a route answers besides those the document derives from its options (the `auth` guard: 401, 403, 429;
 * a body, params or query: 400, 413, 415; every API path: 500, 503): `detail: { responses: errors('session_not_found') }`.
 * Statuses come from the one error table; codes that share a status share one answer, one example each.
 * A route that can answer none of its own still says so, `errors()`: the contract test refuses a route that is
 * neither documented this way nor hidden (`detail: { hide: true }`).
 */
export function errors(...codes: KnownErrorCode[]): Responses {
  const responses: Record<string, ErrorAnswer> = {};
  for (const code of codes) {
    const status = String(ERRORS[code].status);
    const answer = (responses[status] ??= { description: '', content: { 'application/json': { schema: ERROR_SCHEMA, examples: {} } } });
    const examples = answer.content['application/json'].examples;
    examples[code] = { value: errorExample(code) };
    answer.description = describeCodes(Object.keys(examples));
  }
  return responses;
}

/** A success without a body (`set.status = 204`), which no response schema can say. */
export const noContent = (description: string): Responses => ({ 204: { description } });
