/**
 * The SDK as npm publishes it, type-checked by a consumer that has TypeScript and nothing else (no TypeBox):
 * `npm pack` with no build first (prepack builds dist/), the tarball installed in an empty project, and strict
 * `tsc` with and without `skipLibCheck`. Correct use compiles; a wrong type is refused, so the models are real
 * types and never a silent `any`. Offline: the SDK has no dependencies, and TypeScript is linked from this
 * repository. sdk/scripts/pack-smoke.ts loads the same tarball under Node and Bun.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dir, '..', '..');
/** No database here: it runs once, in the embedded-database pass of `npm test`, not again on Postgres. */
const onPostgres = !!process.env.TEST_DATABASE_URL;
const work = mkdtempSync(join(tmpdir(), 'medchat-sdk-package-'));
const app = join(work, 'app');

function run(cmd: string[], cwd: string) {
  const result = Bun.spawnSync(cmd, { cwd, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, npm_config_loglevel: 'error' } });
  return { code: result.exitCode, out: result.stdout.toString() + result.stderr.toString() };
}

beforeAll(() => {
  if (onPostgres) return;
  // As on a fresh clone: no dist/ left by an earlier build, so only `prepack` can put code in the tarball.
  rmSync(join(root, 'sdk', 'dist'), { recursive: true, force: true });
  const packed = run(['npm', 'pack', '--pack-destination', work], join(root, 'sdk'));
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.out}`);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball:\n${packed.out}`);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const installed = run(['npm', 'install', '--offline', '--no-audit', '--no-fund', join(work, tarball)], app);
  if (installed.code !== 0) throw new Error(`npm install failed:\n${installed.out}`);
  symlinkSync(join(root, 'node_modules', 'typescript'), join(app, 'node_modules', 'typescript'), 'dir');

  writeFileSync(
    join(app, 'good.mts'),
    `import { MedChat, isMedChatError, type Message, type Session } from '@medchat/sdk';
import { ERRORS } from '@medchat/sdk/protocol';
const client = new MedChat({ baseUrl: 'http://localhost:3000' });
export async function send(sessionId: string): Promise<number> {
  const message: Message = await client.chat(sessionId).send('hello');
  const body: string | null = message.body;
  return message.seq + (body?.length ?? 0);
}
export const status = (s: Session): 'waiting' | 'active' | 'idle' | 'ended' => s.status;
export const retryable: boolean = ERRORS.session_ended.retryable && isMedChatError(null);
`,
  );
  // The entries: the patient's client has no staff resources, the staff entry's is the root's.
  writeFileSync(
    join(app, 'entries.mts'),
    `import { MedChatPatient, type QueueStatus } from '@medchat/sdk/patient';
import { MedChat as Staff, type QueueEntry } from '@medchat/sdk/staff';
import { MedChat } from '@medchat/sdk';
const patient = new MedChatPatient({ baseUrl: 'http://localhost:3000' });
export const wait = (id: string): Promise<QueueStatus> => patient.sessions.queue(id);
// @ts-expect-error: the patient's client has no staff resources.
export const noQueue = patient.queue;
export const staff: MedChat = new Staff({ baseUrl: 'http://localhost:3000' });
export const waiting = (): Promise<QueueEntry[]> => staff.queue.list();
`,
  );
  // The admin entry: on a staff client, typed from the protocol; the root does not carry it.
  writeFileSync(
    join(app, 'admin.mts'),
    `import { MedChat } from '@medchat/sdk';
import { MedChatAdmin, type ClinicSettings, type ReportCsv, type WebhookDelivery, type WebhookEndpointWithSecret } from '@medchat/sdk/admin';
const admin = new MedChatAdmin(new MedChat({ baseUrl: 'http://localhost:3000' }));
export const off = (): Promise<ClinicSettings> => admin.settings.update({ firstReplySeconds: null, awayTimeoutMinutes: 15 });
export const csv = (): Promise<ReportCsv> => admin.reports.csv({ from: '2026-03-02', to: '2026-03-08', table: 'employees' });
export const hook = (): Promise<WebhookEndpointWithSecret> => admin.webhooks.create({ url: 'https://x.example/h', events: ['session.ended'] });
export const latency = (d: WebhookDelivery): number | null => d.lastLatencyMs;
// @ts-expect-error: the root entry does not export the admin client.
export { MedChatAdmin as Nope } from '@medchat/sdk';
`,
  );
  // The staff extras entry: notes and quick replies on a staff client; the note frames are typed on the client's events.
  writeFileSync(
    join(app, 'notes.mts'),
    `import { MedChat } from '@medchat/sdk';
import { MedChatNotes, type Note, type QuickReply } from '@medchat/sdk/notes';
const client = new MedChat({ baseUrl: 'http://localhost:3000' });
const extras = new MedChatNotes(client);
export const write = (): Promise<Note> => extras.notes.create('s', { body: 'Allergic', mentions: ['u'] });
export const replies = (): Promise<QuickReply[]> => extras.quickReplies.list();
export const off = client.on('note.mentioned', (e) => void (e.note.author.displayName satisfies string));
// @ts-expect-error: the root entry does not export the notes client.
export { MedChatNotes as Nope } from '@medchat/sdk';
`,
  );
  writeFileSync(
    join(app, 'admin.cts'),
    `import { MedChat } from '@medchat/sdk';
import { MedChatAdmin, type Report } from '@medchat/sdk/admin';
export const report = (): Promise<Report> => new MedChatAdmin(new MedChat({ baseUrl: 'http://x' })).reports.get({ from: '2026-03-02', to: '2026-03-02' });
`,
  );
  // The records entry: files for a chart, typed; the bulk export is an async iterable of FHIR resources.
  writeFileSync(
    join(app, 'records.mts'),
    `import { MedChat } from '@medchat/sdk';
import { MedChatRecords, type FhirBundle, type FhirResource, type RecordFile } from '@medchat/sdk/records';
const records = new MedChatRecords(new MedChat({ baseUrl: 'http://localhost:3000' }));
export const pdf = (id: string): Promise<RecordFile> => records.transcript(id, 'pdf');
export const bundle = (id: string): Promise<FhirBundle> => records.fhirBundle(id, { includeNotes: true });
export async function count(): Promise<number> {
  let n = 0;
  for await (const r of records.fhirExport({ from: '2026-03-01T00:00:00Z' })) n += (r satisfies FhirResource).resourceType === 'Encounter' ? 1 : 0;
  return n;
}
// @ts-expect-error: a transcript is text or PDF.
export const docx = (id: string) => records.transcript(id, 'docx');
`,
  );
  writeFileSync(
    join(app, 'records.cts'),
    `import { MedChat } from '@medchat/sdk';
import { MedChatRecords, type RecordFile } from '@medchat/sdk/records';
export const text = (id: string): Promise<RecordFile> => new MedChatRecords(new MedChat({ baseUrl: 'http://x' })).transcript(id);
`,
  );
  writeFileSync(
    join(app, 'good.cts'),
    `import { MedChat, type Message } from '@medchat/sdk';
export const seq = (m: Message): number => m.seq;
export const client = new MedChat({ baseUrl: 'http://localhost:3000' });
`,
  );
  writeFileSync(
    join(app, 'bad.mts'),
    `import type { Message } from '@medchat/sdk';
declare const m: Message;
export const x: string = m.seq;
`,
  );
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function tsc(skipLibCheck: boolean, files: string[]) {
  const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom'];
  return run(['node', join(app, 'node_modules', 'typescript', 'bin', 'tsc'), ...args, '--skipLibCheck', String(skipLibCheck), ...files], app);
}

