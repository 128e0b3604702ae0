import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Message, PendingMessage, Typist } from '@medchat/sdk';
import { emitInternal } from '../../events/events';
import { base } from '../../styles/tokens.styles';
import type { Translation } from '../../translations';
import { formatTime } from '../../utils/format';
import { linkify } from '../../utils/linkify';
import { authorKind, lastOwnSeq, ownStatus } from './message-list.status';
import { styles } from './message-list.styles';

/**
 * The conversation: a `role="log"` live region of messages (text only, through Lit bindings; http(s) links only),
 * sends not stored yet with "not sent" and retry, and who is typing.
 * @csspart message-list - the scrolling log.
 * @csspart message - every message; also `message-own`, `message-staff` or `message-system`.
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
  };

  declare t: Translation;
  messages: readonly Message[] = [];
  pending: readonly PendingMessage[] = [];
  readBy: ReadonlyMap<string, number> = new Map();
  selfId: string | null = null;
  hasEmployee = false;
  typists: readonly Typist[] = [];
  private isPinned = true;

  override render() {
    const { t } = this;
    const lastOwn = lastOwnSeq(this.messages, this.selfId);
    return html`
      <div class="log" part="message-list" role="log" aria-label=${t.messagesLabel} tabindex="0" @scroll=${this.onScroll}>
        ${repeat(this.messages, (m) => m.id, (m) => this.renderMessage(m, m.seq === lastOwn))}
        ${repeat(this.pending, (p) => p.clientMsgId, (p) => this.renderPending(p))}
      </div>
      <div class="typing" aria-live="polite">${this.typists.length ? t.typing(this.typists.map((u) => u.displayName)) : nothing}</div>
    `;
  }

  private renderMessage(m: Message, showStatus: boolean) {
    const kind = authorKind(m, this.selfId);
    const time = html`<time datetime=${m.createdAt}>${formatTime(m.createdAt, this.t.locale)}</time>`;
    if (kind === 'system') {
      const text = m.system ? this.t.system(m.system.event, m.system.employeeName) : m.body;
      return html`<div class="system" part="message message-system">${text} ${time}</div>`;
    }
    const status = kind === 'own' && showStatus ? ownStatus(m, this.readBy, this.selfId, this.hasEmployee) : null;
    const statusText = status === 'read' ? this.t.statusRead : status === 'delivered' ? this.t.statusDelivered : this.t.statusSent;
    return html`<div class="row ${kind}" part="message message-${kind}">
      <span class=${kind === 'own' ? 'sr-only' : 'who'}>${kind === 'own' ? this.t.you : m.sender!.displayName}</span>
      <div class="bubble">${this.renderBody(m.body)}</div>
      <div class="meta">${time}${status ? html`<span>· ${statusText}</span>` : nothing}</div>
    </div>`;
  }

  private renderPending(p: PendingMessage) {
    const failed = p.state === 'failed';
    return html`<div class="row own pending" part="message message-own">
      <span class="sr-only">${this.t.you}</span>
      <div class="bubble">${this.renderBody(p.body)}</div>
      <div class="meta">
        ${failed
          ? html`<span class="failed">${this.t.statusFailed}</span>
              <button type="button" @click=${() => emitInternal(this, 'medchat-retry', { clientMsgId: p.clientMsgId })}>${this.t.retry}</button>`
          : html`<span>${this.t.statusSending}</span>`}
      </div>
    </div>`;
  }

  /** Text and http(s) links only: every piece goes through a text binding, never HTML (RELIABILITY I5). */
  private renderBody(body: string) {
    return linkify(body).map((s) =>
      'href' in s ? html`<a href=${s.href} target="_blank" rel="noopener noreferrer nofollow">${s.text}</a>` : s.text,
    );
  }

  private onScroll(event: Event) {
    const log = event.currentTarget as HTMLElement;
    this.isPinned = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Follow new messages unless the reader scrolled up to read older ones.
    if ((changed.has('messages') || changed.has('pending')) && this.isPinned) {
      const log = this.renderRoot.querySelector('.log');
      if (log) log.scrollTop = log.scrollHeight;
    }
  }
}
