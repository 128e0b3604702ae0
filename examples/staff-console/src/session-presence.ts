import type { MedChat, Person } from '@medchat/sdk';
import type { MedChatNotes } from '@medchat/sdk/notes';
import { h, isolate } from './dom';

/**
 * Who else has this chat open: "Also viewing: Admin Ada", live. While the element is on screen (its chat is the
 * one shown) this console says it views the session, and stops when it is hidden or removed; the server pushes
 * `session.viewers` to everyone following or viewing it, so an admin reviewing a chat and the nurse in it see each
 * other. Self-contained: one element in the chat's header.
 */
export function sessionPresence(client: MedChat, extras: MedChatNotes, sessionId: string): HTMLElement {
  const me = client.auth.user?.id;
  // Never hidden (nor `.muted`, hidden when empty), only empty: an element not laid out is never "on screen".
  const element = h('div', { class: 'session-presence', role: 'status', 'aria-live': 'polite' });
  const show = (viewers: Person[]) => {
    const others = viewers.filter((v) => v.id !== me);
    element.replaceChildren(
      ...(others.length ? [h('span', { class: 'muted' }, 'Also viewing: ', ...others.flatMap((v, i) => [i ? ', ' : '', isolate(v.displayName)]))] : []),
    );
  };
  const off = client.on('session.viewers', (e) => e.sessionId === sessionId && show(e.viewers));
  // Shown means laid out (its tab chosen), wherever the page is scrolled: the margin takes in the whole page.
  const watcher = new IntersectionObserver(
    ([entry]) => {
      if (entry?.isIntersecting) return extras.view(sessionId);
      extras.unview(sessionId);
      // Removed with its chat: nothing more to follow.
      if (!element.isConnected) {
        off();
        watcher.disconnect();
      }
    },
    { rootMargin: '100000px' },
  );
  watcher.observe(element);
  return element;
}
