import type { AssignmentEndReason } from '@medchat/sdk';
import type { MedChatAdmin, Report, ReportParams } from '@medchat/sdk/admin';
import { h, isolate, svg } from './dom';
import { END_REASONS, errorText } from './format';

type Figures = Report['total'];

/** "38 s", "2 min 41 s", "1 h 5 min"; a dash where nothing was measured. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A local date as `YYYY-MM-DD`, what `<input type="date">` holds. */
const isoDate = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** What a row is called: the day, or the hour with the offset only where the clock changed (a repeated hour). */
const rowLabel = (label: string, bucket: Report['bucket'], offsets: Set<string>) =>
  bucket === 'day' ? label : offsets.size > 1 ? label.replace('T', ' ') : label.slice(0, 16).replace('T', ' ');

/** Chart size in its own units; CSS scales it to the width of the page. */
const CHART = { width: 600, height: 160, gap: 2, axis: 14 };

/**
 * Admins only: the clinic's report for a range of days, by day or hour (GET /api/v1/reports), as a bar chart of
 * the chats started, a table of every figure with the range's total, and the chats per employee; the same figures
 * as CSV downloads, through the SDK's admin entry. Loaded when asked for, never on the console's live refreshes:
 * each read is audited.
 */
export class ReportsView {
  readonly element: HTMLElement;
  private readonly from = h('input', { type: 'date', id: 'report-from', required: true });
  private readonly to = h('input', { type: 'date', id: 'report-to', required: true });
  private readonly bucket = h('select', { id: 'report-bucket' }, h('option', { value: 'day' }, 'Per day'), h('option', { value: 'hour' }, 'Per hour'));
  private readonly csv = h('a', { href: '#', class: 'download' }, 'Download CSV');
  private readonly employeesCsv = h('a', { href: '#', class: 'download' }, 'Download employees (CSV)');
  private readonly status = h('p', { role: 'status', class: 'muted' });
  private readonly chart = h('figure', { class: 'report-chart' });
  private readonly table = h('div', { class: 'table-frame', role: 'region', 'aria-labelledby': 'report-table-title', tabindex: 0 });
  private readonly employees = h('tbody');

