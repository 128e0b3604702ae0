import { LitElement, html, nothing } from 'lit';
import { MAX_MESSAGE_LENGTH } from '@medchat/sdk/patient';
import { emitInternal } from '../../events/events';
import { base } from '../../styles/tokens.styles';
import { styles } from './composer.styles';
import type { Translation } from '../../translations';
import { composerKeyAction, messageToSend } from './composer.keys';
import type { AttachmentKit } from '../attachments/attachment-kit';

/**
 * Where the patient writes: Enter sends, Shift+Enter adds a line. Typing is reported (throttled by the SDK). With
 * `kit` (a clinic that takes files), the attachments chunk's tray adds files; a message with files is its to send.
 * @csspart composer - the form.
 * @csspart send-button - the send button.
 * @fires medchat-compose-send - internal: `{body}`.
 * @fires medchat-compose-typing - internal: `{isTyping}`.
 */
export class Composer extends LitElement {
  static override styles = [base, styles];
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  static override properties = { t: { attribute: false }, kit: { attribute: false }, session: { attribute: false } };

  declare t: Translation;
  declare kit: AttachmentKit | null;
  declare session: string | undefined;

  override render() {
    const { t } = this;
    return html`<form part="composer" @submit=${this.#onSubmit}>
      ${this.kit ? html`<medchat-attachment-tray .kit=${this.kit} .session=${this.session} .t=${t}></medchat-attachment-tray>` : nothing}
      <label class="sr-only" for="text">${t.composerLabel}</label>
      <textarea id="text" rows="1" maxlength=${MAX_MESSAGE_LENGTH} placeholder=${t.composerPlaceholder}
        @keydown=${this.#onKeyDown} @input=${this.#onInput} @blur=${() => this.#typing(false)}></textarea>
      <button class="primary" part="send-button" type="submit">${t.send}</button>
    </form>`;
  }

  get #textarea(): HTMLTextAreaElement {
    return this.renderRoot.querySelector('textarea')!;
  }

  #onKeyDown(e: KeyboardEvent) {
    if (composerKeyAction(e) !== 'send') return;
    e.preventDefault();
    this.#sendNow();
  }

  #onSubmit(e: SubmitEvent) {
    e.preventDefault();
    this.#sendNow();
    this.#textarea.focus();
  }

  #onInput() {
    this.#typing(this.#textarea.value.trim() !== '');
  }

  #sendNow() {
    const body = messageToSend(this.#textarea.value);
    const tray = this.renderRoot.querySelector('medchat-attachment-tray');
    const hasFiles = tray?.hasFiles;
    if (hasFiles ? !tray!.send(body ?? '') : body === null) return;
    this.#textarea.value = '';
    this.#typing(false);
    if (!hasFiles) emitInternal(this, 'medchat-compose-send', { body: body! });
  }

  #typing(isTyping: boolean) {
    emitInternal(this, 'medchat-compose-typing', { isTyping });
  }
}
