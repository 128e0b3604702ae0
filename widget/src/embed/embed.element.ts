import {
  EMBED_FRAME_PATH,
  EMBED_VERSION,
  FRAME_TO_PAGE_TYPES,
  isEmbedMessage,
  type EmbedMessageKind,
  type FrameToPage,
  type PageToFrame,
} from '@medchat/sdk/protocol/embed';
import { EMBED_CSS } from './embed.styles';

/** The conversation's attributes the element passes on, in-page, to its `<medchat-chat>`. */
const FORWARDED = ['server', 'site', 'identity-token', 'locale', 'position', 'open', 'label', 'theme'];
const PARTS =
  'launcher, badge, panel, header, end-button, emergency-notice, queue-status, after-hours, message-list, message, message-own, message-staff, message-system, new-messages, composer, send-button';
/** The theming custom properties read from the element and handed to the frame. */
const TOKENS = 'color-primary color-on-primary color-surface color-text color-muted color-danger font-family radius'.split(' ');
/** In-page, the conversation draws the launcher and the panel too: it gets these as well. */
const PAGE_TOKENS = [...TOKENS, 'z-index', 'launcher-size', 'panel-width'];
/** How long the frame may take to answer once loaded before the page is told it was refused. */
const FRAME_ANSWER_MS = 4000;
const ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Z"/></svg>';
const TEXT = {
  en: [
    'Open chat',
    'Close chat',
    'Chat',
    'Chat is not available on this site.',
    'In an emergency, call your local emergency number.',
    'unread message',
    'unread messages',
  ],
  es: [
    'Abrir chat',
    'Cerrar chat',
    'Chat',
    'El chat no está disponible en este sitio.',
    'En una emergencia, llame al número de emergencias local.',
    'mensaje sin leer',
    'mensajes sin leer',
  ],
};

type Isolated = HTMLElement & { open: boolean };

/**
 * `<medchat-widget>` as the page gets it: a small element that, by default, shows the launcher and puts the
 * conversation in a frame served by the MedChat server (`isolation="none"`: in the page's own DOM, as
 * `<medchat-chat>`, loaded from beside this script). The conversation and its public API are
 * components/medchat-widget/medchat-widget.component.ts; widget/README.md says what each mode exposes to the page.
 * A little over 300 lines: both modes share the element's attributes and methods, and the loader is one file so
 * its budget (5 KB) is easy to watch.
 */
export class MedChatEmbed extends HTMLElement {
  static observedAttributes = [...FORWARDED, 'isolation'];
  /** Where this script was loaded from: the in-page conversation is loaded from beside it. */
  static scriptUrl = '';

  #root = this.attachShadow({ mode: 'open' });
  #identityToken: string | null = null;
  #launcher: HTMLButtonElement | null = null;
  #panel: HTMLElement | null = null;
  #frame: HTMLIFrameElement | null = null;
  #inner: Isolated | null = null;
  #unread = 0;
  #isReady = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #mode: 'frame' | 'none' | null = null;
  #wasOpen = false;

