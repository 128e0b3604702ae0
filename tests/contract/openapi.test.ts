/**
 * The OpenAPI document is the contract a clinic's developer codes against. This test holds it to that, offline:
 * a standard validator and a linter (rules in ./redocly.yaml) accept it; every route of the app is in it with its
 * statuses, or hidden on purpose, so a route added later must document itself; a client generated from it
 * compiles under strict `tsc`; and the server answers each operation with statuses and codes the document lists.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { lintFromString, loadConfig } from '@redocly/openapi-core';
import * as protocol from '@medchat/sdk/protocol';
import type { ErrorBody } from '@medchat/sdk/protocol';
import { Value } from '@sinclair/typebox/value';
import openapiTS, { astToString } from 'openapi-typescript';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSite } from '../../server/src/demo-site';
import { documentPath, hooksOf, isHidden } from '../../server/src/modules/openapi/document';
import { EXAMPLES } from '../../server/src/modules/openapi/examples';
import { useTestApp } from '../helpers/app';

// Generous: a loaded 2-core machine is slow (the generated client is type-checked), and nothing here asserts on time.
setDefaultTimeout(120_000);

type Operation = {
  operationId: string;
  summary?: string;
  security: Array<Record<string, string[]>>;
  requestBody?: { required: boolean; content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string }; examples?: Record<string, unknown> }> }>;
};

const t = useTestApp();
let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { examples?: unknown[] }> } };
const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

beforeAll(async () => {
  // The demo's pages join the app as `npm start` adds them: they must stay out of the API's document.
  t.app.use(await demoSite(() => 'http://localhost'));
  doc = (await t.call('GET', '/openapi/json')).body;
});

describe('standard tools accept the document', () => {
  test('the validator', async () => {
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  test('the linter, with the checked-in rules: no error and no warning', async () => {
    const config = await loadConfig({ configPath: join(import.meta.dir, 'redocly.yaml') });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: join(import.meta.dir, 'openapi.json'), config });
    expect(problems.map((p) => `${p.ruleId} ${p.message} ${p.location[0]?.pointer ?? ''}`)).toEqual([]);
  });

  test('a client generated from it compiles under strict tsc, with the protocol’s names and types', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'medchat-openapi-'));
    try {
      await writeFile(join(dir, 'api.ts'), astToString(await openapiTS(structuredClone(doc) as never)));
      await writeFile(
        join(dir, 'use.ts'),
        [
          "import type { components, paths } from './api';",
          "type Session = components['schemas']['Session'];",
          "type Started = paths['/api/v1/sessions']['post']['responses'][201]['content']['application/json'];",
          "type NotFound = paths['/api/v1/sessions/{id}']['get']['responses'][404]['content']['application/json'];",
          "type Body = NonNullable<paths['/api/v1/sessions/{id}/messages']['post']['requestBody']>['content']['application/json'];",
          'export function use(started: Started, missing: NotFound): Session {',
          '  const seq: number = started.lastSeq;',
          "  const body: Body = { clientMsgId: 'm1', body: `seq ${seq}` };",
          '  // @ts-expect-error an integer is a number in the generated types, never a string',
          '  const wrong: string = started.lastSeq;',
          '  const code: string = missing.error.code;',
          '  return { ...started, reason: `${body.body} ${code} ${wrong}` };',
          '}',
        ].join('\n'),
      );
      const tsc = Bun.spawn(
        [
          process.execPath,
          require.resolve('typescript/bin/tsc'),
          ...['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--lib', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler'],
          join(dir, 'use.ts'),
        ],
        { stdout: 'pipe', stderr: 'pipe' },
      );
      const out = await new Response(tsc.stdout).text();
      expect({ code: await tsc.exited, out }).toEqual({ code: 0, out: '' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('every route is documented or hidden on purpose', () => {
  test('each route the app has is an operation with a summary, a success and its errors, or is hidden (never an API route)', () => {
    const problems: string[] = [];
    for (const route of t.app.routes) {
      const where = `${route.method} ${route.path}`;
      if (isHidden(route)) {
        if (route.path.startsWith('/api/')) problems.push(`${where}: API routes are never hidden`);
        continue;
      }
      const detail = hooksOf(route).detail ?? {};
      const op = doc.paths[documentPath(route.path)]?.[route.method.toLowerCase()];
      if (!op) problems.push(`${where}: not in the document`);
      if (!detail.summary) problems.push(`${where}: no detail.summary`);
      // Its own errors, even none: `detail: { responses: errors(…) }` (modules/openapi/responses.ts), or `hide: true`.
      if (!detail.responses) problems.push(`${where}: no detail.responses (document its errors with errors(…), or hide it)`);
      const statuses = Object.keys(op?.responses ?? {});
      if (!statuses.some((s) => s.startsWith('2'))) problems.push(`${where}: no 2xx answer`);
      if (route.path.startsWith('/api/') && !statuses.some((s) => s.startsWith('4'))) problems.push(`${where}: no 4xx answer`);
    }
    expect(problems).toEqual([]);
  });

  test('the socket, the demo pages and the widget script are not API operations; no path ends with a slash', () => {
    const paths = Object.keys(doc.paths);
    expect(paths.filter((p) => !p.startsWith('/api/v1/') && !['/healthz', '/readyz'].includes(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('/'))).toEqual([]);
    expect(t.app.routes.some((r) => r.path.startsWith('/console'))).toBe(true);
  });

  test('guarded operations name the bearer scheme with their roles, others none; each lists 401 and 429 for it', () => {
    for (const { path, method, op } of operations()) {
      const route = t.app.routes.find((r) => r.method === method && documentPath(r.path) === path)!;
      const guarded =
        path.startsWith('/api/') && !/^\/api\/v1\/(auth\/(login|guest|identify|resume)|clinics\/\{siteKey\}|attachments\/\{id\}\/content)$/.test(path);
      expect({ [`${method} ${path}`]: op.security.length > 0 }).toEqual({ [`${method} ${path}`]: guarded });
      if (guarded) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '429']));
      expect(op.security).toEqual(hooksOf(route).detail?.security ?? []);
    }
  });
});

describe('what the document says', () => {
  test('request bodies are JSON only; every error answer is the Error envelope', () => {
    for (const { path, method, op } of operations()) {
      if (op.requestBody) expect({ [`${method} ${path}`]: Object.keys(op.requestBody.content) }).toEqual({ [`${method} ${path}`]: ['application/json'] });
      for (const [status, answer] of Object.entries(op.responses))
        if (Number(status) >= 400 && path.startsWith('/api/'))
          expect(answer.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
  });

  test('the wire contract’s models are named components, with examples that fit the protocol’s own schemas', () => {
    const schemas = doc.components.schemas;
    for (const name of ['Session', 'Message', 'MessagePage', 'Employee', 'ClinicPublic', 'ClinicSettings', 'Me', 'AuthResult', 'Error', 'SessionStartParams'])
      expect({ [name]: schemas[name]?.examples?.length }).toEqual({ [name]: 1 });
    expect(doc.paths['/api/v1/sessions']!.post!.responses['201']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Session' });
    const named = protocol as unknown as Record<string, Parameters<typeof Value.Check>[0]>;
    for (const [name, example] of Object.entries(EXAMPLES)) {
      const schema = named[name === 'Error' ? 'ErrorEnvelope' : name];
      expect({ [name]: schema && [...Value.Errors(schema, example)].map((e) => `${e.path} ${e.message}`) }).toEqual({ [name]: [] });
    }
    // The envelope's schema and the SDK's plain type are one shape.
    const body: ErrorBody = EXAMPLES.Error as protocol.ErrorEnvelope;
    expect(body.error.code).toBe('session_not_found');
  });

  test('integers are published as integers, never as strings with a format', () => {
    const strings: string[] = [];
    const walk = (value: unknown, where: string) => {
      if (!value || typeof value !== 'object') return;
      const v = value as Record<string, unknown>;
      if (v.format === 'integer' || (v.type === 'string' && typeof v.default === 'number')) strings.push(where);
      for (const [key, child] of Object.entries(v)) walk(child, `${where}/${key}`);
    };
    walk(doc, '#');
    expect(strings).toEqual([]);
  });
});
