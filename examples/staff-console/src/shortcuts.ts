import type { ChatInbox } from './chat-inbox';
import { h } from './dom';

/**
 * The console's keyboard shortcuts. Single keys with no modifier (J, K, N, T, R, I, /, ?) and Alt+↓/↑ act only when
 * the focus is not in a text field, a select or a dialog, so typing a reply never triggers one; in a text field only
 * Escape acts: it leaves the field for the list of chats (the quick-reply and mention lists close first, on their own
 * Escape). `?` opens the list of shortcuts; the list's "Shortcuts (?)" button does the same.
 */
interface Shortcut {
  keys: string[];
  does: string;
  run(inbox: ChatInbox): string | undefined;
}

/** What each key does, in the order the dialog lists them. A run's return value is said in the live region (why nothing happened). */
const SHORTCUTS: Shortcut[] = [
  { keys: ['J', 'Alt+↓'], does: 'Next chat in the list', run: (inbox) => (inbox.step(1), undefined) },
  { keys: ['K', 'Alt+↑'], does: 'Previous chat in the list', run: (inbox) => (inbox.step(-1), undefined) },
  { keys: ['N'], does: 'Next chat with unread messages', run: (inbox) => (inbox.nextUnread() ? undefined : 'No other chat has unread messages.') },
  { keys: ['T'], does: 'Transfer the open chat (opens the transfer form)', run: (inbox) => (inbox.current?.openTransfer() ? undefined : NOT_YOURS) },
  {
    keys: ['/'],
    does: 'Quick reply: the reply box with / typed, listing the clinic’s replies',
    run: (inbox) => (inbox.current?.startQuickReply() ? undefined : NOT_YOURS),
  },
  {
    keys: ['R'],
    does: 'Reply: focus the reply box',
    run: (inbox) => (inbox.current?.state === 'mine' ? (inbox.current.focusComposer(), undefined) : NOT_YOURS),
  },
  { keys: ['I'], does: 'Show or hide the patient’s details', run: (inbox) => (inbox.toggleDetails(), undefined) },
  { keys: ['?'], does: 'This list of shortcuts', run: () => undefined },
  { keys: ['Escape'], does: 'In the reply box or a form: back to the list of chats', run: () => undefined },
];

const NOT_YOURS = 'No chat of yours is open.';

/** The key as the table names it: "J", "Alt+↓", "/", "?". */
function keyName(event: KeyboardEvent): string | null {
  if (event.ctrlKey || event.metaKey) return null;
  const arrow = { ArrowDown: '↓', ArrowUp: '↑' }[event.key];
  if (event.altKey) return arrow ? `Alt+${arrow}` : null;
  if (event.key === '?' || event.key === '/') return event.key;
  return !event.shiftKey && /^[a-z]$/i.test(event.key) ? event.key.toUpperCase() : null;
}

/** Where typed keys are text: text fields, text areas, selects, anything editable. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(target.type);
}

/** Listens on the document; returns the dialog (to add to the page) and a function that stops listening. */
export function installShortcuts(inbox: ChatInbox): { element: HTMLElement; dispose(): void } {
  const said = h('p', { class: 'visually-hidden', role: 'status' });
  const close = h('button', { type: 'button', class: 'primary' }, 'Close');
  const dialog = h(
    'dialog',
    { id: 'shortcuts', 'aria-labelledby': 'shortcuts-title' },
    h('h2', { id: 'shortcuts-title' }, 'Keyboard shortcuts'),
    h('p', { class: 'muted' }, 'Outside text fields. In a text field, Escape first leaves it.'),
    h(
      'table',
      { class: 'shortcut-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Does'))),
      h('tbody', {}, ...SHORTCUTS.map((s) => h('tr', {}, h('td', {}, ...s.keys.flatMap((k, i) => [i ? ' or ' : '', h('kbd', {}, k)])), h('td', {}, s.does)))),
    ),
    h('div', { class: 'actions' }, close),
  );
  close.addEventListener('click', () => dialog.close());
  const show = () => {
    if (!dialog.open) dialog.showModal();
  };
  inbox.onShowShortcuts = show;

  const onKey = (event: KeyboardEvent) => {
    if (event.defaultPrevented || event.isComposing || (event.target instanceof Element && event.target.closest('dialog'))) return;
    if (isTyping(event.target)) {
      // Only from the chats' fields: Escape in the admin's forms below stays theirs.
      if (event.key !== 'Escape' || !inbox.element.contains(event.target as Node)) return;
      // Out of the field: the open chat's row in the list, from where J, K and the rest work again.
      event.preventDefault();
      inbox.focusList();
      return;
    }
    const name = keyName(event);
    const shortcut = name && SHORTCUTS.find((s) => s.keys.includes(name));
    if (!shortcut || name === 'Escape') return;
    event.preventDefault();
    said.textContent = '';
    if (name === '?') return show();
    const why = shortcut.run(inbox);
    if (why) said.textContent = why;
  };
  document.addEventListener('keydown', onKey);
  return {
    element: h('div', {}, dialog, said),
    dispose: () => document.removeEventListener('keydown', onKey),
  };
}
