import type { ChatPanel } from './chat-panel';
import { h } from './dom';
import { elapsed, LEFT_WHILE_CLOSED_SUFFIX } from './format';
import { compareInbox, INBOX_GROUPS, type InboxGroup } from './inbox-order';

/**
 * The list of the nurse's chats: a heading with the count and the shortcuts button, then one group per
 * `INBOX_GROUPS` entry, each a vertical WAI-ARIA tablist under its own heading, hidden while empty. Rows are the
 * chats' tabs (ChatInbox owns them); this places them in group and order, keeps one tab stop per group, and moves
 * through every row in order with the arrow keys, Home and End (`onMove`).
 */
export class InboxList {
  readonly element: HTMLElement;
  readonly shortcutsButton = h('button', { type: 'button', class: 'shortcuts-button', 'aria-haspopup': 'dialog' }, 'Shortcuts (?)');
  private readonly count = h('span', { class: 'count' });
  private readonly groups = new Map<InboxGroup, { box: HTMLElement; tablist: HTMLElement }>();

  constructor(onMove: (event: KeyboardEvent) => void) {
    const boxes = INBOX_GROUPS.map(({ group, title }) => {
      const titleId = `chats-${group}-title`;
      const tablist = h('div', { class: 'tablist', role: 'tablist', 'aria-orientation': 'vertical', 'aria-labelledby': titleId });
      const box = h('div', { class: 'inbox-group', 'data-group': group, hidden: true }, h('h3', { id: titleId, class: 'group-title' }, title), tablist);
      this.groups.set(group, { box, tablist });
      return box;
    });
    this.element = h(
      'section',
      { class: 'chat-list card', 'aria-labelledby': 'chats-title' },
      h('div', { class: 'chat-list-head' }, h('h2', { id: 'chats-title' }, 'Your chats ', this.count), this.shortcutsButton),
      ...boxes,
    );
    this.element.addEventListener('keydown', (event) => {
      if ((event.target as HTMLElement).matches('[role="tab"]') && !event.altKey && !event.ctrlKey && !event.metaKey) onMove(event);
    });
  }

  /** A new chat's row, placed for now at the end of the first group (`arrange` puts it in its place). */
  add(tab: HTMLElement): void {
    this.groups.get(INBOX_GROUPS[0]!.group)!.tablist.append(tab);
  }

  setCount(count: number): void {
    this.count.textContent = `(${count})`;
  }

  /** The chats' ids in the order shown: group by group. */
  order(): string[] {
    return [...this.groups.values()].flatMap(({ tablist }) => [...tablist.children].map((tab) => tab.id.slice('tab-'.length)));
  }

  /**
   * Puts every row in its group and place (inbox-order.ts). Rows move only when the order changed; a row that had
   * focus keeps it (moving an element in the DOM would drop it).
   */
  arrange(panels: readonly { panel: ChatPanel; tab: HTMLElement }[]): void {
    const rows = panels.map(({ panel, tab }) => ({ id: panel.sessionId, tab, ...panel.inboxKey })).sort(compareInbox);
    const focused = document.activeElement;
    for (const [group, { box, tablist }] of this.groups) {
      const tabs = rows.filter((r) => r.group === group).map((r) => r.tab);
      box.hidden = tabs.length === 0;
      if (tablist.children.length !== tabs.length || tabs.some((tab, i) => tablist.children[i] !== tab)) tablist.append(...tabs);
    }
    if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) focused.focus({ preventScroll: true });
    this.updateTabStops();
  }

  /** One tab stop per group: the open chat's row in its group, the first row in the others. */
  updateTabStops(): void {
    for (const { tablist } of this.groups.values()) {
      const tabs = [...tablist.children] as HTMLElement[];
      const stop = tabs.find((t) => t.getAttribute('aria-selected') === 'true') ?? tabs[0];
      for (const tab of tabs) tab.tabIndex = tab === stop ? 0 : -1;
    }
  }
}

/**
 * A chat's row: the urgent mark, the patient's name and what became of the chat, the unread count (a dot for a chat
 * just given); under it the topic or team (`about`) and the time since the last message. Nothing of what was
 * written: the list is seen over a shoulder.
 */
export function drawRow(tab: HTMLElement, panel: ChatPanel, about: string | null): void {
  const session = panel.session;
  const key = panel.inboxKey;
  const last = panel.lastMessageAt;
  const ago = elapsed(last);
  tab.replaceChildren(
    h(
      'span',
      { class: 'row-top' },
      key.priority === 'urgent' ? h('span', { class: 'badge-urgent' }, 'Urgent') : '',
      h('bdi', { class: 'tab-name' }, session.patient.displayName),
      panel.suffix ? h('span', { class: 'tab-state' }, panel.suffix) : '',
      session.leftWhileClosed ? h('span', { class: 'tab-state' }, LEFT_WHILE_CLOSED_SUFFIX) : '',
      panel.unreadCount
        ? h('span', { class: 'unread-count' }, String(panel.unreadCount), h('span', { class: 'visually-hidden' }, ' unread'))
        : panel.hasUnread
          ? h('span', { class: 'unread-dot' }, h('span', { class: 'visually-hidden' }, ' (new)'))
          : '',
    ),
    h(
      'span',
      { class: 'row-meta' },
      about ? h('bdi', {}, about) : '',
      about ? ' · ' : '',
      h('time', { datetime: last }, ago === 'just now' ? ago : `${ago} ago`),
    ),
  );
  tab.dataset.state = panel.state;
  tab.dataset.group = key.group;
  tab.dataset.priority = key.priority;
}
