import { LitElement, html } from 'lit';
import { MAX_MESSAGE_LENGTH } from '@medchat/sdk/patient';
import { emitInternal } from '../../events/events';
import { base } from '../../styles/tokens.styles';
import { styles } from './composer.styles';
import type { Translation } from '../../translations';
import { composerKeyAction, messageToSend } from './composer.keys';

/**
 * Where the patient writes: Enter sends, Shift+Enter adds a line. Typing is reported (throttled by the SDK).
 * @csspart composer - the form.
 * @csspart send-button - the send button.
 * @fires medchat-compose-send - internal: `{body}`.
 * @fires medchat-compose-typing - internal: `{isTyping}`.
 */
export class Composer extends LitElement {
  static override styles = [base, styles];
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  static override properties = { t: { attribute: false } };

  declare t: Translation;

  override render() {
    const { t } = this;
    return html`<form part="composer" @submit=${this.#onSubmit}>
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
    if (body === null) return;
    this.#textarea.value = '';
    this.#typing(false);
    emitInternal(this, 'medchat-compose-send', { body });
  }

  #typing(isTyping: boolean) {
    emitInternal(this, 'medchat-compose-typing', { isTyping });
  }
}
