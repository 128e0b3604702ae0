import { LitElement, html, nothing } from 'lit';
import type { QueueStatus } from '@medchat/sdk/patient';
import { base } from '../../styles/tokens.styles';
import { styles } from './queue-status.styles';
import type { Translation } from '../../translations';
import { queueLines } from './queue-status.text';

/**
 * The waiting patient's place in the queue and the estimated wait; updates live (announced politely).
 * @csspart queue-status - the status box.
 */
export class QueueStatusView extends LitElement {
  static override styles = [base, styles];
  static override properties = { t: { attribute: false }, queue: { attribute: false } };

  declare t: Translation;
  queue: QueueStatus | null = null;

  override render() {
    const lines = queueLines(this.queue, this.t);
    return html`<div part="queue-status" role="status">
      <strong>${this.t.queueTitle}</strong>
      ${lines.map((line) => html`<p>${line}</p>`)}
      ${lines.length ? nothing : html`<p>${this.t.loading}</p>`}
      <p class="hint">${this.t.queueHint}</p>
    </div>`;
  }
}
