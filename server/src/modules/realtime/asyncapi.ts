/**
 * The WebSocket contract as an AsyncAPI 3 document, built from the protocol module (sdk/src/protocol): every frame
 * of `ClientFrame` and `ServerEvent` with its TypeBox schema and its description (`frame-docs.ts`), and every close
 * code. A frame added to those unions is in the document without anything written here. Served at `/asyncapi/json`
 * and committed as docs/asyncapi.json, which `bun run asyncapi` (this file run directly) writes again;
 * asyncapi.test.ts fails while the committed file is stale, validates the document with @asyncapi/parser and checks
 * that every frame the protocol exports is in it.
 */
import { Elysia, t } from 'elysia';
import type { TSchema } from '@sinclair/typebox';
import * as protocol from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { SOCKET_PATH } from './index';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The public URL the committed document names (the default of PUBLIC_URL); a served document names its own. */
export const DOCUMENT_URL = 'http://localhost:3000';

/**
 * A schema as plain JSON: TypeBox's symbol keys (Kind, Optional) dropped, and `additionalProperties`, which the
 * protocol never sets: the router writes `false` into the schema objects it validates responses with, in place, so
 * without this the document would depend on which routes had answered before it was built.
 */
const plain = (schema: unknown): Json => JSON.parse(JSON.stringify(schema, (key, value) => (key === 'additionalProperties' ? undefined : value)));

/**
 * JSON with keys in order, so two schemas of the same shape have the same text: the router may rewrite a schema it
 * validates with (its keys in another order) while the copy inside a `Type.Optional` keeps the original order.
 */
const shapeOf = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

/** The `type` strings a frame schema stands for: its `type` property's literal, or each literal of a union of them. */
export function frameTypes(schema: TSchema): string[] {
  const type = (schema as { properties?: Record<string, TSchema> }).properties?.type;
  if (!type) return [];
  const literals: TSchema[] = type.anyOf ?? [type];
  return literals.every((l) => typeof l.const === 'string') ? literals.map((l) => l.const as string) : [];
}

/** `message.send` → `messageSend`: the ids of messages and operations. */
const idOf = (type: string) => type.replace(/[.-](\w)/g, (_, c: string) => c.toUpperCase());
const capitalized = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/**
 * The models the frames carry (Session, Message, Person…), named: a sub-schema equal to one of the protocol's
 * exported object or union schemas becomes a `$ref` to it under components.schemas, so generated clients get names.
 */
function namedSchemas(frames: ReadonlySet<unknown>) {
  const byShape = new Map<string, string>();
  for (const [name, value] of Object.entries(protocol)) {
    const schema = value as TSchema;
    if (frames.has(value) || typeof value !== 'object' || value === null || !(schema.type === 'object' || Array.isArray(schema.anyOf))) continue;
    if (name === 'ClientFrame' || name === 'ServerEvent') continue;
    const shape = shapeOf(plain(schema));
    if (!byShape.has(shape)) byShape.set(shape, name);
  }
  const components: JsonObject = {};
  /** `schema` with every named sub-schema (but itself) replaced by a `$ref`, adding what it names to `components`. */
  const refine = (schema: Json, top: boolean): Json => {
    if (Array.isArray(schema)) return schema.map((s) => refine(s, false));
    if (schema === null || typeof schema !== 'object') return schema;
    const name = top ? undefined : byShape.get(shapeOf(schema));
    if (name) {
      if (!(name in components)) {
        components[name] = {};
        components[name] = refine(schema, true);
      }
      return { $ref: `#/components/schemas/${name}` };
    }
    return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, refine(value, false)]));
  };
  return { components, refine: (schema: unknown, top = true) => refine(plain(schema), top) };
}

/** Each frame of a union, one entry per `type` string (a schema whose `type` is a union of literals gives several). */
function framesOf(union: TSchema, descriptions: Record<string, string>) {
  return (union.anyOf as TSchema[]).flatMap((schema) =>
    frameTypes(schema).map((type) => {
      const payload = plain(schema) as JsonObject;
      payload.properties = { ...(payload.properties as JsonObject), type: { type: 'string', const: type } };
      return { type, schema, payload, description: descriptions[type] ?? '' };
    }),
  );
}

const closeCodeRows = () =>
  Object.entries(protocol.CLOSE_CODES).map(([name, code]) => ({
    code,
    name,
    description: protocol.CLOSE_CODE_DESCRIPTIONS[name as keyof typeof protocol.CLOSE_CODES],
    reconnect: !protocol.FATAL_CLOSE_CODES.includes(code),
  }));

