/**
 * docs/operations/: the alert rules pass Prometheus's own checker (`promtool check rules`) and their unit tests
 * (`promtool test rules alerts.test.yml`: the alerts fire on the series they are meant for, with their text); every
 * metric the rules and the Grafana dashboard name exists, and every metric of the registry is explained in
 * metrics.md. promtool comes from Debian's `prometheus` package (`npm test` installs it as root); where it cannot be
 * installed, the promtool tests are skipped with a message saying so, and the name checks still run.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { Metrics } from '../../server/src/lib/metrics';

const root = new URL('../../', import.meta.url).pathname;
const ops = `${root}docs/operations/`;

const promtool = [process.env.PROMTOOL_PATH, '/usr/bin/promtool', '/usr/local/bin/promtool', Bun.which('promtool')].find(
  (p): p is string => !!p && existsSync(p),
);
if (!promtool) console.warn('promtool not found (Debian package "prometheus", or PROMTOOL_PATH): the alert rule checks are skipped');

function run(args: string[], cwd = root) {
  const proc = Bun.spawnSync([promtool!, ...args], { cwd, stdout: 'pipe', stderr: 'pipe' });
  return { code: proc.exitCode, output: `${proc.stdout.toString()}${proc.stderr.toString()}` };
}

/** Names of the registry's metrics as Prometheus sees them, with a histogram's series. */
async function exposedNames() {
  const text = await new Metrics().render(null);
  return new Set(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
      type === 'histogram' ? [name!, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!],
    ),
  );
}

describe('alert rules and dashboard', () => {
  test.skipIf(!promtool)('promtool check rules accepts alerts.yml', () => {
    const { code, output } = run(['check', 'rules', 'docs/operations/alerts.yml']);
    expect(output).toContain('SUCCESS');
    expect(code).toBe(0);
  });

  test.skipIf(!promtool)('promtool test rules: the alerts fire on their series, and not on others', () => {
    const { code, output } = run(['test', 'rules', 'alerts.test.yml'], ops);
    expect(output).toContain('SUCCESS');
    expect(code).toBe(0);
  });

  test('every medchat_ metric named by the rules and the dashboard exists; every one of the registry is documented', async () => {
    const names = await exposedNames();
    const referenced = (file: string) => new Set(readFileSync(ops + file, 'utf8').match(/\bmedchat_[a-z0-9_]+/g) ?? []);
    for (const file of ['alerts.yml', 'dashboard.json']) {
      const unknown = [...referenced(file)].filter((name) => !names.has(name));
      expect({ file, unknown }).toEqual({ file, unknown: [] });
    }
    const documented = readFileSync(`${ops}metrics.md`, 'utf8');
    const own = new Metrics().registry.getMetricsAsArray().map((m) => m.name);
    expect(own.filter((name) => !documented.includes(`\`${name}\``))).toEqual([]);
    const dashboard = JSON.parse(readFileSync(`${ops}dashboard.json`, 'utf8'));
    expect(dashboard.panels.length).toBeGreaterThan(5);
  });
});
