/**
 * What every section of the suite shares: the command line, the parameters of the mode, the targets, the progress
 * line, the rows of the report and the clean-ups run at the end (or on Ctrl-C).
 */
import { parseArgs } from 'node:util';
import { killAll, seedDatabase } from './procs';
import type { Row, Unit } from './report';
import { withTimeout } from './util';

process.env.TEST_DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
const { createTestDatabase } = await import('../../tests/helpers/database');

const { values: args } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    /** Small figures, under a minute: what tests/bench-smoke.test.ts runs. */
    quick: { type: 'boolean', default: false },
    /** `--only=chat,memory,uploads,assign,instances,bundles,reports` runs some sections; the others are reported as skipped. */
    only: { type: 'string' },
    /**
     * `--rate=5` offers 5 msgs/s per session in both latency rows (the large one offers half the persisted
     * throughput measured in the run otherwise), to see where the latency turns.
     */
    rate: { type: 'string' },
  },
});

export const quick = args.quick === true;
const only = args.only?.split(',');
export const SECTIONS = ['bundles', 'chat', 'memory', 'uploads', 'assign', 'instances', 'reports', 'widget'] as const;
for (const name of only ?? []) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: unknown section ${name} (${SECTIONS.join(', ')})`);
export const wanted = (name: (typeof SECTIONS)[number]) => !only || only.includes(name);

export const P = quick
  ? {
      small: 20,
      large: 100,
      perSessionRate: 10,
      throughputMs: 1500,
      warmupMs: 300,
      latencyMs: 1500,
      drainMs: 3000,
      window: 4,
      idle: 500,
      idleWarm: 50,
      idleSettleMs: 2000,
      assign: 100,
      assignEmployees: 10,
      holdMin: 50,
      holdMax: 150,
      assignTimeout: 30_000,
      loadMaxMs: 60_000,
      reportSessions: 5000,
      uploads: 8,
      uploadPhotoBytes: 5 * 2 ** 20,
      instanceSessions: 40,
      instanceRate: 100,
      instanceThroughputMs: 1000,
      instanceWarmupMs: 300,
      instanceLatencyMs: 1000,
    }
  : {
      small: 100,
      large: 1000,
      perSessionRate: 10,
      throughputMs: 5000,
      warmupMs: 2000,
      latencyMs: 5000,
      drainMs: 5000,
      window: 4,
      idle: 10_000,
      idleWarm: 200,
      idleSettleMs: 15_000,
      assign: 1000,
      assignEmployees: 50,
      holdMin: 100,
      holdMax: 300,
      assignTimeout: 60_000,
      loadMaxMs: 180_000,
      reportSessions: 100_000,
      uploads: 50,
      uploadPhotoBytes: 5 * 2 ** 20,
      instanceSessions: 400,
      instanceRate: 500,
      instanceThroughputMs: 5000,
      instanceWarmupMs: 2000,
      instanceLatencyMs: 5000,
    };
const rateArg = Number(args.rate);
/** Set by `--rate`: the large latency row then offers this per session instead of half the measured capacity. */
export const rateOverride = rateArg > 0 ? rateArg : null;
export const perSessionRate = rateOverride ?? P.perSessionRate;
/**
 * Every chat and memory target is a ratio to the raw relay measured in the same run, so that it means the same on a
 * fast machine and a slow one: the relay's own figures swing by 2× between runs here.
 */
export const TARGETS = {
  throughputRatio: 0.5,
  cpuRatio: 2,
  /** The large latency row offers this share of MedChat's persisted throughput at that size, measured in the run. */
  latencyLoadShare: 0.5,
  p99Ratio: 3,
  socketMemoryRatio: 2,
  uploadHeldImages: 2,
  assignLagMs: 2000,
  spread: 1,
  sdkGzipKb: 6,
  widgetGzipKb: 25,
};
export const SKIPPED = 'skipped (--only)';

export const ms = (n: number | null | undefined) => (typeof n === 'number' && Number.isFinite(n) ? `${n.toFixed(1)} ms` : '–');

// ---------------------------------------------------------------- progress
const tty = process.stderr.isTTY;
let section = '';
let lastLine = '';
export function progress(text: string) {
  const line = `[bench${quick ? ' --quick' : ''}] ${section}${text ? ` — ${text}` : ''}`;
  if (line === lastLine) return;
  lastLine = line;
  if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
  else process.stderr.write(`${line}\n`);
}
export function begin(name: string) {
  section = name;
  progress('');
}
export function endProgress() {
  if (tty) process.stderr.write('\r\x1b[K');
}

// ---------------------------------------------------------------- rows
export type RowSpec = { id: string; label: string; unit: Unit; target: string; floorLabel: string };
export const rows: Row[] = [];
export function row(r: Omit<Row, 'ratio'> & { ratio?: number | null }) {
  const ratio = r.ratio !== undefined ? r.ratio : r.value !== null && r.floor !== null && r.floor !== 0 ? r.value / r.floor : null;
  rows.push({ ...r, ratio });
}
/** Every row of a section that is not there yet, as "not measured" with the reason. */
export function failRows(specs: RowSpec[], why: string) {
  for (const s of specs) if (!rows.some((r) => r.id === s.id)) rows.push({ ...s, value: null, floor: null, ratio: null, met: null, notMeasured: why });
}

// ---------------------------------------------------------------- clean-ups
const cleanups: Array<() => Promise<void>> = [];
export async function cleanup() {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    killAll();
    void cleanup().finally(() => process.exit(130));
  });

/** A new Postgres database with the schema and the demo clinic, dropped by cleanup(). */
export async function freshDatabase() {
  const db = await withTimeout(createTestDatabase(), 20_000, 'creating the database');
  cleanups.push(() => db.drop());
  await seedDatabase(db.url!);
  return db;
}
