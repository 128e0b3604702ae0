/**
 * Entry point of the chat frame's page (dist/medchat-frame.js, served with dist/medchat-chat.js by the MedChat server
 * at `/widget/frame`): the frame's half of the page ↔ frame protocol (sdk/src/protocol/embed.ts). It waits for the
 * page's `init`, accepted only from its parent window on one of the clinic's allowed origins (listed by the server
 * on the page's root element), then mounts <medchat-chat> (its panel as the whole page, no launcher) with what the page handed over. It answers the page
 * only at that exact origin, and only with what carries no health information: ready, sizes, the unread count, the
 * kind of each new message, the end of the chat, error codes.
 */
import { EMBED_VERSION, PAGE_TO_FRAME_TYPES, isEmbedMessage, type EmbedTheme, type FrameToPage, type PageToFrame } from '@medchat/sdk/protocol/embed';
import type { Message } from '@medchat/sdk/patient';

/**
 * The conversation's panel as the frame's whole page (the page's loader draws the window around it), added to the
 * conversation's own styles here, so the conversation bundle does not carry it.
 */
const FRAMED_CSS = `:host{position:static;display:block}
.launcher{display:none}
.panel,.panel.tall{position:static;inset:auto;width:auto;height:auto;max-height:none;border:0;border-radius:0;box-shadow:none;animation:none;overflow:visible}
.panel.tall{height:100vh}
header,.emergency{position:sticky;z-index:1}
header{top:0}
.emergency{top:var(--_hh,0)}`;

type Chat = HTMLElement & { open: boolean; identityToken: string | null; show(): void; hide(): void; updateComplete: Promise<unknown> };

const allowed: string[] = JSON.parse(document.documentElement.dataset.origins ?? '[]');
const site = new URLSearchParams(location.search).get('site') ?? '';
let parentOrigin: string | null = null;
let chat: Chat | null = null;
let themed: string[] = [];
let unread = 0;

function post(message: FrameToPage): void {
  if (parentOrigin) parent.postMessage({ ...message, medchat: EMBED_VERSION }, parentOrigin);
}

function theme(el: Chat, { theme, tokens, label }: EmbedTheme): void {
  if (theme) el.setAttribute('theme', theme);
  else el.removeAttribute('theme');
  el.setAttribute('label', label);
  for (const name of themed) el.style.removeProperty(name);
  themed = Object.keys(tokens).filter((name) => /^--medchat-[a-z-]+$/.test(name));
  for (const name of themed) el.style.setProperty(name, tokens[name]!);
}

function mount(init: Extract<PageToFrame, { type: 'init' }>): void {
  if (init.resume) {
    // The resume link's token, where the conversation reads it: this frame's own address.
    const url = new URL(location.href);
    url.searchParams.set('medchat_resume', init.resume);
    history.replaceState(null, '', url);
  }
  const el = (chat = document.createElement('medchat-chat') as Chat);
  el.setAttribute('server', location.origin);
  el.setAttribute('site', site);
  if (init.locale) el.setAttribute('locale', init.locale);
  el.identityToken = init.identityToken;
  theme(el, init);
  el.addEventListener('medchat-ready', async (e) => {
    await el.updateComplete;
    const color = el.style.getPropertyValue('--medchat-brand-color');
    const { clinic, resumed } = e.detail;
    post({
      type: 'ready',
      clinic: { id: clinic.id, name: clinic.name },
      resumed,
      brand: color ? { color, onColor: el.style.getPropertyValue('--medchat-brand-on-color') } : null,
    });
  });
  el.addEventListener('medchat-message', (e) => {
    const m: Message = e.detail.message;
    const kind = m.kind === 'system' ? 'system' : m.sender?.role === 'patient' ? 'own' : 'staff';
    post({ type: 'message', kind });
    // Counted as the conversation counts its own badge: others' text while the panel is closed.
    if (!el.open && m.kind === 'text' && kind === 'staff') post({ type: 'unread', count: ++unread });
  });
  el.addEventListener('medchat-session-ended', () => post({ type: 'session-ended' }));
  el.addEventListener('medchat-error', (e) => post({ type: 'error', code: e.detail.code, message: e.detail.message }));
  el.addEventListener('medchat-close', () => post({ type: 'close' }));
  el.addEventListener('medchat-open', () => unread && post({ type: 'unread', count: (unread = 0) }));
  document.body.style.margin = '0';
  document.body.append(el);
  if (init.open) el.show();
  void el.updateComplete.then(() => {
    const root = el.shadowRoot;
    const panel = root?.querySelector('.panel');
    if (!root || !panel) return;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(FRAMED_CSS);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    // A form taller than the page's window scrolls this whole page: the header and the emergency note stay in view
    // (FRAMED_CSS), and what focus scrolls to is kept clear of them.
    const header = root.querySelector<HTMLElement>('header');
    const notice = root.querySelector<HTMLElement>('.emergency');
    const sized = new ResizeObserver(() => {
      post({ type: 'size', height: panel.classList.contains('tall') ? 10_000 : panel.scrollHeight });
      const top = header?.offsetHeight ?? 0;
      el.style.setProperty('--_hh', `${top}px`);
      document.documentElement.style.scrollPaddingTop = `${top + (notice?.offsetHeight ?? 0)}px`;
    });
    for (const part of [panel, header, notice]) if (part) sized.observe(part);
  });
}

addEventListener('message', (event) => {
  if (event.source !== parent || parent === window || !allowed.includes(event.origin)) return;
  if (!isEmbedMessage<PageToFrame>(event.data, PAGE_TO_FRAME_TYPES)) return;
  const m = event.data;
  if (m.type === 'init') {
    // Once per frame: the first allowed parent is the one this frame answers.
    if (chat) return;
    parentOrigin = event.origin;
    post({ type: 'size', height: document.documentElement.scrollHeight });
    void customElements.whenDefined('medchat-chat').then(() => mount(m));
    return;
  }
  if (event.origin !== parentOrigin || !chat) return;
  if (m.type === 'open') chat.show();
  else if (m.type === 'close') chat.open && chat.hide();
  else if (m.type === 'theme') theme(chat, m);
  else if (m.type === 'locale') m.locale ? chat.setAttribute('locale', m.locale) : chat.removeAttribute('locale');
  else if (m.type === 'identity') chat.identityToken = m.identityToken;
});

// Escape anywhere in the frame closes the panel, as it does in the page.
addEventListener('keydown', (e: KeyboardEvent) => e.key === 'Escape' && chat?.open && chat.hide());
