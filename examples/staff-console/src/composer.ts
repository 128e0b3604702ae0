import type { SessionHandle } from '@medchat/sdk';
import { h, isolate, uid } from './dom';

/** The reply box: Enter sends, Shift+Enter adds a line; typing is signalled while there is text. */
export class Composer {
  readonly element: HTMLFormElement;
  private readonly input: HTMLTextAreaElement;
  private readonly button = h('button', { type: 'submit', class: 'primary' }, 'Send');

  constructor(
    private readonly chat: SessionHandle,
    patientName: string,
  ) {
    const id = uid('reply');
    this.input = h('textarea', { id, rows: 2, dir: 'auto', maxlength: 4000, placeholder: 'Write a reply — Enter sends, Shift+Enter adds a line' });
    this.element = h(
      'form',
      { class: 'composer' },
      h('label', { for: id, class: 'visually-hidden' }, 'Reply to ', isolate(patientName)),
      this.input,
      this.button,
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
    this.input.addEventListener('input', () => chat.typing(this.input.value.length > 0));
    this.input.addEventListener('blur', () => chat.typing(false));
  }

  set isEnabled(isEnabled: boolean) {
    this.element.hidden = !isEnabled;
  }

  focus(): void {
    this.input.focus();
  }

  private send(): void {
    const body = this.input.value.trim();
    if (!body) return;
    this.input.value = '';
    this.chat.typing(false);
    // A refused send stays in `chat.pending` as failed, where the message list offers Retry.
    this.chat.send(body).catch(() => {});
  }
}
