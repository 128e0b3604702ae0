import { isMedChatError } from '@medchat/sdk';
import type { ClinicSettings, ClinicSettingsPatchParams, MedChatAdmin } from '@medchat/sdk/admin';
import { h } from './dom';
import { errorText } from './format';
import { type SettingControl, buildControl, type SettingField } from './setting-controls';

/**
 * The clinic's settings, in the order the form shows them. A new setting is one entry here: its key (a field of
 * `ClinicSettingsPatchParams`), its label and hint, and its kind (see setting-controls.ts), e.g.
 * `{ key: 'someLimitMinutes', label: 'Some limit', hint: '…', kind: { type: 'limit', unit: 'Minutes' } }`.
 */
export const SETTING_FIELDS: readonly SettingField[] = [
  { key: 'name', label: 'Clinic name', hint: 'Shown to patients in the chat window.', kind: { type: 'text' } },
  {
    key: 'emergencyText',
    label: 'Emergency notice',
    hint: 'Patients read it before they start a chat.',
    kind: { type: 'text', long: true },
  },
  {
    key: 'phone',
    label: 'Clinic phone',
    hint: 'Quick replies insert it for {clinic.phone}; empty: staff type it in.',
    kind: { type: 'text', optional: true },
  },
  {
    key: 'allowedOrigins',
    label: 'Sites allowed to embed the chat',
    hint: 'One origin per line, e.g. https://www.example-clinic.org',
    kind: { type: 'lines' },
  },
  { key: 'brandColor', label: 'Brand colour', hint: 'e.g. #0f766e; empty: the chat’s own colour.', kind: { type: 'colour' } },
  { key: 'defaultCapacity', label: 'Chats per employee', hint: 'For employees without a capacity of their own.', kind: { type: 'number', unit: 'Chats' } },
  {
    key: 'graceSeconds',
    label: 'Reconnect grace period',
    hint: 'How long an employee whose connection dropped keeps their chats.',
    kind: { type: 'number', unit: 'Seconds' },
  },
  {
    key: 'firstReplySeconds',
    label: 'First reply deadline',
    hint: 'An assigned chat with no reply from the employee in this time goes to a colleague.',
    kind: { type: 'limit', unit: 'Seconds' },
  },
  {
    key: 'awayTimeoutMinutes',
    label: 'Away timeout',
    hint: 'An employee away for longer than this has their chats handed to colleagues.',
    kind: { type: 'limit', unit: 'Minutes' },
  },
  {
    key: 'patientIdleMinutes',
    label: 'Patient gone',
    hint: 'A patient with no connection who has not answered staff for this long: the chat waits on them, and the nurse’s slot is freed.',
    kind: { type: 'limit', unit: 'Minutes' },
  },
  {
    key: 'inactiveCloseHours',
    label: 'Close chats waiting on the patient',
    hint: 'A chat that has waited on its patient this long is closed with a closing message (off: it waits until they write).',
    kind: { type: 'limit', unit: 'Hours' },
  },
  {
    key: 'teamFallback',
    label: 'A team with nobody on shift',
    hint: 'A chat whose topic goes to a team whose members are all offline.',
    kind: {
      type: 'choice',
      options: [
        ['anyone', 'Any available colleague takes it'],
        ['wait', 'It waits for the team'],
      ],
    },
  },
  {
    key: 'retentionDays',
    label: 'Keep ended chats',
    hint: 'Ended chats and their messages are deleted after this many days (off: kept).',
    kind: { type: 'limit', unit: 'Days' },
  },
  {
    key: 'requireStaffMfa',
    label: 'Require two-step sign-in for all staff',
    hint: 'Turn it on for your own account first.',
    kind: { type: 'switch' },
  },
  {
    key: 'webhookMessageText',
    label: 'Send message text in webhooks',
    hint: 'Off: a message event carries ids only. On: also what was written, so the receiving system holds health information.',
    kind: { type: 'switch' },
  },
  {
    key: 'notificationFirstNames',
    label: "Patients' first names in desktop notifications",
    hint: 'Off: notifications say only that a chat or message is waiting. On: they add the first name the patient gave, which anyone near the screen may read.',
    kind: { type: 'switch' },
  },
  {
    key: 'emailNotify',
    label: 'Email patients when a reply waits',
    hint: 'Patients who give an address get one email with no message content, then at most one reminder, when a reply stays unseen.',
    kind: { type: 'switch' },
  },
  {
    key: 'emailConsentText',
    label: 'Email consent text',
    hint: 'Shown beside the address field in the pre-chat form: what the patient agrees to.',
    kind: { type: 'text', long: true },
  },
  {
    key: 'emailPageUrl',
    label: 'Page the email link opens',
    hint: 'Your page with the chat, e.g. https://www.example-clinic.org/chat; empty: no email is sent.',
    kind: { type: 'text', optional: true },
  },
  {
    key: 'emailSenderName',
    label: 'Email sender name',
    hint: 'The name the email comes from; empty: the clinic name.',
    kind: { type: 'text', optional: true },
  },
  { key: 'emailFirstDelayMinutes', label: 'Email after', hint: 'Minutes a reply stays unseen before the email.', kind: { type: 'number', unit: 'Minutes' } },
  {
    key: 'emailReminderMinutes',
    label: 'Reminder after',
    hint: 'Minutes after the reply before the one reminder, if still unseen.',
    kind: { type: 'number', unit: 'Minutes' },
  },
];

