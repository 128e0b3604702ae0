import type { MedChatNotes, QuickReply, QuickReplyVariable } from '@medchat/sdk/notes';
import { h, isolate, isolated, uid } from './dom';
import { errorText } from './format';

/** The variables a reply's text may hold, and what each becomes when staff insert it. */
const VARIABLES: ReadonlyArray<readonly [QuickReplyVariable, string]> = [
  ['patient.name', 'the patient’s name'],
  ['employee.name', 'the name of whoever inserts it'],
  ['clinic.name', 'the clinic’s name'],
  ['clinic.phone', 'the clinic’s phone (clinic settings)'],
];

/**
 * Admins only: the clinic's quick replies, which staff insert in the composer by typing `/` and part of the
 * shortcut. Add one, change its text in place, or delete it.
 */
export class QuickRepliesEditor {
  readonly element: HTMLElement;
  private readonly rows = h('ul', { class: 'quick-replies' });
  private readonly status = h('p', { role: 'status', class: 'muted' });
  private readonly shortcut = h('input', { id: 'qr-shortcut', required: true, maxlength: 40, pattern: '[A-Za-z0-9_\\-]+', autocomplete: 'off' });
  private readonly body = h('textarea', { id: 'qr-body', required: true, rows: 2, maxlength: 4000, 'aria-describedby': 'qr-variables' });

  constructor(
    private readonly admin: MedChatNotes,
    private readonly onChange: () => void,
  ) {
    const form = h(
      'form',
      { class: 'hours-form', 'aria-labelledby': 'qr-title' },
      h('label', { for: 'qr-shortcut' }, 'Shortcut (letters, digits, - and _)'),
      this.shortcut,
      h('label', { for: 'qr-body' }, 'Text it inserts'),
      this.body,
      h('button', { type: 'submit', class: 'primary' }, 'Add quick reply'),
      this.status,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.add();
    });
    this.element = h(
      'section',
      { 'aria-labelledby': 'qr-title' },
      h('h3', { id: 'qr-title' }, 'Quick replies'),
      h('p', { class: 'muted' }, 'Staff type / in a reply to find these and insert one.'),
      h(
        'p',
        { class: 'muted', id: 'qr-variables' },
        'Variables filled when inserted: ',
        ...VARIABLES.flatMap(([name, meaning], i) => [i ? '; ' : '', h('code', {}, `{${name}}`), ` ${meaning}`]),
        '. One without a value stays as written, selected for staff to fill in.',
      ),
      this.rows,
      form,
    );
  }

  async load(): Promise<void> {
    try {
      this.show(await this.admin.quickReplies.list());
    } catch (e) {
      this.status.textContent = `Could not load the quick replies: ${errorText(e)}`;
    }
  }

  private show(replies: QuickReply[]): void {
    this.rows.replaceChildren(...replies.map((r) => this.row(r)));
  }

  private row(reply: QuickReply): HTMLElement {
    const id = uid('qr-text');
    const text = h('textarea', { id, rows: 2, maxlength: 4000 });
    text.value = reply.body;
    const save = h('button', { type: 'button' }, 'Save');
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete /${reply.shortcut}` }, 'Delete');
    save.addEventListener('click', () => void this.run(() => this.admin.quickReplies.update(reply.id, { body: text.value }), 'Saved.'));
    remove.addEventListener('click', () => {
      if (confirm(`Delete the quick reply ${isolated(`/${reply.shortcut}`)}?`)) void this.run(() => this.admin.quickReplies.remove(reply.id), 'Deleted.');
    });
    return h('li', {}, h('label', { for: id }, h('code', {}, '/', isolate(reply.shortcut))), text, h('div', { class: 'actions' }, save, remove));
  }

  private async add(): Promise<void> {
    await this.run(() => this.admin.quickReplies.create({ shortcut: this.shortcut.value.trim(), body: this.body.value }), 'Added.');
    if (this.status.textContent === 'Added.') {
      this.shortcut.value = '';
      this.body.value = '';
    }
  }

  private async run(change: () => Promise<unknown>, done: string): Promise<void> {
    this.status.textContent = 'Saving…';
    try {
      await change();
      this.show(await this.admin.quickReplies.list());
      this.status.textContent = done;
      this.onChange();
    } catch (e) {
      this.status.textContent = `Not saved: ${errorText(e)}`;
    }
  }
}
