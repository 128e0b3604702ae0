import type { Me, SessionHandle } from '@medchat/sdk';
import type { Note } from '@medchat/sdk/notes';
import { AttachmentTray } from './attachments-view';
import { Autocomplete } from './autocomplete';
import { h, isolate, uid } from './dom';
import { errorText } from './format';
import type { StaffExtras } from './staff-extras';

const REPLY_PLACEHOLDER = 'Write a reply — Enter sends, Shift+Enter adds a line, / inserts a quick reply';
const NOTE_PLACEHOLDER = 'Internal note for colleagues — @ mentions someone';

/**
 * The reply box: Enter sends, Shift+Enter adds a line; typing is signalled while there is text. `/` at the start of a
 * word opens the clinic's quick replies. "Internal note" switches it to writing a staff-only note (other colours,
 * no typing signal to the patient), where `@` mentions a colleague.
 */
export class Composer {
  readonly element: HTMLFormElement;
  private readonly input: HTMLTextAreaElement;
  private readonly button = h('button', { type: 'submit', class: 'primary' }, 'Send');
  private readonly noteToggle = h('button', { type: 'button', class: 'note-toggle', 'aria-pressed': 'false' }, 'Internal note');
  private readonly hint = h('p', { class: 'note-hint', hidden: true }, 'Internal note — not visible to the patient');
  private readonly error = h('p', { class: 'error', role: 'alert' });
  private readonly label: HTMLLabelElement;
  private readonly tray: AttachmentTray;
  /** Colleagues picked from the @ list, by the text inserted for them. */
  private readonly mentioned = new Map<string, string>();
  private isNote = false;

  constructor(
    private readonly chat: SessionHandle,
    patientName: string,
    private readonly extras: StaffExtras,
    me: Me,
    private readonly onNote: (note: Note) => void,
  ) {
    const id = uid('reply');
    this.input = h('textarea', { id, rows: 2, dir: 'auto', maxlength: 4000, placeholder: REPLY_PLACEHOLDER, role: 'combobox', 'aria-expanded': 'false' });
    this.label = h('label', { for: id, class: 'visually-hidden' }, 'Reply to ', isolate(patientName));
    const names = { patientName, employeeName: me.displayName };
    const replies = new Autocomplete(this.input, '/', 'Quick replies', (q) => extras.quickReplies(q, names));
    const mentions = new Autocomplete(
      this.input,
      '@',
      'Colleagues to mention',
      (q) => (this.isNote ? extras.colleagues(q, me.id) : []),
      (item) => this.mentioned.set(item.insert.trim(), item.id),
    );
    this.element = h('form', { class: 'composer' });
    this.tray = new AttachmentTray(extras.files, chat.sessionId, this.element, this.input);
    this.element.append(
      this.label,
      h('div', { class: 'composer-input' }, this.hint, replies.element, mentions.element, this.tray.list, this.input),
      h('div', { class: 'composer-actions' }, this.tray.button, this.noteToggle, this.button),
      this.error,
    );
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      this.send();
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.send();
      }
    });
    this.noteToggle.addEventListener('click', () => this.setNoteMode(!this.isNote));
    // A note is never announced to the patient, not even as typing.
    this.input.addEventListener('input', () => !this.isNote && chat.typing(this.input.value.length > 0));
    this.input.addEventListener('blur', () => chat.typing(false));
  }

  set isEnabled(isEnabled: boolean) {
    this.element.hidden = !isEnabled;
  }

  focus(): void {
    this.input.focus();
  }

  /** The quick-reply shortcut: the reply box focused with `/` typed at the start of a new word, which opens the list. */
  startQuickReply(): void {
    if (this.isNote) this.setNoteMode(false);
    const text = this.input.value;
    this.input.value = text && !/\s$/.test(text) ? `${text} /` : `${text}/`;
    this.input.focus();
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
    this.input.dispatchEvent(new Event('input'));
  }

  private setNoteMode(isNote: boolean): void {
    this.isNote = isNote;
    if (isNote) this.chat.typing(false);
    this.element.classList.toggle('is-note', isNote);
    this.noteToggle.setAttribute('aria-pressed', String(isNote));
    this.hint.hidden = !isNote;
    // Notes are text only: files go to the patient with a reply.
    this.tray.button.hidden = isNote;
    this.input.placeholder = isNote ? NOTE_PLACEHOLDER : REPLY_PLACEHOLDER;
    this.button.textContent = isNote ? 'Add note' : 'Send';
    this.label.firstChild!.textContent = isNote ? 'Internal note about ' : 'Reply to ';
    this.input.focus();
  }

  private send(): void {
    const body = this.input.value.trim();
    this.error.textContent = '';
    if (!this.isNote && (this.tray.isBusy || this.tray.hasFailed || this.tray.ready.length)) return void this.sendFiles(body);
    if (!body) return;
    if (this.isNote) return void this.sendNote(body);
    this.input.value = '';
    this.chat.typing(false);
    // A refused send stays in `chat.pending` as failed, where the message list offers Retry.
    this.chat.send(body).catch(() => {});
  }

  /** A reply with files: once every file is up, in one message with the text (or alone). */
  private async sendFiles(body: string): Promise<void> {
    if (this.tray.isBusy) return void (this.error.textContent = 'Wait for the files to finish uploading.');
    if (this.tray.hasFailed) return void (this.error.textContent = 'A file was not uploaded: retry it or remove it.');
    try {
      await this.extras.files.send(this.chat.sessionId, { body, attachments: this.tray.ready });
      this.input.value = '';
      this.tray.clear();
      this.chat.typing(false);
    } catch (e) {
      this.error.textContent = `Not sent: ${errorText(e)}`;
    }
  }

  private async sendNote(body: string): Promise<void> {
    const mentions = [...this.mentioned].filter(([text]) => body.includes(text)).map(([, id]) => id);
    try {
      const note = await this.extras.api.notes.create(this.chat.sessionId, { body, mentions: [...new Set(mentions)] });
      this.input.value = '';
      this.mentioned.clear();
      this.onNote(note);
    } catch (e) {
      this.error.textContent = `Note not saved: ${errorText(e)}`;
    }
  }
}
