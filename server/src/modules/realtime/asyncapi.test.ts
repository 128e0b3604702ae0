import { describe, expect, test } from 'bun:test';
import { Parser } from '@asyncapi/parser';
import type { TSchema } from '@sinclair/typebox';
import * as protocol from '@medchat/sdk/protocol';
import { useTestApp } from '../../../../tests/helpers/app';
import { ASYNCAPI_FILE, asyncApiText, buildAsyncApiDocument, frameTypes } from './asyncapi';

type Doc = ReturnType<typeof buildAsyncApiDocument> & Record<string, any>;
const doc = buildAsyncApiDocument() as Doc;

/** Every frame schema the protocol exports (an object whose `type` is a literal, or a union of them), by name. */
const exportedFrames = Object.entries(protocol).filter(([, value]) => typeof value === 'object' && value !== null && frameTypes(value as TSchema).length > 0);

describe('the AsyncAPI document of the socket', () => {
  test('is a valid AsyncAPI 3 document (the standard parser, offline: every $ref is inside the document)', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    // Severity 0 is an error, 1 a warning: neither is expected.
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.channels().get('socket')?.address()).toBe('/api/v1/socket');
  }, 60_000);

  test('lists every frame schema the protocol exports, each with its description and payload', () => {
    // A frame added to events.ts later is here too: the names come from the protocol, not from a list in the test.
    expect(exportedFrames.length).toBeGreaterThanOrEqual(20);
    const messages = Object.values(doc.components.messages as Record<string, any>);
    const byName = new Map(messages.map((m) => [m.name as string, m]));
    for (const [exportName, schema] of exportedFrames) {
      for (const type of frameTypes(schema as TSchema)) {
        const message = byName.get(type);
        expect(message, `${exportName} (${type}) is missing from the document`).toBeDefined();
        expect(message.description.length, `${type} has no description`).toBeGreaterThan(10);
        expect(message.payload.properties.type).toEqual({ type: 'string', const: type });
        expect(message.payload.required).toContain('type');
      }
    }
    const types = new Set(exportedFrames.flatMap(([, schema]) => frameTypes(schema as TSchema)));
    expect(messages.map((m) => m.name).sort()).toEqual([...types].sort());
  });

  test('client frames are what the server receives, server frames what it sends', () => {
    const nameOf = (ref: string) => doc.components.messages[ref.split('/').pop()!].name as string;
    const actions = new Map(Object.values(doc.operations as Record<string, any>).map((op) => [nameOf(op.messages[0].$ref), op.action as string]));
    const actionOf = (type: string) => actions.get(type);
    for (const frame of protocol.ClientFrame.anyOf) for (const type of frameTypes(frame)) expect([type, actionOf(type)]).toEqual([type, 'receive']);
    for (const frame of protocol.ServerEvent.anyOf) for (const type of frameTypes(frame)) expect([type, actionOf(type)]).toEqual([type, 'send']);
  });

  test('names the models the frames carry instead of repeating them', () => {
    const schemas = doc.components.schemas as Record<string, unknown>;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['Session', 'Message', 'Person', 'Me', 'Assignment', 'QueueStatus']));
    expect(doc.components.messages.messageCreated.payload.properties.message).toEqual({ $ref: '#/components/schemas/Message' });
    // A message's own fields (its sender) appear once, in the named schema, never inline in a frame.
    expect(JSON.stringify(doc.components.messages)).not.toContain('"sender"');
    expect(JSON.stringify(schemas.Message)).toContain('"sender"');
  });

  test('lists every close code with what a client should do', () => {
    const listed = doc.channels.socket['x-close-codes'] as Array<{ code: number; name: string; description: string; reconnect: boolean }>;
    expect(listed.map((c) => c.code).sort()).toEqual(Object.values(protocol.CLOSE_CODES).sort());
    for (const c of listed) {
      expect(c.description.length).toBeGreaterThan(10);
      expect(c.reconnect).toBe(!protocol.FATAL_CLOSE_CODES.includes(c.code));
      expect(doc.info.description).toContain(`| ${c.code} | ${c.name} |`);
    }
  });

  test('docs/asyncapi.json is the document as built now (run `bun run asyncapi` after changing the protocol)', async () => {
    expect(await Bun.file(ASYNCAPI_FILE).text()).toBe(asyncApiText());
  });
});

describe('GET /asyncapi/json', () => {
  const t = useTestApp();

  test('serves the document, naming this server', async () => {
    const res = await t.call('GET', '/asyncapi/json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.body).toEqual(buildAsyncApiDocument(t.ctx.config.publicUrl));
    expect(res.body.servers.medchat).toMatchObject({ host: new URL(t.ctx.config.publicUrl).host, protocol: 'ws' });
  });

  test('the OpenAPI document points to it from its introduction, and keeps it out of its operations (a document, not one)', async () => {
    const res = await t.call('GET', '/openapi/json');
    expect(res.body.info.description).toContain('AsyncAPI 3 document at `GET /asyncapi/json`');
    expect(res.body.paths['/asyncapi/json']).toBeUndefined();
  });
});
