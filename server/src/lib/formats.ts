import { FormatRegistry } from 'elysia/type-system';
import { fullFormats } from 'elysia/type-system/format';

/** The shape Postgres' uuid type reads; what the API accepts as an id. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Puts back the string-format checks (`format: 'uuid'`, `'email'`, `'date-time'`…) that every schema of the app
 * validates with. Importing @elysiajs/openapi replaces them, for the whole process, with checks that build a new
 * Zod schema on each call: under the chat benchmark that was 13.6 % of the server's CPU, since every socket frame
 * and every response carries ids. Elysia's own checks are regular expressions; uuid is the shape Postgres reads.
 */
export function useFastFormats() {
  for (const [name, check] of Object.entries(fullFormats)) {
    if (check instanceof RegExp) FormatRegistry.Set(name, (value) => check.test(value));
    else if (typeof check === 'function') FormatRegistry.Set(name, check as (value: string) => boolean);
  }
  FormatRegistry.Set('uuid', (value) => UUID.test(value));
}