describe.skipIf(onPostgres)('the packed SDK, type-checked by a consumer without TypeBox', () => {
  test('the tarball carries its code and types, and the consumer has no TypeBox', () => {
    for (const file of [
      'index.js',
      'index.cjs',
      'index.d.ts',
      'index.d.cts',
      'patient.js',
      'patient.d.ts',
      'staff.js',
      'staff.d.ts',
      'admin.js',
      'admin.cjs',
      'admin.d.ts',
      'admin.d.cts',
      'notes.js',
      'notes.cjs',
      'notes.d.ts',
      'notes.d.cts',
      'records.js',
      'records.cjs',
      'records.d.ts',
      'records.d.cts',
      'protocol.js',
      'protocol.d.ts',
    ]) {
      expect(existsSync(join(app, 'node_modules', '@medchat', 'sdk', 'dist', file))).toBe(true);
    }
    expect(existsSync(join(app, 'node_modules', '@sinclair', 'typebox'))).toBe(false);
  });

  test('the admin entry loads under Node by import and require, with no TypeBox, and only from its own path', () => {
    const check = (load: string) => `${load}
const client = new sdk.MedChat({ baseUrl: 'http://localhost:1' });
const admin = new entry.MedChatAdmin(client);
if ('MedChatAdmin' in sdk || typeof admin.webhooks.replay !== 'function') throw new Error('admin surface');
admin.settings.get().then(() => process.exit(1), (e) => console.log(sdk.isMedChatError(e) && e.code));
`;
    writeFileSync(join(app, 'admin-run.mjs'), check(`import * as sdk from '@medchat/sdk';\nimport * as entry from '@medchat/sdk/admin';`));
    writeFileSync(join(app, 'admin-run.cjs'), check(`const sdk = require('@medchat/sdk');\nconst entry = require('@medchat/sdk/admin');`));
    for (const file of ['admin-run.mjs', 'admin-run.cjs']) expect({ [file]: run(['node', file], app).out.trim() }).toEqual({ [file]: 'connection_error' });
  });

  test('the records entry loads under Node by import and require, and only from its own path', () => {
    const check = (load: string) => `${load}
const records = new entry.MedChatRecords(new sdk.MedChat({ baseUrl: 'http://localhost:1' }));
if ('MedChatRecords' in sdk || typeof records.fhirExport !== 'function') throw new Error('records surface');
records.transcript('x', 'pdf').then(() => process.exit(1), (e) => console.log(sdk.isMedChatError(e) && e.code));
`;
    writeFileSync(join(app, 'records-run.mjs'), check(`import * as sdk from '@medchat/sdk';\nimport * as entry from '@medchat/sdk/records';`));
    writeFileSync(join(app, 'records-run.cjs'), check(`const sdk = require('@medchat/sdk');\nconst entry = require('@medchat/sdk/records');`));
    for (const file of ['records-run.mjs', 'records-run.cjs']) expect({ [file]: run(['node', file], app).out.trim() }).toEqual({ [file]: 'connection_error' });
  });

  for (const skipLibCheck of [false, true]) {
    test(`skipLibCheck ${skipLibCheck}: correct use compiles (import and require, each entry), and \`const x: string = m.seq\` is refused`, () => {
      const good = tsc(skipLibCheck, ['good.mts', 'good.cts', 'entries.mts', 'admin.mts', 'admin.cts', 'notes.mts', 'records.mts', 'records.cts']);
      expect(good.out).toBe('');
      expect(good.code).toBe(0);
      const bad = tsc(skipLibCheck, ['bad.mts']);
      expect(bad.code).not.toBe(0);
      expect(bad.out).toContain("bad.mts(3,14): error TS2322: Type 'number' is not assignable to type 'string'.");
      expect(bad.out.trim().split('\n')).toHaveLength(1);
    }, 120_000);
  }
});
