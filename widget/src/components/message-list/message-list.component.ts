import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import type { Message, PendingMessage, Typist } from '@medchat/sdk/patient';
import { emitInternal } from '../../events/events';
import { base } from '../../styles/tokens.styles';
import type { Translation } from '../../translations';
import { formatTime } from '../../utils/format';
import { linkify } from '../../utils/linkify';
import { authorKind, lastOwnSeq, ownStatus } from './message-list.status';
import type { AttachmentKit } from '../attachments/attachment-kit';
import { styles } from './message-list.styles';

/** Stands for a name while a translated sentence is built (never in a translation, nor in a cleaned name). */
const SLOT = '\u0000';

/**
 * A widget sentence with people's names in it, each name in a `<bdi>`: a right-to-left name, or one carrying bidi
 * controls, cannot reorder the sentence's own words.
 */
function withNames(sentence: (names: readonly string[]) => string, names: readonly string[]) {
  const parts = sentence(names.map(() => SLOT)).split(SLOT);
  return parts.map((part, i) => (i === 0 ? part : html`<bdi>${names[i - 1]}</bdi>${part}`));
}

/**
 * The conversation: a `role="log"` live region of messages (text only, through Lit bindings; http(s) links only),
 * sends not stored yet with "not sent" and retry, and who is typing. What people wrote is isolated (names in
 * `<bdi>`, also inside the widget's sentences; bodies `dir="auto"`) and long unbroken text wraps (tests/e2e/widget.text.test.ts).
 * A message's files are the attachments chunk's `<medchat-attachment-list>` (with `kit`, its links).
 * @csspart message-list - the scrolling log.
 * @csspart message - every message; also `message-own`, `message-staff` or `message-system`.
 * @csspart new-messages - the button that scrolls down to messages that arrived while the reader was scrolled up.
 * @fires medchat-retry - internal: `{clientMsgId}` of a failed send to try again.
 */
export class MessageList extends LitElement {
  static override styles = [base, styles];
  static override properties = {
    t: { attribute: false },
    messages: { attribute: false },
    pending: { attribute: false },
    readBy: { attribute: false },
    selfId: { attribute: false },
    hasEmployee: { attribute: false },
    typists: { attribute: false },
    kit: { attribute: false },
    unseen: { state: true },
  };

  declare t: Translation;
  messages: readonly Message[] = [];
  pending: readonly PendingMessage[] = [];
  readBy: ReadonlyMap<string, number> = new Map();
  selfId: string | null = null;
  hasEmployee = false;
  typists: readonly Typist[] = [];
  kit: AttachmentKit | null = null;
  /** The reader is at (or near) the bottom: new messages scroll into view. */
  #isAtBottom = true;
  /** Messages from others that arrived while the reader was scrolled up. */
  private unseen = 0;
  #lastSeq = 0;
  #lastPending = 0;
  #resizes = new ResizeObserver(() => this.#isAtBottom && this.#scrollToBottom());

