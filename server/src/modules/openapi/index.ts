import { Elysia } from 'elysia';
import { buildDocument, type RouteLike } from './document';

/**
 * Serves the API's OpenAPI document at `/openapi/json` (`/openapi` redirects there), built on first use from the
 * routes the app has then, so every module composed after this one is in it. JSON only: a docs page would run
 * someone else's script on the origin where the console keeps staff tokens.
 */
export const openapiModule = (routes: () => readonly RouteLike[]) => {
  let document: ReturnType<typeof buildDocument> | null = null;
  return new Elysia({ name: 'openapi', detail: { hide: true } })
    .get('/openapi/json', () => (document ??= buildDocument(routes())))
    .get('/openapi', ({ redirect }) => redirect('/openapi/json'));
};