  constructor(private readonly admin: MedChatAdmin) {
    const today = new Date();
    this.to.value = isoDate(today);
    this.from.value = isoDate(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6));
    const form = h(
      'form',
      { class: 'report-form', 'aria-labelledby': 'reports-title' },
      h('label', { for: 'report-from' }, 'From'),
      this.from,
      h('label', { for: 'report-to' }, 'To'),
      this.to,
      h('label', { for: 'report-bucket' }, 'Rows'),
      this.bucket,
      h('button', { type: 'submit', class: 'primary' }, 'Show report'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.load();
    });
    this.csv.addEventListener('click', (e) => {
      e.preventDefault();
      void this.download('buckets');
    });
    this.employeesCsv.addEventListener('click', (e) => {
      e.preventDefault();
      void this.download('employees');
    });
    this.element = h(
      'section',
      { class: 'reports', 'aria-labelledby': 'reports-title' },
      h('h3', { id: 'reports-title' }, 'Reports'),
      form,
      h('p', { class: 'downloads' }, this.csv, ' ', this.employeesCsv),
      this.status,
      this.chart,
      h('h4', { id: 'report-table-title' }, 'Figures'),
      this.table,
      h('h4', { id: 'report-employees-title' }, 'Chats per employee'),
      h(
        'div',
        { class: 'table-frame', role: 'region', 'aria-labelledby': 'report-employees-title', tabindex: 0 },
        h('table', { 'aria-labelledby': 'report-employees-title' }, head('Employee', 'Chats'), this.employees),
      ),
    );
  }

  private params(): ReportParams {
    return { from: this.from.value, to: this.to.value, bucket: this.bucket.value as ReportParams['bucket'] };
  }

  async load(): Promise<void> {
    this.status.textContent = 'Loading…';
    try {
      const report = await this.admin.reports.get(this.params());
      this.show(report);
      this.status.textContent = `${report.from} to ${report.to}, ${report.bucket === 'day' ? 'per day' : 'per hour'}, in ${report.timeZone} time.`;
    } catch (e) {
      this.status.textContent = `Could not load the report: ${errorText(e)}`;
    }
  }

  /** The CSV as a file: fetched with the token (a plain link cannot send it), then saved through a temporary link. */
  private async download(table: 'buckets' | 'employees'): Promise<void> {
    try {
      const { filename, csv } = await this.admin.reports.csv({ ...this.params(), table });
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const link = h('a', { href: url, download: filename, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      this.status.textContent = `Could not download the report: ${errorText(e)}`;
    }
  }

  private show(report: Report): void {
    const reasons = Object.keys(report.total.endReasons);
    const offsets = new Set(report.buckets.map((b) => b.label.slice(16)));
    const period = report.bucket === 'day' ? 'Day' : 'Hour';
    const cells = (f: Figures) => [
      h('td', {}, f.chatsStarted),
      h('td', {}, f.afterHours),
      h('td', {}, f.urgent),
      h('td', {}, duration(f.firstAssignment.median)),
      h('td', {}, duration(f.firstAssignment.p90)),
      h('td', {}, duration(f.firstReply.median)),
      h('td', {}, duration(f.firstReply.p90)),
      ...reasons.map((r) => h('td', {}, f.endReasons[r] ?? 0)),
    ];
    this.table.replaceChildren(
      h(
        'table',
        { 'aria-labelledby': 'report-table-title', class: 'report-table' },
        head(
          period,
          'Chats started',
          'After hours',
          'Urgent',
          'To an employee, median',
          'To an employee, 90%',
          'To a first reply, median',
          'To a first reply, 90%',
          ...reasons.map((r) => `Ended: ${END_REASONS[r as AssignmentEndReason] ?? r.replaceAll('_', ' ')}`),
        ),
        h(
          'tbody',
          {},
          ...report.buckets.map((b) =>
            h(
              'tr',
              { 'data-bucket': b.label },
              h('th', { scope: 'row' }, h('time', { datetime: b.start }, rowLabel(b.label, report.bucket, offsets))),
              ...cells(b),
            ),
          ),
        ),
        h('tfoot', {}, h('tr', { 'data-bucket': 'total' }, h('th', { scope: 'row' }, 'Total'), ...cells(report.total))),
      ),
    );
    this.employees.replaceChildren(
      ...report.employees.map((e) => h('tr', { 'data-employee-id': e.id }, h('td', {}, isolate(e.displayName)), h('td', {}, e.chats))),
    );
    if (report.employees.length === 0) this.employees.replaceChildren(h('tr', {}, h('td', { colspan: 2 }, 'No chats in this range.')));
    this.chart.replaceChildren(
      chart(report, offsets),
      h('figcaption', { class: 'muted' }, `Chats started per ${period.toLowerCase()}; total ${report.total.chatsStarted}.`),
    );
  }
}

const head = (...labels: string[]) => h('thead', {}, h('tr', {}, ...labels.map((l) => h('th', { scope: 'col' }, l))));

/**
 * A bar per row, its height the chats started, the part started after hours in a second colour; each bar's title
 * says its figures (shown on hover, read by screen readers). Drawn with SVG attributes, not styles, so the console's
 * CSP (no inline styles) holds, and without a chart library.
 */
function chart(report: Report, offsets: Set<string>): SVGSVGElement {
  const { width, height, gap, axis } = CHART;
  const most = Math.max(1, ...report.buckets.map((b) => b.chatsStarted));
  const step = width / Math.max(1, report.buckets.length);
  const plot = height - axis;
  const bar = (x: number, value: number, cls: string) => {
    // The top `axis` units stay free for the scale's label.
    const barHeight = (value / most) * (plot - axis);
    return svg('rect', { class: cls, x: x + gap / 2, y: plot - barHeight, width: Math.max(1, step - gap), height: barHeight });
  };
  const bars = report.buckets.map((b, i) =>
    svg(
      'g',
      { class: 'bar' },
      svg(
        'title',
        {},
        `${rowLabel(b.label, report.bucket, offsets)}: ${b.chatsStarted} ${b.chatsStarted === 1 ? 'chat' : 'chats'}, ${b.afterHours} after hours, ${b.urgent} urgent`,
      ),
      bar(i * step, b.chatsStarted, 'started'),
      bar(i * step, b.afterHours, 'after-hours'),
    ),
  );
  return svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Chats started: most in one ${report.bucket}, ${most}` },
    svg('line', { class: 'axis', x1: 0, y1: plot, x2: width, y2: plot }),
    svg('text', { class: 'axis-label', x: 4, y: axis - 3 }, `${most}`),
    ...bars,
    svg('text', { class: 'axis-label', x: 0, y: height - 2 }, rowLabel(report.buckets[0]?.label ?? '', report.bucket, offsets)),
    svg('text', { class: 'axis-label', x: width, y: height - 2, 'text-anchor': 'end' }, rowLabel(report.buckets.at(-1)?.label ?? '', report.bucket, offsets)),
  );
}