/** A field's problem as the server names it (TypeBox's words, or a code), in words for the form. */
export function problemText(problem: string): string {
  const longest = /length less or equal to (\d+)/.exec(problem);
  if (longest) return `At most ${longest[1]} characters.`;
  const atLeast = /greater or equal to (-?\d+)/.exec(problem);
  if (atLeast) return `Must be at least ${atLeast[1]}.`;
  const atMost = /less or equal to (-?\d+)/.exec(problem);
  if (atMost) return `Must be at most ${atMost[1]}.`;
  if (/^Expected integer/.test(problem)) return 'Must be a whole number.';
  if (/to match '\^#/.test(problem)) return 'Write the colour as # and six hex digits, e.g. #0f766e.';
  const codes: Record<string, string> = {
    not_a_url: 'Each line must be an address such as https://www.example-clinic.org.',
    not_an_origin: 'Only the origin: scheme, host and port, no path (https://www.example-clinic.org).',
  };
  return codes[problem] ?? `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`;
}

/** The fields a 400 names, by setting: `[{ path: '/firstReplySeconds/…', problem }]` or `{ field, problem }`. */
export function fieldProblems(details: unknown): Map<string, string> {
  const problems = new Map<string, string>();
  const list = Array.isArray(details) ? details : details && typeof details === 'object' ? [details] : [];
  for (const item of list as Array<{ path?: unknown; field?: unknown; problem?: unknown }>) {
    const key = typeof item.field === 'string' ? item.field : typeof item.path === 'string' ? item.path.split('/')[1] : undefined;
    if (key && !problems.has(key)) problems.set(key, problemText(String(item.problem ?? 'invalid')));
  }
  return problems;
}

/**
 * Admins only: the clinic's settings (`GET`/`PATCH /api/v1/clinic/settings`). Saving sends only what changed, so
 * it never puts back a value another admin changed meanwhile; a value the server refuses is named beside its field
 * and nothing is saved. Loaded once: an admin may be typing in it.
 */
export class SettingsForm {
  readonly element: HTMLElement;
  private readonly controls: SettingControl[];
  private readonly status = h('p', { role: 'status', class: 'muted', id: 'settings-status' });
  private saved: ClinicSettings | null = null;

  constructor(
    private readonly admin: MedChatAdmin,
    fields: readonly SettingField[] = SETTING_FIELDS,
  ) {
    this.controls = fields.map((field) => buildControl(field));
    const form = h(
      'form',
      { class: 'settings-form', 'aria-labelledby': 'settings-title', novalidate: true },
      ...this.controls.map((c) => c.element),
      h('button', { type: 'submit', class: 'primary' }, 'Save settings'),
      this.status,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    form.addEventListener('input', () => {
      if (this.saved) this.status.textContent = this.changes().size ? 'Changes not saved yet.' : '';
    });
    this.element = h('section', { 'aria-labelledby': 'settings-title' }, h('h3', { id: 'settings-title' }, 'Clinic settings'), form);
  }

  async load(): Promise<void> {
    try {
      this.show(await this.admin.settings.get());
    } catch (e) {
      this.status.textContent = `Could not load the settings: ${errorText(e)}`;
    }
  }

  private show(settings: ClinicSettings): void {
    this.saved = settings;
    for (const c of this.controls) c.write(settings[c.field.key as keyof ClinicSettings]);
  }

  /** Each field whose value differs from the stored one; a field that cannot be read holds its problem instead. */
  private changes(): Map<SettingControl, { value: unknown } | { problem: string }> {
    const changed = new Map<SettingControl, { value: unknown } | { problem: string }>();
    for (const c of this.controls) {
      const read = c.read();
      if ('problem' in read) changed.set(c, read);
      else if (JSON.stringify(read.value) !== JSON.stringify(this.saved?.[c.field.key as keyof ClinicSettings])) changed.set(c, read);
    }
    return changed;
  }

  private async save(): Promise<void> {
    if (!this.saved) return void this.load();
    for (const c of this.controls) c.showProblem(null);
    const patch: Record<string, unknown> = {};
    let invalid = 0;
    for (const [c, read] of this.changes()) {
      if ('problem' in read) {
        c.showProblem(read.problem);
        invalid++;
      } else patch[c.field.key] = read.value;
    }
    if (invalid) return void (this.status.textContent = 'Not saved: correct the fields marked below.');
    if (Object.keys(patch).length === 0) return void (this.status.textContent = 'Nothing to save: no changes.');
    this.status.textContent = 'Saving…';
    try {
      this.show(await this.admin.settings.update(patch as ClinicSettingsPatchParams));
      this.status.textContent = `Saved at ${new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.`;
    } catch (e) {
      const problems = isMedChatError(e) && e.code === 'invalid_request' ? fieldProblems(e.details) : new Map<string, string>();
      let named = 0;
      for (const c of this.controls) {
        const problem = problems.get(c.field.key);
        if (problem) named++;
        c.showProblem(problem ?? null);
      }
      this.status.textContent = named ? 'Not saved: correct the fields marked below.' : `Not saved: ${errorText(e)}`;
      this.controls.find((c) => problems.has(c.field.key))?.focus();
    }
  }
}