/** The document, for a server at `publicUrl` (its `servers` entry; everything else is the same for every server). */
export function buildAsyncApiDocument(publicUrl: string = DOCUMENT_URL): JsonObject & { asyncapi: '3.0.0' } {
  const client = framesOf(protocol.ClientFrame, protocol.CLIENT_FRAME_DESCRIPTIONS);
  const server = framesOf(protocol.ServerEvent, protocol.SERVER_EVENT_DESCRIPTIONS);
  const named = namedSchemas(new Set([...client, ...server].map((f) => f.schema)));
  const messages: JsonObject = {};
  const channelMessages: JsonObject = {};
  const operations: JsonObject = {};
  for (const [action, frames] of [
    ['receive', client],
    ['send', server],
  ] as const) {
    for (const frame of frames) {
      const id = idOf(frame.type);
      if (id in messages) throw new Error(`two frames share the id ${id}`);
      messages[id] = {
        name: frame.type,
        title: frame.type,
        summary: `${action === 'receive' ? 'Client → server' : 'Server → client'}: ${frame.type}`,
        description: frame.description,
        contentType: 'application/json',
        payload: named.refine(frame.payload),
      };
      channelMessages[id] = { $ref: `#/components/messages/${id}` };
      operations[`${action}${capitalized(id)}`] = {
        action,
        channel: { $ref: '#/channels/socket' },
        summary: frame.description.split(/(?<=\.)\s/)[0]!,
        messages: [{ $ref: `#/channels/socket/messages/${id}` }],
      };
    }
  }
  const url = new URL(publicUrl);
  const closeCodes = closeCodeRows();
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'MedChat WebSocket API',
      version: '1',
      description: [
        'The socket a MedChat client (the widget, the staff console, the SDK) keeps open: JSON text frames, one object each, with a `type`.',
        'The HTTP API is described by the OpenAPI document at `/openapi/json`; errors use the codes of its error table.',
        '',
        'Each client frame may carry a `ref` (1 to 64 characters); the server answers it with `ack` or `error` carrying the same `ref`.',
        'Staff sockets receive `employee.*`, `availability.changed` and `queue.changed` for their clinic without subscribing; patients receive `session.*` of their own sessions without subscribing.',
        '',
        '## Close codes',
        '',
        '| code | name | reconnect? | meaning |',
        '|---|---|---|---|',
        ...closeCodes.map((c) => `| ${c.code} | ${c.name} | ${c.reconnect ? 'yes' : 'no'} | ${c.description} |`),
      ].join('\n'),
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      medchat: {
        host: url.host,
        protocol: url.protocol === 'https:' ? 'wss' : 'ws',
        description: 'This MedChat server; serve it over TLS (wss) in production.',
      },
    },
    channels: {
      socket: {
        address: SOCKET_PATH,
        title: 'The MedChat socket',
        description:
          'Open with `GET /api/v1/socket?ticket=<ticket>`, the ticket from `POST /api/v1/socket/ticket` (one upgrade within 30 s; a bearer token in the URL is refused). A bad ticket is refused with 401 and a patient page origin not on the clinic allowlist with 403, both before the upgrade. The server sends `hello` first.',
        servers: [{ $ref: '#/servers/medchat' }],
        messages: channelMessages,
        bindings: {
          ws: {
            method: 'GET',
            query: {
              type: 'object',
              required: ['ticket'],
              properties: { ticket: { type: 'string', description: 'A single-use ticket from `POST /api/v1/socket/ticket`.' } },
            },
            bindingVersion: '0.1.0',
          },
        },
        'x-close-codes': closeCodes,
      },
    },
    operations,
    components: { messages, schemas: named.components },
  };
}

/** The committed document's text: what `bun run asyncapi` writes to docs/asyncapi.json. */
export const asyncApiText = () => `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`;

export const ASYNCAPI_FILE = new URL('../../../../docs/asyncapi.json', import.meta.url).pathname;

/** `GET /asyncapi/json`: the document for this server (its public URL), built once. */
export function asyncApiRoute(ctx: AppContext) {
  const document = buildAsyncApiDocument(ctx.config.publicUrl);
  return new Elysia({ name: 'asyncapi' }).get('/asyncapi/json', () => document, {
    response: t.Object({ asyncapi: t.Literal('3.0.0') }, { additionalProperties: t.Unknown() }),
    detail: {
      // A document about the API, like /openapi/json: not an operation of it.
      hide: true,
      tags: ['docs'],
      summary: 'The WebSocket API (AsyncAPI 3)',
      description:
        'Every client and server frame of `/api/v1/socket` with its schema, and every close code, as an AsyncAPI 3 document (also in the repository: docs/asyncapi.json).',
    },
  });
}

if (import.meta.main) {
  await Bun.write(ASYNCAPI_FILE, asyncApiText());
  console.log(`wrote ${ASYNCAPI_FILE}`);
}
