/** Rows of the report: a figure beside its floor, the ratio, and the target met or not. */

export type Unit = 'msgs/s' | 'ms' | 'µs' | 'KB' | 'MB' | 'MB/s' | 'count' | 'assignments/s';

export interface Row {
  id: string;
  label: string;
  unit: Unit;
  value: number | null;
  floor: number | null;
  floorLabel: string;
  /** value ÷ floor */
  ratio: number | null;
  target: string;
  /** true met, false falls short, null no target for this row */
  met: boolean | null;
  note?: string;
  /** set when the row could not be measured */
  notMeasured?: string;
}

const fmt = (n: number | null, unit: Unit) => {
  if (n === null || !Number.isFinite(n)) return '–';
  const digits = unit === 'KB' ? 2 : unit === 'count' ? 0 : unit === 'ms' ? (n < 100 ? 1 : 0) : n < 10 ? 1 : 0;
  if (unit === 'count') return n.toLocaleString('en-US');
  return `${n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
};

export function verdict(row: Row) {
  if (row.notMeasured) return `not measured: ${row.notMeasured}`;
  return row.met === null ? '' : row.met ? 'met' : 'falls short';
}

export function renderTable(rows: Row[]): string {
  const head = ['row', 'figure', 'floor', 'ratio', 'target', 'verdict'];
  const body = rows.map((r) => [
    r.label,
    r.notMeasured ? '–' : fmt(r.value, r.unit),
    r.floor === null ? '–' : r.floorLabel ? `${fmt(r.floor, r.unit)} (${r.floorLabel})` : fmt(r.floor, r.unit),
    r.ratio === null || !Number.isFinite(r.ratio) ? '–' : `${r.ratio.toFixed(2)}×`,
    r.target,
    verdict(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export function notes(rows: Row[]): string {
  return rows
    .filter((r) => r.note)
    .map((r) => `- ${r.label}: ${r.note}`)
    .join('\n');
}
