import * as protocol from '@medchat/sdk/protocol';
import type { KnownErrorCode } from '@medchat/sdk/protocol';
import server from '../../../package.json' with { type: 'json' };
import { MFA_SETUP_PATHS } from '../auth/plugin';
import { DESCRIPTION, TAGS } from './description';
import { EXAMPLES } from './examples';
import { describeCodes, ERROR_SCHEMA, errors } from './responses';
import { isOptional, isSchema, type JsonSchema, SchemaWriter } from './schemas';

/** A route as `app.routes` lists it. */
export interface RouteLike {
  method: string;
  path: string;
  hooks: unknown;
}

/** What the document reads of a route's options (`detail` holds what the auth guard added: `security`). */
interface Hooks {
  body?: unknown;
  query?: unknown;
  params?: unknown;
  response?: unknown;
  detail?: {
    hide?: boolean;
    summary?: string;
    description?: string;
    tags?: string[];
    operationId?: string;
    security?: Array<Record<string, string[]>>;
    responses?: Record<string, Answer>;
  };
}
type Answer = { description: string; content?: Record<string, { schema?: unknown; examples?: Record<string, unknown> }>; headers?: object };

/** The security scheme of every route behind the `auth` guard (modules/auth/plugin.ts names it on each route). */
export const BEARER = 'bearer';

export const hooksOf = (route: RouteLike) => (route.hooks ?? {}) as Hooks;
/** Routes left out on purpose: the document itself, the widget's script, the demo pages (`detail: { hide: true }`). */
export const isHidden = (route: RouteLike) => hooksOf(route).detail?.hide === true || !/^[A-Z]+$/.test(route.method);
/** The path as the document writes it: `{id}` for `:id`, and never a trailing slash (the server takes both). */
export const documentPath = (path: string) => path.replace(/(.)\/$/, '$1').replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const REASONS: Record<string, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content' };

/** `POST /api/v1/sessions/:id/messages` → `postSessionsByIdMessages`. */
const operationId = (method: string, path: string) =>
  method.toLowerCase() +
  path
    .replace(/^\/api\/v1/, '')
    .split(/[/-]/)
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `By${part.slice(1, 2).toUpperCase()}${part.slice(2)}` : part[0]!.toUpperCase() + part.slice(1)))
    .join('');

/**
 * The errors every route of a kind can answer, from its options alone: who it lets in (the `auth` guard's
 * `security`, with the roles it takes), what it reads (body, params, query), and where it lives (API paths use the
 * database). Each route adds its own with `errors(…)` in `detail.responses`.
 */
function derivedErrors(route: RouteLike, hooks: Hooks): KnownErrorCode[] {
  const codes: KnownErrorCode[] = [];
  if (hooks.body || hooks.params || hooks.query) codes.push('invalid_request');
  if (hooks.body) codes.push('payload_too_large', 'unsupported_media_type');
  const roles = hooks.detail?.security?.find((s) => BEARER in s)?.[BEARER];
  if (roles) {
    codes.push('unauthorized', 'rate_limited');
    if (roles.length > 0) codes.push('forbidden');
    const staffMayCall = roles.length === 0 || roles.some((r) => r !== 'patient');
    if (staffMayCall && !MFA_SETUP_PATHS.has(route.path)) codes.push('mfa_setup_required');
  }
  if (route.path.startsWith('/api/')) codes.push('internal_error', 'database_unavailable');
  return codes;
}

/** Adds answers to an operation's; error answers of one status keep every code's example. */
function mergeAnswers(into: Record<string, Answer>, more: Record<string, Answer>) {
  for (const [status, answer] of Object.entries(more)) {
    const have = into[status];
    const haveExamples = have?.content?.['application/json']?.examples;
    const moreExamples = answer.content?.['application/json']?.examples;
    if (have && haveExamples && moreExamples) {
      Object.assign(haveExamples, moreExamples);
      have.description = describeCodes(Object.keys(haveExamples));
    } else if (!have) into[status] = structuredClone(answer);
  }
}

