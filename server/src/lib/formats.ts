import { FormatRegistry } from 'elysia/type-system';
import { fullFormats } from 'elysia/type-system/format';

/** The shape Postgres' uuid type reads; what the API accepts as an id. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Sets the string-format checks (`format: 'uuid'`, `'email'`, `'date-time'`…) that every schema of the app
 * validates with to Elysia's own regular expressions, whatever was registered before: a plugin may replace them for
 * the whole process (@elysiajs/openapi did, with checks that built a new Zod schema on each call: 13.6 % of the
 * server's CPU under the chat benchmark, since every socket frame and response carries ids; the API document is
 * now built by modules/openapi). uuid is the shape Postgres reads.
 */
export function useFastFormats() {
  for (const [name, check] of Object.entries(fullFormats)) {
    if (check instanceof RegExp) FormatRegistry.Set(name, (value) => check.test(value));
    else if (typeof check === 'function') FormatRegistry.Set(name, check as (value: string) => boolean);
  }
  FormatRegistry.Set('uuid', (value) => UUID.test(value));
}
