/**
 * The widget's controller (widget/src/controllers/chat.controller.ts) against a real server: a page that changes the
 * widget's `server` or `site` gets a new SDK client each time, and the old one must let go of the page (its
 * `online` listener on window kept it alive).
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { DEMO_SITE_KEY } from '../../server/src/db/seed';
import { useTestServer } from '../helpers/server';
import { ChatController, type ChatHost } from '../../widget/src/controllers/chat.controller';

setDefaultTimeout(60_000);
const s = useTestServer();

test('a widget that is reconfigured three times, chatting each time, leaves one online listener: its current client’s', async () => {
  const online = new Set<unknown>();
  const { addEventListener: add, removeEventListener: remove } = globalThis;
  globalThis.addEventListener = ((type: string, listener: unknown, ...rest: unknown[]) =>
    type === 'online' ? void online.add(listener) : Reflect.apply(add, globalThis, [type, listener, ...rest])) as typeof add;
  globalThis.removeEventListener = ((type: string, listener: unknown, ...rest: unknown[]) =>
    type === 'online' ? void online.delete(listener) : Reflect.apply(remove, globalThis, [type, listener, ...rest])) as typeof remove;
  const host = Object.assign(new EventTarget(), {
    open: true,
    addController() {},
    removeController() {},
    requestUpdate() {},
    updateComplete: Promise.resolve(true),
  }) as unknown as ChatHost;
  const controller = new ChatController(host);
  try {
    for (let i = 0; i < 3; i++) {
      await controller.configure({ server: s.url, site: DEMO_SITE_KEY });
      await controller.start({ name: `Patient ${i}`, reason: 'A question', redFlags: [] });
      expect(controller.error).toBeNull();
      expect(controller.sessionHandle).not.toBeNull();
      expect(online.size).toBe(1);
    }
    await controller.configure({ server: s.url, site: DEMO_SITE_KEY });
    expect(online.size).toBe(0);
  } finally {
    globalThis.addEventListener = add;
    globalThis.removeEventListener = remove;
  }
});
