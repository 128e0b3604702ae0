/**
 * MedChat benchmark suite. `bun run bench/run.ts [--quick] [--only=chat,memory,uploads,assign,instances,bundles,reports,widget] [--rate=5]` (or
 * `npm run bench`, `npm run bench -- --quick`). Real server processes on a fresh Postgres database (created and
 * dropped here), load generators in their own processes on 127.0.0.1, every figure beside its floor measured in the
 * same run. Prints a table and writes bench-results/latest.json. A row that cannot be measured says why; the suite
 * still exits 0. One file per section in sections/; the command line and the shared state in lib/suite.ts.
 * See bench/README.md.
 */
import { mkdirSync } from 'node:fs';
import { ROOT } from './lib/procs';
import { notes, renderTable } from './lib/report';
import { P, SKIPPED, TARGETS, begin, cleanup, endProgress, failRows, freshDatabase, progress, quick, rows, wanted } from './lib/suite';
import { errorText } from './lib/util';
import { assignSpecs, assignment } from './sections/assign';
import { BUNDLE_KINDS, bundleSpecs, bundles } from './sections/bundles';
import { chatSection, chatSpecsAll } from './sections/chat';
import { instanceSpecsAll, instancesSection } from './sections/instances';
import { memory, memorySpec } from './sections/memory';
import { reportSpecs, reportsSection } from './sections/reports';
import { uploadSpecs, uploadsSection } from './sections/uploads';
import { widgetOpenSection, widgetOpenSpecs } from './sections/widget-open';

const startedAt = Date.now();
if (wanted('bundles')) await bundles();
else failRows(BUNDLE_KINDS.flatMap(bundleSpecs), SKIPPED);

let chatDbUrl: string | null = null;
if (wanted('chat') || wanted('memory') || wanted('uploads')) {
  begin('setting up');
  try {
    progress('creating the database');
    chatDbUrl = (await freshDatabase()).url!;
  } catch (error) {
    failRows([...chatSpecsAll(), memorySpec, ...Object.values(uploadSpecs())], errorText(error));
  }
}
if (chatDbUrl && wanted('chat')) await chatSection(chatDbUrl);
else failRows(chatSpecsAll(), SKIPPED);
if (chatDbUrl && wanted('memory')) await memory(chatDbUrl);
else failRows([memorySpec], SKIPPED);
if (chatDbUrl && wanted('uploads')) await uploadsSection(chatDbUrl);
else failRows(Object.values(uploadSpecs()), SKIPPED);
for (const k of [1, 2]) {
  if (wanted('assign')) await assignment(k);
  else failRows(Object.values(assignSpecs(k)), SKIPPED);
}
if (wanted('instances')) await instancesSection();
else failRows(instanceSpecsAll(), SKIPPED);
if (wanted('reports')) await reportsSection();
else failRows(Object.values(reportSpecs()), SKIPPED);
if (wanted('widget')) await widgetOpenSection();
else failRows(widgetOpenSpecs(), SKIPPED);
begin('cleaning up');
await cleanup();
endProgress();

const order = [
  'chat.small',
  'chat.large',
  'memory',
  'uploads',
  'assign.1',
  'assign.2',
  'instances.notify.2',
  'instances.nats.2',
  'instances.notify.4',
  'instances.nats.4',
  'reports',
  'bundle.sdk.',
  'bundle.sdk_admin',
  'bundle.widget',
  'widget.open',
];
rows.sort((a, b) => order.findIndex((p) => a.id.startsWith(p)) - order.findIndex((p) => b.id.startsWith(p)));
const seconds = Math.round((Date.now() - startedAt) / 1000);
const header = `MedChat benchmarks (${quick ? 'quick' : 'full'} mode), ${new Date().toISOString()}, ${navigator.hardwareConcurrency} cores, Bun ${Bun.version}, ${seconds} s`;
console.log(`\n${header}\n\n${renderTable(rows)}\n\nNotes:\n${notes(rows)}\n`);
mkdirSync(`${ROOT}bench-results`, { recursive: true });
await Bun.write(
  `${ROOT}bench-results/latest.json`,
  JSON.stringify(
    {
      mode: quick ? 'quick' : 'full',
      at: new Date().toISOString(),
      seconds,
      machine: { cores: navigator.hardwareConcurrency, bun: Bun.version, platform: process.platform },
      params: P,
      targets: TARGETS,
      rows,
    },
    null,
    2,
  ),
);
console.log('written: bench-results/latest.json');
process.exit(0);
