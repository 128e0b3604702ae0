import type { EmailNotification, MedChatAdmin } from '@medchat/sdk/admin';
import { h } from './dom';
import { dateTime, errorText } from './format';

/** Each status in words (a Record, so a new status fails the build until it has them). */
const STATUS_WORDS: Record<EmailNotification['status'], string> = {
  pending: 'Waiting',
  sent: 'Sent',
  seen: 'Not sent: the patient saw the reply',
  skipped: 'Not sent: no first email went out',
  cancelled: 'Not sent: no address, consent off or unsubscribed',
  failed: 'Failed',
};

const head = (...labels: string[]) => h('thead', {}, h('tr', {}, ...labels.map((l) => h('th', { scope: 'col' }, l))));

/**
 * Admins only: the latest reply emails (docs/emails.md) and what became of each. No address and nothing of the chat:
 * the session id says which one. Read when the admin view opens and on "Refresh" here.
 */
export class EmailsView {
  readonly element: HTMLElement;
  private readonly rows = h('tbody');
  private readonly status = h('p', { role: 'status', class: 'muted' });

  constructor(private readonly admin: MedChatAdmin) {
    const reload = h('button', { type: 'button' }, 'Refresh');
    reload.addEventListener('click', () => void this.load());
    this.element = h(
      'section',
      { class: 'emails', 'aria-labelledby': 'emails-title' },
      h('h3', { id: 'emails-title' }, 'Reply emails'),
      h('p', { class: 'muted' }, 'Emails telling patients a reply waits: when each was due, and whether it went out.'),
      this.status,
      reload,
      h(
        'div',
        { class: 'table-frame', role: 'region', 'aria-labelledby': 'emails-title', tabindex: 0 },
        h('table', { 'aria-labelledby': 'emails-title' }, head('Chat', 'Kind', 'Status', 'Attempts', 'Due', 'Sent', 'Last error'), this.rows),
      ),
    );
  }

  async load(): Promise<void> {
    try {
      const emails = await this.admin.emails.list();
      this.status.textContent = '';
      this.rows.replaceChildren(
        ...emails.map((e) =>
          h(
            'tr',
            { 'data-testid': 'email-row' },
            h('td', {}, e.sessionId.slice(0, 8)),
            h('td', {}, e.kind === 'first' ? 'First' : 'Reminder'),
            h('td', {}, STATUS_WORDS[e.status]),
            h('td', {}, String(e.attempts)),
            h('td', {}, dateTime(e.nextAttemptAt)),
            h('td', {}, e.sentAt ? dateTime(e.sentAt) : '—'),
            h('td', {}, e.lastError ?? '—'),
          ),
        ),
      );
      if (emails.length === 0) this.rows.replaceChildren(h('tr', {}, h('td', { colspan: 7 }, 'No reply emails yet.')));
    } catch (e) {
      this.status.textContent = `Could not load the reply emails: ${errorText(e)}`;
    }
  }
}
