import { LitElement, html, nothing, svg, type PropertyValues } from 'lit';
import { ChatController } from '../../controllers/chat.controller';
import type { View } from '../../controllers/chat-state';
import { LocalizeController } from '../../controllers/localize.controller';
import { emit, type InternalEventMap } from '../../events/events';
import { base, tokens } from '../../styles/tokens.styles';
import { brandTokens } from '../../utils/color';
import { formatTranscript } from '../../utils/transcript';
import { styles } from './medchat-widget.styles';

const CHAT_ICON = svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Z"/></svg>`;
type Internal<K extends keyof InternalEventMap> = CustomEvent<InternalEventMap[K]>;

/**
 * A drop-in patient chat for a clinic's website.
 *
 * @attr server - MedChat server origin, e.g. `https://chat.example-clinic.org` (required).
 * @attr site - the clinic's site key (required).
 * @attr identity-token - a token signed by the clinic's backend for a signed-in patient (skips the name question).
 * @attr locale - `en` or `es` (default: the browser's language).
 * @attr position - `bottom-right` (default) or `bottom-left`.
 * @attr open - the panel is open; reflects.
 * @attr title - the panel heading (default: "Chat with <clinic>").
 * @attr theme - `light` or `dark` (default: follow prefers-color-scheme).
 *
 * @fires medchat-ready - `{clinic: {id, name}, resumed}` once usable.
 * @fires medchat-open - the panel opened.
 * @fires medchat-close - the panel closed.
 * @fires medchat-message - `{message}` for every message that appears.
 * @fires medchat-session-ended - `{sessionId}`.
 * @fires medchat-error - `{code, message}`.
 *
 * @csspart launcher - the round button that opens the chat.   @csspart badge - the unread count.
 * @csspart panel - the chat window.   @csspart header - its title bar.   @csspart end-button - "End chat".
 * @csspart emergency-notice - the "not for emergencies" note.   @csspart queue-status - place in the queue.
 * @csspart message-list - the conversation.   @csspart message - each message (also message-own/-staff/-system).
 * @csspart composer - the message form.   @csspart send-button - its send button.
 *
 * @cssprop --medchat-color-primary   @cssprop --medchat-color-on-primary   @cssprop --medchat-color-surface
 * @cssprop --medchat-color-text   @cssprop --medchat-color-muted   @cssprop --medchat-color-danger
 * @cssprop --medchat-font-family   @cssprop --medchat-radius   @cssprop --medchat-z-index
 * @cssprop --medchat-launcher-size   @cssprop --medchat-panel-width
 */
export class MedChatWidget extends LitElement {
  static override styles = [tokens, base, styles];
  static override properties = {
    server: {},
    site: {},
    identityToken: { attribute: 'identity-token' },
    locale: {},
    position: { reflect: true },
    open: { type: Boolean, reflect: true },
    title: {},
    theme: { reflect: true },
    isConfirming: { state: true },
  };

  server = '';
  site = '';
  identityToken: string | null = null;
  locale: string | null = null;
  position: 'bottom-right' | 'bottom-left' = 'bottom-right';
  open = false;
  override title = '';
  theme: 'light' | 'dark' | null = null;
  private isConfirming = false;

  private readonly chat = new ChatController(this);
  private readonly i18n = new LocalizeController(this);
  private needsConfigure = true;
  private shownView: View | null = null;
  private shouldFocusPanel = false;
  private brand: string | null = null;

  /** Opens the panel and moves focus into it. */
  show(): void {
    this.shouldFocusPanel = true;
    this.open = true;
  }

  /** Closes the panel; focus returns to the launcher if it was inside. */
  hide(): void {
    const hadFocus = this.matches(':focus-within');
    this.open = false;
    this.isConfirming = false;
    if (hadFocus) void this.updateComplete.then(() => this.$('.launcher')?.focus());
  }

