import type { AssignmentEndReason, MedChat, Session } from '@medchat/sdk';
import { ChatPanel } from './chat-panel';
import { h } from './dom';

/**
 * Several chats at once, as WAI-ARIA tabs (arrow keys, Home and End move between tabs). Reports how many tabs
 * have unseen activity through `onUnreadChange`, for the title badge.
 */
export class ChatTabs {
  readonly element: HTMLElement;
  private readonly tablist = h('div', { class: 'tablist', role: 'tablist', 'aria-label': 'Open chats' });
  private readonly panels = h('div', { class: 'panels' });
  private readonly empty = h('p', { class: 'empty muted' }, 'No open chats. While you are available, new chats open here by themselves.');
  private readonly entries = new Map<string, { panel: ChatPanel; tab: HTMLButtonElement }>();
  private selected: string | null = null;

  constructor(
    private readonly client: MedChat,
    private readonly onUnreadChange: (count: number) => void,
  ) {
    this.element = h('section', { class: 'chats', 'aria-label': 'Chats' }, this.tablist, this.empty, this.panels);
    this.tablist.addEventListener('keydown', (event) => this.onKey(event));
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('focus', this.onVisibility);
  }

  /** Opens (or finds) the tab of a session. `isNew`: the engine just assigned it; flag it as news. */
  open(session: Session, { isNew = false } = {}): ChatPanel {
    let entry = this.entries.get(session.id);
    if (!entry) {
      const tab = h('button', { type: 'button', role: 'tab', id: `tab-${session.id}`, 'aria-controls': `panel-${session.id}`, 'aria-selected': 'false', tabindex: -1 });
      tab.addEventListener('click', () => this.select(session.id, { isUserChoice: true }));
      const panel = new ChatPanel(this.client, session, { onUpdate: () => this.update(session.id), onClose: () => this.close(session.id) });
      panel.element.id = `panel-${session.id}`;
      panel.element.setAttribute('role', 'tabpanel');
      panel.element.setAttribute('aria-labelledby', tab.id);
      entry = { panel, tab };
      this.entries.set(session.id, entry);
      this.tablist.append(tab);
      this.panels.append(panel.element);
      panel.setVisible(false);
      if (!this.selected) this.select(session.id);
    }
    if (isNew) entry.panel.assigned();
    this.update(session.id);
    return entry.panel;
  }

  unassigned(session: Session, reason: AssignmentEndReason): void {
    this.entries.get(session.id)?.panel.unassign(reason);
  }

  /** Shows one tab. `isUserChoice`: the employee picked it (click or keys), so its news is acknowledged. */
  select(sessionId: string, { focusTab = false, isUserChoice = false } = {}): void {
    this.selected = sessionId;
    for (const [id, { panel, tab }] of this.entries) {
      const isSelected = id === sessionId;
      tab.setAttribute('aria-selected', String(isSelected));
      tab.tabIndex = isSelected ? 0 : -1;
      panel.setVisible(isSelected);
      if (isSelected && focusTab) tab.focus();
      if (isSelected && isUserChoice) panel.acknowledge();
    }
  }

  dispose(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.removeEventListener('focus', this.onVisibility);
    for (const { panel } of this.entries.values()) panel.dispose();
    this.entries.clear();
  }

  private close(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    const ids = [...this.entries.keys()];
    const neighbour = ids[ids.indexOf(sessionId) + 1] ?? ids[ids.indexOf(sessionId) - 1] ?? null;
    entry.panel.dispose();
    entry.tab.remove();
    entry.panel.element.remove();
    this.entries.delete(sessionId);
    this.selected = null;
    if (neighbour) this.select(neighbour, { focusTab: true });
    this.updateSummary();
  }

  /** Redraws one tab's label and the unread count. */
  private update(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (entry) {
      const { panel, tab } = entry;
      tab.textContent = panel.label;
      tab.dataset.state = panel.state;
      if (panel.hasUnread) tab.append(h('span', { class: 'unread-dot' }, h('span', { class: 'visually-hidden' }, ' (new)')));
    }
    this.updateSummary();
  }

  private updateSummary(): void {
    this.empty.hidden = this.entries.size > 0;
    this.onUnreadChange([...this.entries.values()].filter((e) => e.panel.hasUnread).length);
  }

  private onKey(event: KeyboardEvent): void {
    const ids = [...this.entries.keys()];
    const at = this.selected ? ids.indexOf(this.selected) : -1;
    const target = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: ids.length - 1 }[event.key];
    if (target === undefined || !ids.length) return;
    event.preventDefault();
    this.select(ids[(target + ids.length) % ids.length]!, { focusTab: true, isUserChoice: true });
  }

  /** Back to the console window: what is on screen now counts as read. */
  private readonly onVisibility = () => {
    if (this.selected) this.entries.get(this.selected)?.panel.markRead();
  };
}
