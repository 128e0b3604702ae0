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
 * @attr label - the panel heading (default: "Chat with <clinic>").
 * @attr theme - `light` (default), `dark`, or `auto` (follows the reader's prefers-color-scheme).
 * @attr isolation - `frame` (default: the conversation runs in a frame on the MedChat server's origin, out of the page scripts' reach) or `none` (in the page). Read by the `<medchat-widget>` loader (embed/embed.element.ts).
 *
 * @fires medchat-ready - `{clinic: {id, name}, resumed}` once usable.
 * @fires medchat-open - the panel opened.
 * @fires medchat-close - the panel closed.
 * @fires medchat-message - `{message}` for every message that appears.
 * @fires medchat-session-ended - `{sessionId}`.
 * @fires medchat-error - `{code, message}`.
 *
 * @csspart launcher - the round button that opens and closes the chat.
 * @csspart badge - the unread count on the launcher.
 * @csspart panel - the chat window.
 * @csspart header - its title bar.
 * @csspart end-button - "End chat" in the header.
 * @csspart emergency-notice - the "not for emergencies" note with the clinic's emergency text.
 * @csspart queue-status - place in the queue and estimated wait.
 * @csspart after-hours - while the clinic is closed by its hours: the clinic's after-hours text, the next opening and "Leave a message", instead of the form; open with nobody available: the clinic's text above the form.
 * @csspart message-list - the conversation (a `role="log"` live region).
 * @csspart message - every message.
 * @csspart message-own - a message of the patient's.
 * @csspart message-staff - a message of a member of staff.
 * @csspart message-system - a notice (joined, left, ended).
 * @csspart new-messages - the button down to messages that arrived while the patient was scrolled up.
 * @csspart composer - the message form.
 * @csspart send-button - its send button.
 *
 * @cssprop --medchat-color-primary - launcher, header, own messages, primary buttons (default: the clinic's brand colour, else #0b5cad).
 * @cssprop --medchat-color-on-primary - text on the primary colour.
 * @cssprop --medchat-color-surface - panel background.
 * @cssprop --medchat-color-text - text and focus ring.
 * @cssprop --medchat-color-muted - times, hints, system lines.
 * @cssprop --medchat-color-danger - emergency note, errors, unread badge.
 * @cssprop --medchat-font-family - all text.
 * @cssprop --medchat-radius - panel and bubbles (buttons use half).
 * @cssprop --medchat-z-index - stacking of launcher and panel.
 * @cssprop --medchat-launcher-size - the round launcher button.
 * @cssprop --medchat-panel-width - the panel on wide screens.
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
    label: {},
    theme: { reflect: true },
    isConfirming: { state: true, attribute: false },
  };

  server = '';
  site = '';
  identityToken: string | null = null;
  locale: string | null = null;
  position: 'bottom-right' | 'bottom-left' = 'bottom-right';
  open = false;
  /** The panel heading; empty means "Chat with <clinic>". */
  label = '';
  theme: 'light' | 'dark' | 'auto' | null = null;
  private isConfirming = false;

  #controller = new ChatController(this);
  #i18n = new LocalizeController(this);
  #needsConfigure = true;
  #shownView: View | null = null;
  #shouldFocusPanel = false;
  #brand: string | null = null;

  /** Opens the panel and moves focus into it. */
  show(): void {
    this.#shouldFocusPanel = true;
    this.open = true;
  }

  /** Closes the panel; focus returns to the launcher if it was inside. */
  hide(): void {
    const hadFocus = this.matches(':focus-within');
    this.open = false;
    this.isConfirming = false;
    if (hadFocus) void this.updateComplete.then(() => this.#$('.launcher')?.focus());
  }

  toggle(): void {
    if (this.open) this.hide();
    else this.show();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#needsConfigure = true;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#needsConfigure = true;
  }

  /** Waits for the patient's language when it is not loaded yet (its own small chunk), then renders in it. */
  protected override async scheduleUpdate(): Promise<void> {
    await this.#i18n.pending;
    await super.scheduleUpdate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const settings = changed.has('server') || changed.has('site') || changed.has('identityToken');
    if ((this.#needsConfigure || settings) && this.server && this.site) {
      this.#needsConfigure = false;
      void this.#controller.configure({ server: this.server, site: this.site, identityToken: this.identityToken });
    }
    if (changed.has('open') && this.open) this.#controller.clearUnread();
    this.#applyBrand();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('open') && (changed.get('open') !== undefined || this.open)) {
      emit(this, this.open ? 'medchat-open' : 'medchat-close', {});
      if (this.open) this.#controller.markRead();
    }
    const view = this.#controller.view;
    const viewChanged = view !== this.#shownView;
    this.#shownView = view;
    const lostFocus = this.matches(':focus-within') || document.activeElement === document.body;
    if (this.open && (this.#shouldFocusPanel || (viewChanged && lostFocus))) {
      this.#shouldFocusPanel = false;
      this.#focusView(view);
    }
  }

  override render() {
    const { t } = this.#i18n;
    const c = this.#controller;
    const view = c.view;
    const hasSession = view === 'waiting' || view === 'chat';
    const unread = c.unread && !this.open ? `, ${t.unread(c.unread)}` : '';
    const banner = c.banner;
    return html`
      <button part="launcher" class="launcher primary" type="button" aria-expanded=${this.open} aria-controls="panel"
        aria-label=${(this.open ? t.closeChat : t.openChat) + unread} @click=${this.toggle}>
        ${CHAT_ICON}
        ${c.unread && !this.open ? html`<span part="badge" class="badge" aria-hidden="true">${c.unread > 9 ? '9+' : c.unread}</span>` : nothing}
      </button>
      <section id="panel" part="panel" class="panel ${hasSession ? 'tall' : ''}" role="dialog" aria-labelledby="title" ?hidden=${!this.open} lang=${t.locale} @keydown=${this.#onKeyDown}>
        <header part="header">
          <h2 id="title">${this.label || t.title(c.clinic?.name ?? '')}</h2>
          ${
            hasSession
              ? html`<button part="end-button" class="end" type="button" ?disabled=${c.isBusy} aria-expanded=${this.isConfirming}
                @click=${this.#askEnd}>${t.endChat}</button>`
              : nothing
          }
          <button class="close" type="button" aria-label=${t.minimizeChat} @click=${this.hide}>×</button>
        </header>
        <div part="emergency-notice" class="emergency" role="note"><strong>${t.notEmergency}</strong> ${c.clinic?.emergencyText || t.emergencyFallback}</div>
        ${banner ? html`<div class="note" role="status">${banner === 'offline' ? t.offline : t.reconnecting}</div>` : nothing}
        ${
          c.error
            ? html`<div class="note error" role="alert">${t.error(c.error)}
              <button class="secondary" type="button" @click=${() => c.dismissError()}>${t.dismiss}</button></div>`
            : nothing
        }
        ${
          this.isConfirming && hasSession
            ? html`<div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
              <p id="confirm-text">${t.endConfirm}</p>
              <div>
                <button class="danger" type="button" @click=${this.#confirmEnd}>${t.endConfirmYes}</button>
                <button class="secondary keep" type="button" @click=${this.#cancelEnd}>${t.endConfirmNo}</button>
              </div>
            </div>`
            : nothing
        }
        <div class="body">${this.#renderView(view)}</div>
      </section>
    `;
  }

  #renderView(view: View) {
    const { t } = this.#i18n;
    const c = this.#controller;
    const hours = c.clinic?.hours;
    switch (view) {
      case 'loading':
        return html`<p class="center" role="status">${t.loading}</p>`;
      case 'unavailable':
        return html`<p class="center">${t.error(c.unavailableCode ?? c.error ?? 'internal_error')}</p>`;
      case 'closed': {
        const when = hours!.nextOpenAt && new Date(hours!.nextOpenAt).toLocaleString(t.locale, { dateStyle: 'full', timeStyle: 'short' });
        return this.#afterHours(
          t.closedTitle,
          when ? t.closedNext(when) : t.closedNoNext,
          html`<button class="primary" type="button" @click=${() => ((c.isLeaving = true), this.requestUpdate())}>${t.leaveMessage}</button>`,
        );
      }
      case 'prechat':
        // Open with nobody available: said before the patient types; the form leaves the message.
        // An email's link already used or expired: why, and the form below starts a new chat.
        return html`${c.linkSpent ? html`<div class="center closed" role="status"><h3>${t.linkSpent(c.linkSpent)}</h3><p>${t.linkNewChat}</p></div>` : nothing}${hours?.isOpen && !hours.isStaffAvailable ? this.#afterHours(t.busyTitle, t.busyText) : nothing}<medchat-prechat-form .t=${t} name=${c.lastName} .needsName=${!this.identityToken} ?isBusy=${c.isBusy} .intake=${c.clinic!.intake}
          .consent=${c.clinic!.emailConsent} .identityEmail=${c.identityEmail}
          @medchat-prechat-submit=${(e: Internal<'medchat-prechat-submit'>) => void c.start(e.detail)}></medchat-prechat-form>`;
      case 'ended':
        return html`<medchat-end-screen .t=${t} .transcript=${this.#transcriptText()} @medchat-new-chat=${() => c.newChat()}></medchat-end-screen>`;
      default: {
        const handle = c.sessionHandle;
        return html`
          ${
            view !== 'waiting'
              ? nothing
              : // Left while closed, or nobody available: no place or wait to give; how the answer will reach the patient.
                c.current?.leftWhileClosed || c.queue?.isStaffAvailable === false
                ? this.#afterHours(c.current?.leftWhileClosed ? t.leftTitle : t.queueTitle, t.answerWhere(Boolean(this.identityToken)))
                : html`<medchat-queue-status exportparts="queue-status" .t=${t} .queue=${c.queue}></medchat-queue-status>`
          }
          <medchat-message-list exportparts="message-list, message, message-own, message-staff, message-system, new-messages" .t=${t}
            .messages=${handle?.messages ?? []} .pending=${handle?.pending ?? []} .readBy=${new Map(handle?.readBy ?? [])}
            .selfId=${c.selfId} .hasEmployee=${Boolean(handle?.session?.employee)} .typists=${handle?.typists ?? []} .kit=${c.kit}
            @medchat-retry=${(e: Internal<'medchat-retry'>) => c.retry(e.detail.clientMsgId)}></medchat-message-list>
          <medchat-composer exportparts="composer, send-button" .t=${t} .kit=${c.kit} .session=${handle?.sessionId}
            @medchat-compose-send=${(e: Internal<'medchat-compose-send'>) => c.send(e.detail.body)}
            @medchat-compose-typing=${(e: Internal<'medchat-compose-typing'>) => c.typing(e.detail.isTyping)}></medchat-composer>
        `;
      }
    }
  }

  /** The clinic's after-hours text under a title, then a line (and an action). */
  #afterHours(title: string, line: string, action?: unknown) {
    const text = this.#controller.clinic!.hours.afterHoursText;
    return html`<div part="after-hours" class="center closed" role="status"><h3>${title}</h3>${text ? html`<p>${text}</p>` : nothing}<p>${line}</p>${action}</div>`;
  }

  #transcriptText(): string {
    const c = this.#controller;
    return formatTranscript({ clinicName: c.clinic?.name ?? '', messages: c.transcript ?? [], selfId: c.selfId, t: this.#i18n.t });
  }

  #focusView(view: View): void {
    // Views with nothing to fill in (loading, unavailable, closed) focus the × in the header.
    const target: Partial<Record<View, string>> = {
      prechat: 'medchat-prechat-form',
      waiting: 'medchat-composer',
      chat: 'medchat-composer',
      ended: 'medchat-end-screen',
    };
    const el = this.#$(target[view] ?? '.close');
    // A child shown in this very render has not rendered its own controls yet: wait, then focus (delegatesFocus).
    void (el instanceof LitElement ? el.updateComplete : Promise.resolve()).then(() => el?.focus());
  }

  #onKeyDown(e: KeyboardEvent): void {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    if (this.isConfirming) void this.#cancelEnd();
    else this.hide();
  }

  async #askEnd(): Promise<void> {
    this.isConfirming = true;
    await this.updateComplete;
    this.#$('.keep')?.focus();
  }

  async #cancelEnd(): Promise<void> {
    this.isConfirming = false;
    await this.updateComplete;
    this.#$('.end')?.focus();
  }

  async #confirmEnd(): Promise<void> {
    this.isConfirming = false;
    await this.#controller.end();
  }

  /** The clinic's brand colour, through custom properties only (a page's own --medchat-color-primary still wins). */
  #applyBrand(): void {
    const brand = this.#controller.clinic?.brandColor ?? null;
    if (brand === this.#brand) return;
    this.#brand = brand;
    const tokens = brandTokens(brand);
    for (const [name, value] of [
      ['color', tokens?.primary],
      ['on-color', tokens?.onPrimary],
    ])
      if (value) this.style.setProperty(`--medchat-brand-${name}`, value);
      else this.style.removeProperty(`--medchat-brand-${name}`);
  }

  #$(selector: string): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>(selector);
  }
}