function operation(route: RouteLike, schemas: SchemaWriter) {
  const hooks = hooksOf(route);
  const detail = hooks.detail ?? {};
  const parameters: JsonSchema[] = [];
  const params = hooks.params as JsonSchema | undefined;
  for (const [, name] of route.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
    const schema = (params?.properties as Record<string, unknown> | undefined)?.[name!] ?? { type: 'string' };
    parameters.push({ name, in: 'path', required: true, schema: schemas.write(schema) });
  }
  const query = hooks.query as JsonSchema | undefined;
  for (const [name, schema] of Object.entries((query?.properties ?? {}) as Record<string, JsonSchema>)) {
    const { description, ...rest } = schemas.write(schema);
    const required = ((query?.required ?? []) as string[]).includes(name);
    parameters.push({ name, in: 'query', required, ...(description ? { description } : {}), schema: rest });
  }
  const responses: Record<string, Answer> = {};
  const success = isSchema(hooks.response) ? { 200: hooks.response } : ((hooks.response ?? {}) as Record<string, unknown>);
  for (const [status, schema] of Object.entries(success))
    responses[status] = { description: REASONS[status] ?? 'Answer', content: { 'application/json': { schema: schemas.write(schema) } } };
  mergeAnswers(responses, detail.responses ?? {});
  mergeAnswers(responses, errors(...derivedErrors(route, hooks)) as Record<string, Answer>);
  for (const [status, answer] of Object.entries(responses)) {
    if ((answer.content?.['application/json']?.schema as { $ref?: string } | undefined)?.$ref !== ERROR_SCHEMA.$ref) continue;
    const retry = status === '429' || status === '503';
    answer.headers = {
      'X-Request-Id': { $ref: '#/components/headers/RequestId' },
      ...(retry ? { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } : {}),
    };
  }
  const body = hooks.body as JsonSchema | undefined;
  const roles = detail.security?.find((s) => BEARER in s)?.[BEARER] ?? [];
  const description = [detail.description, roles.length ? `Only for: ${roles.join(', ')}.` : ''].filter(Boolean).join('\n\n');
  return {
    operationId: detail.operationId ?? operationId(route.method, route.path),
    ...(detail.summary ? { summary: detail.summary } : {}),
    ...(description ? { description } : {}),
    tags: detail.tags ?? [],
    security: detail.security ?? [],
    ...(parameters.length ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            // An optional body (`t.Optional`), or one whose fields are all optional (a patch): leaving it out is an empty one.
            required: !isOptional(body) && ((body.required as string[] | undefined)?.length ?? 0) > 0,
            content: { 'application/json': { schema: schemas.write(body) } },
          },
        }
      : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/**
 * The OpenAPI 3.1 document of the app's routes, from what each route declares: its schemas (taken from
 * `sdk/src/protocol`, whose names become the components), its `detail` (summary, tags, its own errors) and the auth
 * guard's `security`. Hidden routes are left out; nothing else is listed by hand.
 */
export function buildDocument(routes: readonly RouteLike[]) {
  const schemas = new SchemaWriter(protocol, EXAMPLES);
  schemas.write(protocol.ErrorEnvelope);
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Set<string>();
  for (const route of routes) {
    if (isHidden(route)) continue;
    const op = operation(route, schemas);
    for (const tag of op.tags) tags.add(tag);
    (paths[documentPath(route.path)] ??= {})[route.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'MedChat API',
      version: server.version,
      description: DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The server that serves this document' }],
    tags: [...tags].map((name) => ({ name, description: TAGS[name] ?? name })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas.components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A token from `POST /api/v1/auth/login` (staff), `/auth/guest` or `/auth/identify` (patients), sent as `Authorization: Bearer <token>`. Where an operation lists roles, only those may call it.',
        },
      },
      headers: {
        RequestId: { description: 'Names this request in the server’s logs; quote it when reporting a problem.', schema: { type: 'string' } },
        RetryAfter: { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } },
      },
    },
  };
}
