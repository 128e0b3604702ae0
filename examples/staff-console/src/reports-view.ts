import type { AssignmentEndReason } from '@medchat/sdk';
import type { MedChatAdmin, Report, ReportParams } from '@medchat/sdk/admin';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { dateRange } from './date-range';
import { h, isolate } from './dom';
import { saveFile } from './downloads';
import { END_REASONS, errorText } from './format';

// Only what a bar chart needs, so the console's bundle carries no other chart types.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

type Figures = Report['total'];

/** "38 s", "2 min 41 s", "1 h 5 min"; a dash where nothing was measured. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** What a row is called: the day, or the hour with the offset only where the clock changed (a repeated hour). */
const rowLabel = (label: string, bucket: Report['bucket'], offsets: Set<string>) =>
  bucket === 'day' ? label : offsets.size > 1 ? label.replace('T', ' ') : label.slice(0, 16).replace('T', ' ');

/**
 * Admins only: the clinic's report for a range of days, by day or hour (GET /api/v1/reports), as a bar chart of
 * the chats started (Chart.js), a table of every figure with the range's total, and the chats per employee; the same figures
 * as CSV downloads, through the SDK's admin entry. Loaded when asked for, never on the console's live refreshes:
 * each read is audited.
 */
export class ReportsView {
  readonly element: HTMLElement;
  private readonly range = dateRange('report');
  private readonly from = this.range.from;
  private readonly to = this.range.to;
  private readonly bucket = h('select', { id: 'report-bucket' }, h('option', { value: 'day' }, 'Per day'), h('option', { value: 'hour' }, 'Per hour'));
  private readonly csv = h('a', { href: '#', class: 'download' }, 'Download CSV');
  private readonly employeesCsv = h('a', { href: '#', class: 'download' }, 'Download employees (CSV)');
  private readonly status = h('p', { role: 'status', class: 'muted' });
  private readonly chart = h('figure', { class: 'report-chart' });
  private readonly table = h('div', { class: 'table-frame', role: 'region', 'aria-labelledby': 'report-table-title', tabindex: 0 });
  private readonly employees = h('tbody');
  private plot: Chart | undefined;

  constructor(private readonly admin: MedChatAdmin) {
    const form = h(
      'form',
      { class: 'report-form', 'aria-labelledby': 'reports-title' },
      ...this.range.fields,
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
      saveFile(new Blob([csv], { type: 'text/csv;charset=utf-8' }), filename);
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
    this.plot?.destroy();
    const labels = report.buckets.map((b) => rowLabel(b.label, report.bucket, offsets));
    const canvas = chartCanvas(report, labels);
    this.chart.replaceChildren(
      h('div', { class: 'chart-box' }, canvas),
      h('figcaption', { class: 'muted' }, `Chats started per ${period.toLowerCase()}, after hours and urgent; total ${report.total.chatsStarted}.`),
    );
    // Drawn once the canvas is in the page, so that Chart.js sizes it to its box.
    this.plot = drawChart(canvas, report, labels);
  }
}

const head = (...labels: string[]) => h('thead', {}, h('tr', {}, ...labels.map((l) => h('th', { scope: 'col' }, l))));

/** The console's colours, read from its stylesheet (light or dark), for the canvas. */
const colour = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(`--console-${name}`).trim();

/**
 * Three bars per row (chats started, after hours, urgent) drawn by Chart.js on a canvas. The canvas is an image
 * to screen readers, named by its figures; its fallback content lists each row's figures, and the table below has
 * them all. Chart.js styles the canvas through the DOM, never with inline style attributes or a stylesheet of its
 * own, so the console's CSP (style-src 'self') holds. No animation: the figures are there at once.
 */
function chartCanvas(report: Report, labels: string[]): HTMLCanvasElement {
  const most = Math.max(0, ...report.buckets.map((b) => b.chatsStarted));
  return h(
    'canvas',
    { role: 'img', 'aria-label': `Chats started per ${report.bucket}, ${labels[0] ?? ''} to ${labels.at(-1) ?? ''}: most in one ${report.bucket}, ${most}` },
    h(
      'ul',
      {},
      ...report.buckets.map((b, i) =>
        h('li', {}, `${labels[i]}: ${b.chatsStarted} ${b.chatsStarted === 1 ? 'chat' : 'chats'}, ${b.afterHours} after hours, ${b.urgent} urgent`),
      ),
    ),
  );
}

function drawChart(canvas: HTMLCanvasElement, report: Report, labels: string[]): Chart {
  const text = colour('muted');
  const grid = colour('border');
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { label: 'Chats started', data: report.buckets.map((b) => b.chatsStarted), backgroundColor: colour('primary') },
        { label: 'After hours', data: report.buckets.map((b) => b.afterHours), backgroundColor: text },
        { label: 'Urgent', data: report.buckets.map((b) => b.urgent), backgroundColor: colour('danger') },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { ticks: { color: text, autoSkip: true, maxRotation: 0 }, grid: { display: false } },
        y: { beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid } },
      },
      plugins: { legend: { labels: { color: text } } },
    },
  });
}