  override render() {
    const { t } = this;
    const lastOwn = lastOwnSeq(this.messages, this.selfId);
    return html`
      <div class="log" part="message-list" role="log" aria-label=${t.messagesLabel} tabindex="0" @scroll=${this.#onScroll}>
        ${this.messages.map((m) => keyed(m.id, this.#renderMessage(m, m.seq === lastOwn)))}
        ${this.pending.map((p) => keyed(p.clientMsgId, this.#renderPending(p)))}
      </div>
      <div class="jump" aria-live="polite">
        ${
          this.unseen
            ? html`<button part="new-messages" class="secondary" type="button" @click=${this.#scrollToBottom}><span aria-hidden="true">↓</span> ${t.newMessages(this.unseen)}</button>`
            : nothing
        }
      </div>
      <div class="typing" aria-live="polite">${
        this.typists.length
          ? withNames(
              t.typing,
              this.typists.map((u) => u.displayName),
            )
          : nothing
      }</div>
    `;
  }

  #renderMessage(m: Message, showStatus: boolean) {
    const kind = authorKind(m, this.selfId);
    const time = html`<time datetime=${m.createdAt}>${formatTime(m.createdAt, this.t.locale)}</time>`;
    if (kind === 'system') {
      const name = m.system?.employeeName;
      const text = !m.system ? m.body : name ? withNames(([n]) => this.t.system(m.system!.event, n!), [name]) : this.t.system(m.system.event, null);
      return html`<div class="system" part="message message-system">${text} ${time}</div>`;
    }
    const status = kind === 'own' && showStatus ? ownStatus(m, this.readBy, this.selfId, this.hasEmployee) : null;
    const statusText = status === 'read' ? this.t.statusRead : status === 'delivered' ? this.t.statusDelivered : this.t.statusSent;
    return html`<div class="row ${kind}" part="message message-${kind}">
      ${kind === 'own' ? html`<span class="sr-only">${this.t.you}</span>` : html`<bdi class="who">${m.sender!.displayName}</bdi>`}
      ${m.body ? html`<div class="bubble" dir="auto">${this.#renderBody(m.body)}</div>` : nothing}
      ${m.attachments ? html`<medchat-attachment-list .kit=${this.kit} .files=${m.attachments} .t=${this.t}></medchat-attachment-list>` : nothing}
      <div class="meta">${time}${status ? html`<span>· ${statusText}</span>` : nothing}</div>
    </div>`;
  }

  #renderPending(p: PendingMessage) {
    const failed = p.state === 'failed';
    return html`<div class="row own pending" part="message message-own">
      <span class="sr-only">${this.t.you}</span>
      <div class="bubble" dir="auto">${this.#renderBody(p.body)}</div>
      <div class="meta">
        ${
          failed
            ? html`<span class="failed">${this.t.statusFailed}</span>
              <button type="button" @click=${() => emitInternal(this, 'medchat-retry', { clientMsgId: p.clientMsgId })}>${this.t.retry}</button>`
            : html`<span>${this.t.statusSending}</span>`
        }
      </div>
    </div>`;
  }

  /** Text and http(s) links only: every piece goes through a text binding, never HTML (tests/e2e/widget.test.ts, hostile text). */
  #renderBody(body: string) {
    return linkify(body).map((s) => ('href' in s ? html`<a href=${s.href} target="_blank" rel="noopener noreferrer nofollow">${s.text}</a>` : s.text));
  }

  #onScroll(event: Event) {
    const log = event.currentTarget as HTMLElement;
    this.#isAtBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    if (this.#isAtBottom) this.unseen = 0;
  }

  #scrollToBottom = () => {
    const log = this.renderRoot.querySelector('.log');
    if (log) log.scrollTop = log.scrollHeight;
    this.#isAtBottom = true;
    this.unseen = 0;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.#observe();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resizes.disconnect();
  }

  protected override firstUpdated(): void {
    this.#observe();
  }

  /** The log changes size (the composer grows or shrinks, the panel opens or resizes): stay at the bottom if there. */
  #observe(): void {
    const log = this.renderRoot.querySelector('.log');
    if (!log) return;
    this.#resizes.observe(log);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('messages') && !changed.has('pending')) return;
    this.#observe();
    const arrived = this.messages.filter((m) => m.seq > this.#lastSeq);
    const hasOwnSend = this.pending.length > this.#lastPending;
    this.#lastSeq = this.messages.at(-1)?.seq ?? this.#lastSeq;
    this.#lastPending = this.pending.length;
    // Follow new messages while the reader is at the bottom, and always after their own send; a reader who
    // scrolled up keeps their place and is told how many arrived (tests/e2e/widget.scroll.test.ts).
    if (this.#isAtBottom || hasOwnSend) return this.#scrollToBottom();
    const fromOthers = arrived.filter((m) => authorKind(m, this.selfId) !== 'own').length;
    if (fromOthers) this.unseen += fromOthers;
  }
}
