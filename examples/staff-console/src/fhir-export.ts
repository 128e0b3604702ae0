import type { MedChatRecords } from '@medchat/sdk/records';
import { dateRange } from './date-range';
import { h } from './dom';
import { saveFile } from './downloads';
import { errorText } from './format';

/** The start of a local day (`YYYY-MM-DD`, `days` later) as an instant. */
const localMidnight = (date: string, days = 0) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + days).toISOString();
};

/**
 * Admins only: every session started in a range of local days as FHIR R4 NDJSON (GET /api/v1/fhir/export), one
 * file however many pages the server sends: the SDK's records entry follows them and hands over each resource as
 * it arrives. The export is audited, naming every session in it.
 */
export class FhirExportForm {
  readonly element: HTMLElement;
  private readonly range = dateRange('fhir');
  private readonly from = this.range.from;
  private readonly to = this.range.to;
  private readonly notes = h('input', { type: 'checkbox', id: 'fhir-notes' });
  private readonly button = h('button', { type: 'submit', class: 'primary' }, 'Export FHIR (NDJSON)');
  private readonly status = h('p', { role: 'status', class: 'muted' });

  constructor(private readonly records: MedChatRecords) {
    const form = h(
      'form',
      { class: 'report-form', 'aria-labelledby': 'fhir-title' },
      ...this.range.fields,
      h('label', { class: 'check', for: 'fhir-notes' }, this.notes, ' With handover notes'),
      this.button,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.export();
    });
    this.element = h(
      'section',
      { class: 'fhir-export', 'aria-labelledby': 'fhir-title' },
      h('h3', { id: 'fhir-title' }, 'FHIR export'),
      h('p', { class: 'muted' }, 'The chats started in these days, as FHIR R4 resources for your record system, one per line.'),
      form,
      this.status,
    );
  }

  private async export(): Promise<void> {
    const from = this.from.value;
    const to = this.to.value;
    this.button.disabled = true;
    this.status.textContent = 'Exporting…';
    try {
      const lines: string[] = [];
      let sessions = 0;
      const range = { from: localMidnight(from), to: localMidnight(to, 1), includeNotes: this.notes.checked || undefined };
      for await (const resource of this.records.fhirExport(range)) {
        lines.push(`${JSON.stringify(resource)}\n`);
        if (resource.resourceType === 'Encounter') sessions++;
      }
      saveFile(new Blob(lines, { type: 'application/fhir+ndjson' }), `medchat-fhir-${from}-${to}.ndjson`);
      this.status.textContent = `Exported ${sessions} ${sessions === 1 ? 'chat' : 'chats'} (${lines.length} resources) from ${from} to ${to}.`;
    } catch (e) {
      this.status.textContent = `Could not export: ${errorText(e)}`;
    } finally {
      this.button.disabled = false;
    }
  }
}
