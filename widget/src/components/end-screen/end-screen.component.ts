import { LitElement, html, type PropertyValues } from 'lit';
import { emitInternal } from '../../events/events';
import { base } from '../../styles/tokens.styles';
import { styles } from './end-screen.styles';
import type { Translation } from '../../translations';
import { transcriptFileName } from '../../utils/transcript';

/**
 * After a chat ended: a plain-text transcript to download (a Blob URL; nothing is stored) and "start a new chat".
 * @fires medchat-new-chat - internal.
 */
export class EndScreen extends LitElement {
  static override styles = [base, styles];
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  static override properties = { t: { attribute: false }, transcript: { attribute: false } };

  declare t: Translation;
  /** The transcript text; empty when there was nothing said. */
  transcript = '';
  #url = '';

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('transcript')) {
      if (this.#url) URL.revokeObjectURL(this.#url);
      this.#url = URL.createObjectURL(new Blob([this.transcript], { type: 'text/plain;charset=utf-8' }));
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.#url) URL.revokeObjectURL(this.#url);
    this.#url = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-attached after a disconnect: make a fresh URL (the old one was revoked).
    if (!this.#url && this.hasUpdated) this.requestUpdate('transcript', '');
  }

  override render() {
    const { t } = this;
    return html`<h2>${t.endedTitle}</h2>
      <p>${t.endedText}</p>
      <div class="actions">
        <a href=${this.#url} download=${transcriptFileName()}>${t.downloadTranscript}</a>
        <button class="primary" type="button" @click=${() => emitInternal(this, 'medchat-new-chat', {})}>${t.newChat}</button>
      </div>`;
  }
}