  get identityToken(): string | null {
    return this.#identityToken ?? this.getAttribute('identity-token');
  }
  set identityToken(value: string | null) {
    this.#identityToken = value;
    if (this.#inner) (this.#inner as unknown as { identityToken: string | null }).identityToken = value;
    this.#post({ type: 'identity', identityToken: value });
  }
  get open(): boolean {
    return this.hasAttribute('open');
  }
  set open(value: boolean) {
    this.toggleAttribute('open', value);
  }

  /** Opens the panel and moves focus into it. */
  show(): void {
    if (this.#inner) return void (this.#inner as unknown as { show(): void }).show();
    this.open = true;
    this.#frame?.focus();
  }

  /** Closes the panel; focus returns to the launcher if it was inside. */
  hide(): void {
    if (this.#inner) return void (this.#inner as unknown as { hide(): void }).hide();
    const hadFocus = this.#root.activeElement === this.#frame;
    this.open = false;
    if (hadFocus) this.#launcher?.focus();
  }

  toggle(): void {
    if (this.open) this.hide();
    else this.show();
  }

  connectedCallback(): void {
    // A patient back from an email's link came for that conversation: the chat opens at once (a spent link's notice
    // and its new chat likewise).
    if (/[?&]medchat_resume=/.test(location.search) && !this.open) this.open = true;
    this.#render();
  }

  disconnectedCallback(): void {
    removeEventListener('message', this.#onMessage);
    clearTimeout(this.#timer);
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return;
    // Not rendered yet (no server or site until now): render once both are there.
    if (!this.#mode) return void this.#render();
    if (name === 'isolation' || ((name === 'server' || name === 'site') && this.#mode === 'frame')) return this.#render();
    if (this.#inner) {
      this.#passTokens();
      if (name === 'open') this.#inner.open = value !== null;
      else if (value === null) this.#inner.removeAttribute(name);
      else this.#inner.setAttribute(name, value);
      return;
    }
    if (name === 'open') this.#openChanged();
    else if (name === 'locale') this.#post({ type: 'locale', locale: value });
    else if (name === 'identity-token') this.#post({ type: 'identity', identityToken: this.identityToken });
    else if (name === 'theme' || name === 'label') this.#post({ type: 'theme', ...this.#theme() });
    this.#renderLauncher();
  }

  #render(): void {
    const server = this.getAttribute('server');
    const site = this.getAttribute('site');
    if (!server || !site || !this.isConnected) return;
    const mode = this.getAttribute('isolation') === 'none' ? 'none' : 'frame';
    this.#mode = mode;
    clearTimeout(this.#timer);
    removeEventListener('message', this.#onMessage);
    this.#root.innerHTML = '';
    this.#inner = null;
    this.#frame = null;
    this.#isReady = false;
    if (mode === 'none') return void this.#renderInPage();
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(EMBED_CSS);
    this.#root.adoptedStyleSheets = [sheet];
    const launcher = (this.#launcher = document.createElement('button'));
    launcher.type = 'button';
    launcher.setAttribute('part', 'launcher');
    launcher.setAttribute('aria-controls', 'panel');
    launcher.onclick = () => this.toggle();
    const panel = (this.#panel = document.createElement('div'));
    panel.id = 'panel';
    panel.className = 'panel';
    panel.setAttribute('part', 'panel');
    panel.setAttribute('role', 'dialog');
    panel.onkeydown = (e) => e.key === 'Escape' && this.hide();
    const frame = (this.#frame = document.createElement('iframe'));
    const url = new URL(EMBED_FRAME_PATH, server);
    url.searchParams.set('site', site);
    const locale = this.getAttribute('locale');
    if (locale) url.searchParams.set('lang', locale);
    frame.src = url.href;
    frame.title = this.#text(2);
    // The conversation needs no page capabilities beyond scripts, forms, its own storage and downloads.
    frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms allow-downloads allow-popups allow-popups-to-escape-sandbox');
    frame.onload = () => {
      this.#post(this.#init());
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.#refused(url.origin), FRAME_ANSWER_MS);
    };
    addEventListener('message', this.#onMessage);
    panel.append(frame);
    this.#root.append(launcher, panel);
    this.#openChanged();
    this.#renderLauncher();
  }

  async #renderInPage(): Promise<void> {
    // The conversation bundle, from beside this script (an ES module either way; dist/medchat-chat.js).
    await import(/* @vite-ignore */ new URL('medchat-chat.js', MedChatEmbed.scriptUrl || document.baseURI).href);
    if (this.#mode !== 'none' || this.#inner) return;
    const inner = (this.#inner = document.createElement('medchat-chat') as Isolated);
    inner.setAttribute('exportparts', PARTS);
    for (const name of FORWARDED) {
      const value = this.getAttribute(name);
      if (value !== null) inner.setAttribute(name, value);
    }
    if (this.#identityToken) (inner as unknown as { identityToken: string }).identityToken = this.#identityToken;
    // The conversation's open state is the element's (reflected, so `medchat-widget[open]` styles keep working).
    inner.addEventListener('medchat-open', () => ((this.open = true), this.#passTokens()));
    inner.addEventListener('medchat-close', () => (this.open = false));
    this.#passTokens();
    this.#root.append(inner);
  }

  /**
   * In-page: the `--medchat-*` values the page set on this element, set on the conversation itself (it declares its
   * defaults on its own :host, which an inherited value would not override).
   */
  #passTokens(): void {
    const inner = this.#inner;
    if (!inner) return;
    const { tokens } = this.#theme(PAGE_TOKENS);
    for (const name of PAGE_TOKENS.map((n) => `--medchat-${n}`))
      if (tokens[name]) inner.style.setProperty(name, tokens[name]);
      else inner.style.removeProperty(name);
  }

  #init(): PageToFrame {
    const params = new URLSearchParams(location.search);
    const resume = params.get('medchat_resume');
    if (resume !== null) {
      // The resume link's token goes to the frame, and out of the page's address (nothing else of it changes).
      params.delete('medchat_resume');
      const search = params.toString();
      history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
    }
    return { type: 'init', open: this.open, locale: this.getAttribute('locale'), identityToken: this.identityToken, resume, ...this.#theme() };
  }

  #theme(names = TOKENS) {
    const style = getComputedStyle(this);
    const tokens: Record<string, string> = {};
    for (const name of names) {
      const value = style.getPropertyValue(`--medchat-${name}`).trim();
      if (value) tokens[`--medchat-${name}`] = value;
    }
    return { theme: this.getAttribute('theme'), tokens, label: this.getAttribute('label') ?? '' };
  }

  #onMessage = (event: MessageEvent): void => {
    const frame = this.#frame;
    if (!frame || event.source !== frame.contentWindow || event.origin !== new URL(frame.src).origin) return;
    if (!isEmbedMessage<FrameToPage>(event.data, FRAME_TO_PAGE_TYPES)) return;
    const m = event.data;
    clearTimeout(this.#timer);
    switch (m.type) {
      case 'ready':
        this.#isReady = true;
        // The clinic's brand colour for the launcher, as the conversation applies it (a page value still wins).
        for (const [name, value] of [
          ['color', m.brand?.color],
          ['on-color', m.brand?.onColor],
        ])
          if (value && /^#[0-9a-f]{3,8}$/i.test(value)) this.style.setProperty(`--medchat-brand-${name}`, value);
          else this.style.removeProperty(`--medchat-brand-${name}`);
        this.#emit('medchat-ready', { clinic: { id: m.clinic.id, name: m.clinic.name }, resumed: m.resumed === true });
        break;
      case 'close':
        this.hide();
        break;
      case 'size':
        if (Number.isFinite(m.height)) frame.style.setProperty('--_h', `${Math.max(120, Math.ceil(m.height))}px`);
        break;
      case 'unread':
        this.#unread = Math.max(0, Math.floor(Number(m.count)) || 0);
        this.#renderLauncher();
        break;
      case 'message':
        this.#emit('medchat-message', { kind: (['own', 'staff', 'system'] as EmbedMessageKind[]).find((k) => k === m.kind) ?? 'system' });
        break;
      case 'session-ended':
        this.#emit('medchat-session-ended', {});
        break;
      case 'error':
        this.#emit('medchat-error', { code: String(m.code), message: String(m.message) });
        break;
    }
  };

  /** The frame did not answer: the page's origin is not among the clinic's allowed origins, or the frame was blocked. */
  #refused(origin: string): void {
    if (this.#isReady || !this.#panel) return;
    console.warn(
      `MedChat: the chat frame from ${origin} did not load on ${location.origin}. Add ${location.origin} to the clinic's allowed origins (admin settings), and allow ${origin} in this page's Content-Security-Policy frame-src.`,
    );
    const p = document.createElement('p');
    p.setAttribute('part', 'unavailable');
    p.textContent = `${this.#text(3)} ${this.#text(4)}`;
    this.#frame?.setAttribute('hidden', '');
    this.#panel.append(p);
  }

  #openChanged(): void {
    if (!this.#panel) return;
    const open = this.open;
    this.#panel.hidden = !open;
    if (open) this.#post({ type: 'theme', ...this.#theme() });
    this.#post({ type: open ? 'open' : 'close' });
    if (open !== this.#wasOpen) this.#emit(open ? 'medchat-open' : 'medchat-close', {});
    this.#wasOpen = open;
    this.#renderLauncher();
  }

  #renderLauncher(): void {
    const launcher = this.#launcher;
    if (!launcher) return;
    const open = this.open;
    const unread = !open && this.#unread;
    launcher.setAttribute('aria-expanded', String(open));
    launcher.setAttribute('aria-label', this.#text(open ? 1 : 0) + (unread ? `, ${unread} ${this.#text(unread === 1 ? 5 : 6)}` : ''));
    launcher.innerHTML = ICON + (unread ? `<span part="badge" class="badge" aria-hidden="true">${unread > 9 ? '9+' : unread}</span>` : '');
    this.#panel?.setAttribute('aria-label', this.#frame?.title ?? '');
  }

  #text(i: number): string {
    const lang = (this.getAttribute('locale') ?? navigator.language).slice(0, 2) as keyof typeof TEXT;
    return (TEXT[lang] ?? TEXT.en)[i]!;
  }

  #post(message: PageToFrame): void {
    const frame = this.#frame;
    if (frame?.contentWindow) frame.contentWindow.postMessage({ ...message, medchat: EMBED_VERSION }, new URL(frame.src).origin);
  }

  #emit(type: string, detail: object): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}
