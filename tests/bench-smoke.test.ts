/**
 * The benchmark suite in quick mode, end to end: `bun run bench/run.ts --quick` as a subprocess on Postgres.
 * It must exit 0 and write bench-results/latest.json with every row (a row may say "not measured: why" on a
 * machine that cannot open enough sockets, but it must be there). Needs Postgres: skipped without
 * TEST_DATABASE_URL. The figures are a report, not a gate: no threshold is asserted here.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dir, '..');
const onPostgres = !!process.env.TEST_DATABASE_URL;

const EXPECTED_ROWS = [
  ...['small', 'large'].flatMap((t) => ['throughput', 'cpu', 'latency_p50', 'latency_p95', 'latency_p99'].map((m) => `chat.${t}.${m}`)),
  'memory.idle_socket',
  'uploads.throughput',
  'uploads.rss_growth',
  ...[1, 2].flatMap((k) => ['time_to_all', 'lag_max', 'rate', 'double', 'spread'].map((m) => `assign.${k}.${m}`)),
  ...['notify', 'nats'].flatMap((bus) => [2, 4].flatMap((k) => ['throughput', 'p99', 'pg_cpu'].map((m) => `instances.${bus}.${k}.${m}`))),
  'reports.year_by_day',
  'reports.month_by_hour',
  'bundle.sdk.min',
  'bundle.sdk.gzip',
  'bundle.sdk_admin.min',
  'bundle.sdk_admin.gzip',
  'bundle.widget.min',
  'bundle.widget.gzip',
  'bundle.widget_loader.min',
  'bundle.widget_loader.gzip',
  'widget.open.cold',
  'widget.open.warm',
];

describe.skipIf(!onPostgres)('bench --quick', () => {
  test(
    'runs every row and writes the JSON report',
    async () => {
      const file = join(root, 'bench-results', 'latest.json');
      const before = existsSync(file) ? statSync(file).mtimeMs : 0;
      const proc = Bun.spawn([process.execPath, 'run', 'bench/run.ts', '--quick'], {
        cwd: root,
        env: { ...process.env, TEST_DATABASE_URL: process.env.TEST_DATABASE_URL },
        stdout: 'pipe',
        stderr: 'pipe',
      });
      const timer = setTimeout(() => proc.kill('SIGKILL'), 300_000);
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      clearTimeout(timer);
      if (code !== 0) console.error(stdout.slice(-3000), stderr.slice(-3000));
      expect(code).toBe(0);
      expect(stdout).toContain('| row');
      expect(statSync(file).mtimeMs).toBeGreaterThan(before);

      const report = JSON.parse(readFileSync(file, 'utf8'));
      expect(report.mode).toBe('quick');
      const ids = report.rows.map((r: { id: string }) => r.id);
      for (const id of EXPECTED_ROWS) expect(ids).toContain(id);
      for (const row of report.rows) {
        // Each row is either a figure or says why it is missing.
        if (row.notMeasured) expect(typeof row.notMeasured).toBe('string');
        else expect(row.value === null || typeof row.value === 'number').toBe(true);
        expect([true, false, null]).toContain(row.met);
      }
      // Bundle sizes need no server: they are always measured unless a build is broken.
      expect(report.rows.filter((r: { notMeasured?: string }) => !r.notMeasured).length).toBeGreaterThan(0);
    },
    { timeout: 320_000 },
  );
});