  toggle(): void {
    if (this.open) this.hide();
    else this.show();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.needsConfigure = true;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.needsConfigure = true;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const settings = changed.has('server') || changed.has('site') || changed.has('identityToken');
    if ((this.needsConfigure || settings) && this.server && this.site) {
      this.needsConfigure = false;
      void this.chat.configure({ server: this.server, site: this.site, identityToken: this.identityToken });
    }
    if (changed.has('open') && this.open) this.chat.clearUnread();
    this.applyBrand();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('open') && (changed.get('open') !== undefined || this.open)) {
      emit(this, this.open ? 'medchat-open' : 'medchat-close', {});
      if (this.open) this.chat.markRead();
    }
    const view = this.chat.view;
    const viewChanged = view !== this.shownView;
    this.shownView = view;
    const lostFocus = this.matches(':focus-within') || document.activeElement === document.body;
    if (this.open && (this.shouldFocusPanel || (viewChanged && lostFocus))) {
      this.shouldFocusPanel = false;
      this.focusView(view);
    }
  }

  override render() {
    const { t } = this.i18n;
    const c = this.chat;
    const view = c.view;
    const hasSession = view === 'waiting' || view === 'chat';
    const unread = c.unread && !this.open ? `, ${t.unread(c.unread)}` : '';
    const banner = c.banner;
    return html`
      <button part="launcher" class="launcher primary" type="button" aria-expanded=${this.open ? 'true' : 'false'} aria-controls="panel"
        aria-label=${(this.open ? t.closeChat : t.openChat) + unread} @click=${this.toggle}>
        ${CHAT_ICON}
        ${c.unread && !this.open ? html`<span part="badge" class="badge" aria-hidden="true">${c.unread > 9 ? '9+' : c.unread}</span>` : nothing}
      </button>
      <section id="panel" part="panel" class="panel" role="dialog" aria-labelledby="title" ?hidden=${!this.open} lang=${t.locale} @keydown=${this.onKeyDown}>
        <header part="header">
          <h2 id="title">${this.title || t.title(c.clinic?.name ?? '')}</h2>
          ${hasSession
            ? html`<button part="end-button" class="end" type="button" ?disabled=${c.isBusy} aria-expanded=${this.isConfirming ? 'true' : 'false'}
                @click=${this.askEnd}>${t.endChat}</button>`
            : nothing}
          <button class="close" type="button" aria-label=${t.closeChat} @click=${this.hide}>×</button>
        </header>
        <div part="emergency-notice" class="emergency" role="note"><strong>${t.notEmergency}</strong> ${c.clinic?.emergencyText || t.emergencyFallback}</div>
        ${banner ? html`<div class="note" role="status">${banner === 'offline' ? t.offline : t.reconnecting}</div>` : nothing}
        ${c.error
          ? html`<div class="note error" role="alert">${t.error(c.error)}
              <button class="secondary" type="button" @click=${() => c.dismissError()}>${t.dismiss}</button></div>`
          : nothing}
        ${this.isConfirming && hasSession
          ? html`<div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
              <p id="confirm-text">${t.endConfirm}</p>
              <div>
                <button class="danger" type="button" @click=${this.confirmEnd}>${t.endConfirmYes}</button>
                <button class="secondary keep" type="button" @click=${this.cancelEnd}>${t.endConfirmNo}</button>
              </div>
            </div>`
          : nothing}
        <div class="body">${this.renderView(view)}</div>
      </section>
    `;
  }

  private renderView(view: View) {
    const { t } = this.i18n;
    const c = this.chat;
    switch (view) {
      case 'loading':
        return html`<p class="center" role="status">${t.loading}</p>`;
      case 'unavailable':
        return html`<p class="center">${t.error(c.error ?? 'internal_error')}</p>`;
      case 'prechat':
        return html`<medchat-prechat-form .t=${t} name=${c.lastName} ?needsName=${!this.identityToken} ?isBusy=${c.isBusy}
          @medchat-prechat-submit=${(e: Internal<'medchat-prechat-submit'>) => void c.start(e.detail.name, e.detail.reason)}></medchat-prechat-form>`;
      case 'ended':
        return html`<medchat-end-screen .t=${t} .transcript=${this.transcriptText()} @medchat-new-chat=${() => c.newChat()}></medchat-end-screen>`;
      default: {
        const chat = c.chat;
        return html`
          ${view === 'waiting' ? html`<medchat-queue-status exportparts="queue-status" .t=${t} .queue=${c.queue}></medchat-queue-status>` : nothing}
          <medchat-message-list exportparts="message-list, message, message-own, message-staff, message-system" .t=${t}
            .messages=${chat?.messages ?? []} .pending=${chat?.pending ?? []} .readBy=${new Map(chat?.readBy ?? [])}
            .selfId=${c.selfId} .hasEmployee=${Boolean(chat?.session?.employee)} .typists=${chat?.typists ?? []}
            @medchat-retry=${(e: Internal<'medchat-retry'>) => c.retry(e.detail.clientMsgId)}></medchat-message-list>
          <medchat-composer exportparts="composer, send-button" .t=${t}
            @medchat-compose-send=${(e: Internal<'medchat-compose-send'>) => c.send(e.detail.body)}
            @medchat-compose-typing=${(e: Internal<'medchat-compose-typing'>) => c.typing(e.detail.isTyping)}></medchat-composer>
        `;
      }
    }
  }

  private transcriptText(): string {
    const c = this.chat;
    return formatTranscript({ clinicName: c.clinic?.name ?? '', messages: c.transcript ?? [], selfId: c.selfId, t: this.i18n.t });
  }

  private focusView(view: View): void {
    const target: Record<View, string> = {
      loading: '.close',
      unavailable: '.close',
      prechat: 'medchat-prechat-form',
      waiting: 'medchat-composer',
      chat: 'medchat-composer',
      ended: 'medchat-end-screen',
    };
    const el = this.$(target[view]);
    // A child shown in this very render has not rendered its own controls yet: wait, then focus (delegatesFocus).
    void (el instanceof LitElement ? el.updateComplete : Promise.resolve()).then(() => el?.focus());
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    if (this.isConfirming) this.cancelEnd();
    else this.hide();
  }

  private async askEnd(): Promise<void> {
    this.isConfirming = true;
    await this.updateComplete;
    this.$('.keep')?.focus();
  }

  private async cancelEnd(): Promise<void> {
    this.isConfirming = false;
    await this.updateComplete;
    this.$('.end')?.focus();
  }

  private async confirmEnd(): Promise<void> {
    this.isConfirming = false;
    await this.chat.end();
  }

  /** The clinic's brand colour, through custom properties only (a page's own --medchat-color-primary still wins). */
  private applyBrand(): void {
    const brand = this.chat.clinic?.brandColor ?? null;
    if (brand === this.brand) return;
    this.brand = brand;
    const tokens = brandTokens(brand);
    if (tokens) {
      this.style.setProperty('--medchat-brand-color', tokens.primary);
      this.style.setProperty('--medchat-brand-on-color', tokens.onPrimary);
    } else {
      this.style.removeProperty('--medchat-brand-color');
      this.style.removeProperty('--medchat-brand-on-color');
    }
  }

  private $(selector: string): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>(selector);
  }
}
