import type { Assignment, Employee, MedChat, Session } from '@medchat/sdk';
import { MedChatAdmin } from '@medchat/sdk/admin';
import { MedChatNotes } from '@medchat/sdk/notes';
import { MedChatRecords } from '@medchat/sdk/records';
import { TeamsView } from './teams-view';
import { renderTrail } from './assignment-trail';
import { h, isolate, isolated } from './dom';
import { recordDownloads } from './downloads';
import { FhirExportForm } from './fhir-export';
import { AVAILABILITY_LABELS, dateTime, errorText, SESSION_STATUS_LABELS } from './format';
import { HoursEditor } from './hours-editor';
import { IntakeEditor } from './intake-editor';
import { QuickRepliesEditor } from './quick-replies-editor';
import { refresher } from './refresher';
import { ReportsView } from './reports-view';
import { SettingsForm } from './settings-form';
import { WebhooksView } from './webhooks-view';
import { EmailsView } from './emails-view';

/** How many of the newest sessions get their assignment trail loaded (one request each). */
const TRAIL_LIMIT = 25;
/**
 * A load is up to TRAIL_LIMIT + 2 requests: at most one every 2 s, however many events arrive, keeps a busy clinic's
 * overview under the server's per-user limit (HTTP_REQUESTS_PER_SECOND, 25 by default).
 */
const RELOAD_EVERY_MS = 2000;

/**
 * Admins only: every employee with availability and load, the clinic's sessions with their assignment trails and
 * their files for the chart, the clinic's settings, the opening hours, the reports and the webhooks (the last four
 * through the SDK's admin entry, which only this view imports), and the bulk FHIR export.
 */
export class AdminView {
  readonly element: HTMLElement;
  readonly refresh: () => void;
  private readonly employees = h('tbody');
  private readonly sessions = h('tbody');
  private readonly status = h('p', { class: 'muted', role: 'status' });
  private readonly records: MedChatRecords;

  constructor(
    private readonly client: MedChat,
    onQuickRepliesChange: () => void = () => {},
  ) {
    this.records = new MedChatRecords(client);
    const reload = h('button', { type: 'button' }, 'Refresh');
    // Loaded once, not on every refresh: an admin may be typing in them.
    const admin = new MedChatAdmin(client);
    const settings = new SettingsForm(admin);
    const hours = new HoursEditor(admin);
    const webhooks = new WebhooksView(admin);
    void settings.load();
    void hours.load();
    void webhooks.load();
    const emails = new EmailsView(admin);
    void emails.load();
    const intake = new IntakeEditor(client);
    void intake.load();
    const quickReplies = new QuickRepliesEditor(new MedChatNotes(client), onQuickRepliesChange);
    void quickReplies.load();
    const teams = new TeamsView(admin);
    void teams.load();
    this.element = h(
      'section',
      { class: 'admin', 'aria-labelledby': 'admin-title' },
      h('div', { class: 'chat-header' }, h('h2', { id: 'admin-title' }, 'Clinic overview'), reload),
      this.status,
      h('h3', { id: 'employees-title' }, 'Employees'),
      frame(
        'employees-title',
        h(
          'table',
          { 'aria-labelledby': 'employees-title' },
          head('Name', 'Email', 'Role', 'Availability', 'Load', 'Active', 'Two-step sign-in'),
          this.employees,
        ),
      ),
      h('h3', { id: 'sessions-title' }, 'Sessions'),
      frame(
        'sessions-title',
        h('table', { 'aria-labelledby': 'sessions-title' }, head('Patient', 'Reason', 'Status', 'Started', 'Assignment trail', 'For the chart'), this.sessions),
      ),
      settings.element,
      hours.element,
      teams.element,
      intake.element,
      quickReplies.element,
      new ReportsView(admin).element,
      new FhirExportForm(this.records).element,
      webhooks.element,
      emails.element,
    );
    this.refresh = refresher(
      () => this.load(),
      (e) => (this.status.textContent = `Could not load: ${errorText(e)}`),
      RELOAD_EVERY_MS,
    );
    reload.addEventListener('click', this.refresh);
  }

  private async load(): Promise<void> {
    const [employees, sessions] = await Promise.all([this.client.employees.list(), this.client.sessions.list()]);
    const newest = sessions.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, TRAIL_LIMIT);
    const trails = await Promise.all(newest.map((s) => this.client.assignments.list(s.id)));
    this.employees.replaceChildren(...employees.map((e) => employeeRow(e, this.mfaCell(e))));
    this.sessions.replaceChildren(...newest.map((s, i) => sessionRow(s, trails[i]!, recordDownloads(this.records, s.id, s.patient.displayName))));
    this.status.textContent = sessions.length > TRAIL_LIMIT ? `Showing the ${TRAIL_LIMIT} newest of ${sessions.length} sessions.` : '';
  }

  /** On or off; when on, a reset for staff who lost the phone with their authenticator app. */
  private mfaCell(e: Employee): HTMLElement {
    if (!e.mfaEnabled) return h('td', {}, 'off');
    const reset = h('button', { type: 'button', 'aria-label': `Turn off two-step sign-in for ${e.displayName}` }, 'Turn off');
    reset.addEventListener('click', async () => {
      if (
        !confirm(
          `Turn off two-step sign-in for ${isolated(e.displayName)}? Do this only when you know who asks: they will sign in with the password alone until they set it up again.`,
        )
      )
        return;
      try {
        await this.client.employees.update(e.id, { mfaEnabled: false });
        this.refresh();
      } catch (error) {
        this.status.textContent = `Could not turn it off: ${errorText(error)}`;
      }
    });
    return h('td', {}, 'on ', reset);
  }
}

/** A table's frame, which scrolls sideways on a narrow screen (focusable, so the keyboard can scroll it too). */
const frame = (titleId: string, table: HTMLTableElement) => h('div', { class: 'table-frame', role: 'region', 'aria-labelledby': titleId, tabindex: 0 }, table);

const head = (...labels: string[]) => h('thead', {}, h('tr', {}, ...labels.map((l) => h('th', { scope: 'col' }, l))));

const employeeRow = (e: Employee, mfa: HTMLElement) =>
  h(
    'tr',
    { 'data-employee-id': e.id },
    h('td', {}, isolate(e.displayName)),
    h('td', {}, e.email ? isolate(e.email) : ''),
    h('td', {}, e.role),
    h('td', { 'data-availability': e.availability }, AVAILABILITY_LABELS[e.availability]),
    h('td', {}, `${e.load} / ${e.capacity}`),
    h('td', {}, e.active ? 'yes' : 'no'),
    mfa,
  );

const sessionRow = (s: Session, trail: Assignment[], downloads: HTMLElement) =>
  h(
    'tr',
    { 'data-session-id': s.id },
    h('td', {}, isolate(s.patient.displayName)),
    h('td', {}, isolate(s.reason)),
    h('td', {}, SESSION_STATUS_LABELS[s.status]),
    h('td', {}, h('time', { datetime: s.createdAt }, dateTime(s.createdAt))),
    h('td', {}, renderTrail(trail)),
    h('td', {}, downloads),
  );
