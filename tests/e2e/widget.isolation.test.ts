/**
 * What a clinic page's own scripts (analytics, tag managers) can learn of a chat. A hostile script, run in the page
 * before anything else, reads the element's shadow roots, the page's storage and cookies, wraps `WebSocket`,
 * `fetch` and `XMLHttpRequest`, listens to every `message` and `medchat-*` event, and records all of it while a
 * whole conversation happens (a patient writes, staff answers through the SDK). Isolated (the default) it records
 * no message text, no name, no reason and no token; in-page (`isolation="none"`) it reads all of them, which
 * widget/README.md states. And a page on an origin the clinic does not allow cannot frame the chat.
 */
import { describe, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { TEST_TIMEOUT_MS, useWidgetBrowser, waitFor, type Isolation } from './fixtures/widget-browser';

const suite = process.env.MEDCHAT_SKIP_BROWSER === '1' ? describe.skip : describe;

const CANARIES = {
  name: 'Quincy Canaryname',
  reason: 'canary-reason-7731 sore knee',
  patient: 'canary-patient-message-1234',
  staff: 'canary-staff-reply-5678',
};

declare global {
  interface Window {
    __seen: string[];
  }
}

/** The hostile page script: in the top page only (init scripts also run in frames, which a page script cannot). */
function hostile() {
  // Not in the page's first about:blank either (its storage cannot be read at all).
  if (window.top !== window || location.protocol !== 'http:') return;
  const seen: string[] = (window.__seen = []);
  const record = (what: string, value: unknown) => {
    try {
      seen.push(`${what}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
    } catch {
      seen.push(`${what}: (unreadable)`);
    }
  };
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      record('ws.url', String(url));
      this.addEventListener('message', (e) => record('ws.in', e.data));
    }
    override send(data: string) {
      record('ws.out', data);
      super.send(data);
    }
  } as typeof WebSocket;
  const nativeFetch = window.fetch;
  window.fetch = Object.assign(async (input: RequestInfo | URL, init?: RequestInit) => {
    record('fetch', { url: String(input instanceof Request ? input.url : input), body: init?.body ?? null, headers: init?.headers ?? null });
    const response = await nativeFetch(input, init);
    void response
      .clone()
      .text()
      .then(
        (t) => record('fetch.in', t),
        () => {},
      );
    return response;
  }, nativeFetch);
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...args: Parameters<XMLHttpRequest['open']>) {
    record('xhr', String(args[1]));
    this.addEventListener('load', () => record('xhr.in', this.responseText));
    return open.apply(this, args);
  } as typeof open;
  addEventListener('message', (e) => record('message', { origin: e.origin, data: e.data }));
  for (const type of ['medchat-ready', 'medchat-open', 'medchat-close', 'medchat-message', 'medchat-session-ended', 'medchat-error'])
    document.addEventListener(type, (e) => record(type, (e as CustomEvent).detail));
  const deepText = (root: Document | ShadowRoot | Element): string => {
    let text = '';
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) text += ` ${el.shadowRoot.textContent ?? ''} ${deepText(el.shadowRoot)}`;
      if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) text += ` ${el.value}`;
      if (el instanceof HTMLIFrameElement) {
        try {
          text += ` ${el.contentDocument?.documentElement.outerHTML ?? ''}`;
          text += ` ${JSON.stringify({ ...el.contentWindow?.localStorage })}`;
        } catch {
          // Cross-origin: what the isolation is for.
        }
      }
    }
    return text;
  };
  setInterval(() => {
    record('dom', `${document.documentElement.outerHTML} ${deepText(document)}`);
    record('storage', { local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie });
  }, 150);
}

for (const isolation of ['frame', 'none'] as Isolation[])
  suite(`a hostile clinic page (isolation: ${isolation})`, () => {
    const { newContext, openPage, startChat, sendFromPatient, newStaff, endChat, chatStorage } = useWidgetBrowser({ isolation });

    const seenBy = (page: Page) => page.evaluate(() => window.__seen.join('\n'));

    test(
      'records everything it can while a whole conversation happens',
      async () => {
        const context = await newContext();
        await context.addInitScript(hostile);
        const { page, w, guard } = await openPage(context);
        await startChat(w, CANARIES.name, CANARIES.reason);
        const nurse = await newStaff();
        const chat = await nurse.take(CANARIES.name);
        await sendFromPatient(w, CANARIES.patient);
        await waitFor(() => chat.messages.some((m) => m.body === CANARIES.patient), 'staff got the message');
        await chat.send(CANARIES.staff);
        await w.getByText(CANARIES.staff).waitFor();
        const stored = JSON.parse(await chatStorage(page)) as Record<string, string>;
        const token = Object.values(stored).map((v) => (JSON.parse(v) as { token?: string }).token)[0];
        expect(token).toBeTruthy();
        await Bun.sleep(400); // the script's next look
        const seen = await seenBy(page);
        expect(seen.length).toBeGreaterThan(1000); // it did look
        const found = Object.fromEntries([...Object.entries(CANARIES), ['token', token ?? '']].map(([k, v]) => [k, seen.includes(v as string)]));
        if (isolation === 'frame') {
          // Nothing the patient or staff wrote, and no token: only the page's own DOM and PHI-free notices.
          expect(found).toEqual({ name: false, reason: false, patient: false, staff: false, token: false });
          expect(seen).toContain('medchat-message: {"kind":"staff"}');
        } else {
          // In the page's DOM, the page's storage and the page's socket: everything (widget/README.md).
          expect(found).toEqual({ name: true, reason: true, patient: true, staff: true, token: true });
        }
        await endChat(w);
        await nurse.close();
        await guard.assertClean();
      },
      TEST_TIMEOUT_MS,
    );

    test(
      'custom properties and the theme set on the element reach the conversation',
      async () => {
        const context = await newContext();
        const { page, w, guard } = await openPage(context, `?attrs=${encodeURIComponent('theme="dark"')}`);
        await page.evaluate(() => document.querySelector('medchat-widget')!.style.setProperty('--medchat-color-primary', '#00695c'));
        await page.locator('medchat-widget').getByRole('button', { name: 'Open chat' }).click();
        const header = w.locator('[part="header"]');
        await header.waitFor();
        await waitFor(async () => (await header.evaluate((el) => getComputedStyle(el).backgroundColor)) === 'rgb(0, 105, 92)', 'the page colour in the header');
        // theme="dark": the surface of the conversation is the dark one.
        expect(await w.locator('[part="panel"]').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(22, 27, 34)');
        await guard.assertClean();
      },
      TEST_TIMEOUT_MS,
    );

    if (isolation === 'frame')
      test(
        'a page on an origin the clinic does not allow cannot frame the chat, and the webmaster is told why',
        async () => {
          const context = await newContext();
          const warnings: string[] = [];
          const { page, host, guard } = await openPage(context, { foreignOrigin: true, noReady: true });
          page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
          // The browser's own report of the refused frame (frame-ancestors).
          guard.allow(/frame-ancestors|Refused to frame/);
          await host.getByRole('button', { name: 'Open chat' }).click();
          await host.getByText('Chat is not available on this site.').waitFor({ timeout: 15_000 });
          await waitFor(() => warnings.some((t) => t.includes('MedChat') && t.includes('allowed origins') && t.includes('frame-src')), 'the warning');
          expect(warnings.find((t) => t.includes('MedChat'))).toContain(new URL(page.url()).origin);
          expect(await page.evaluate(() => window.__medchat.events.filter((e) => e.type === 'medchat-ready').length)).toBe(0);
          // The frame itself never ran: no frame of the page shows the chat.
          const chatFrames = page.frames().filter((f) => f.url().includes('/widget/frame'));
          for (const f of chatFrames) expect(await f.evaluate(() => document.querySelector('medchat-chat')).catch(() => null)).toBeNull();
          await guard.assertClean();
        },
        TEST_TIMEOUT_MS,
      );
  });
