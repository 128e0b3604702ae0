import type { AssignmentEndReason, Handover, MedChat, Session, SessionPriority } from '@medchat/sdk';
import type { Note } from '@medchat/sdk/notes';
import type { StaffExtras } from './staff-extras';
import { ChatPanel } from './chat-panel';
import { h } from './dom';
import { LEFT_WHILE_CLOSED_SUFFIX } from './format';

/** What the rest of the console shows about the open chats: how many need attention, how many I hold. */
export interface ChatsSummary {
  unread: number;
  held: number;
}

/**
 * The chats this console has open: a scrollable list beside the open chat (WAI-ARIA tabs, vertical; arrow keys,
 * Home and End move between them), with an unread mark on each chat that has news. It scales to the 50 chats a
 * clinic's largest capacity allows. On a phone the list and the open chat take turns: choosing a chat shows it,
 * "All chats" goes back. Reports the unread and held counts through `onSummaryChange` (title badge, load).
 */
export class ChatTabs {
  readonly element: HTMLElement;
  private readonly count = h('span', { class: 'count' });
  private readonly tablist = h('div', { class: 'tablist', role: 'tablist', 'aria-orientation': 'vertical', 'aria-labelledby': 'chats-title' });
  private readonly listPane = h('div', { class: 'chat-list card' }, h('h2', { id: 'chats-title' }, 'Chats ', this.count), this.tablist);
  private readonly back = h('button', { type: 'button', class: 'back' }, 'All chats');
  private readonly panels = h('div', { class: 'panels' });
  private readonly empty = h('p', { class: 'empty muted' }, 'No open chats. While you are available, new chats open here by themselves.');
  private readonly entries = new Map<string, { panel: ChatPanel; tab: HTMLButtonElement }>();
  private selected: string | null = null;

  constructor(
    private readonly client: MedChat,
    private readonly onSummaryChange: (summary: ChatsSummary) => void,
    private readonly extras: StaffExtras,
    /** The patient of an open chat wrote (desktop notifications, when the console is in the background). */
    private readonly onPatientMessage: (session: Session) => void = () => {},
  ) {
    this.element = h(
      'section',
      { class: 'chats', 'aria-label': 'Chats', 'data-view': 'list' },
      this.listPane,
      h('div', { class: 'chat-view' }, this.back, this.empty, this.panels),
    );
    this.tablist.addEventListener('keydown', (event) => this.onKey(event));
    this.back.addEventListener('click', () => this.showList());
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('focus', this.onVisibility);
    this.updateSummary();
  }

  /**
   * Opens (or finds) the chat of a session. `isNew`: the engine just assigned it; flag it as news. `handover`: the
   * previous holder's note, pushed with the assignment, shown at the top of the chat.
   */
  open(session: Session, { isNew = false, handover = null as Handover | null } = {}): ChatPanel {
    let entry = this.entries.get(session.id);
    if (!entry) {
      const tab = h('button', {
        type: 'button',
        role: 'tab',
        id: `tab-${session.id}`,
        'aria-controls': `panel-${session.id}`,
        'aria-selected': 'false',
        tabindex: -1,
      });
      tab.addEventListener('click', () => {
        this.select(session.id, { isUserChoice: true });
        this.showChat();
      });
      const panel = new ChatPanel(
        this.client,
        session,
        {
          onUpdate: () => this.update(session.id),
          onClose: () => this.close(session.id),
          onPatientMessage: () => this.onPatientMessage(panel.session),
        },
        this.extras,
      );
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
    if (isNew) entry.panel.assigned(handover);
    this.update(session.id);
    return entry.panel;
  }

  /** An internal note was written in a session (`note.created`): its open tab shows it. */
  noteCreated(note: Note): void {
    this.entries.get(note.sessionId)?.panel.addNote(note);
  }

  /** A session's priority changed (`session.prioritized`): its open tab shows it. */
  prioritized(sessionId: string, priority: SessionPriority): void {
    this.entries.get(sessionId)?.panel.setPriority(priority);
  }

  unassigned(session: Session, reason: AssignmentEndReason): void {
    this.entries.get(session.id)?.panel.unassign(reason);
  }

  /** Shows one chat. `isUserChoice`: the employee picked it (click or keys), so its news is acknowledged. */
  select(sessionId: string, { focusTab = false, isUserChoice = false } = {}): void {
    this.selected = sessionId;
    for (const [id, { panel, tab }] of this.entries) {
      const isSelected = id === sessionId;
      tab.setAttribute('aria-selected', String(isSelected));
      tab.tabIndex = isSelected ? 0 : -1;
      panel.setVisible(isSelected);
      if (isSelected && focusTab) tab.focus();
      if (isSelected) tab.scrollIntoView({ block: 'nearest' });
      if (isSelected && isUserChoice) panel.acknowledge();
    }
  }

  /** Brings a chat forward, as a click on its tab would (a desktop notification was clicked); false if it is not open. */
  focusChat(sessionId: string): boolean {
    const entry = this.entries.get(sessionId);
    if (!entry) return false;
    this.select(sessionId, { isUserChoice: true });
    this.showChat();
    entry.panel.focusComposer();
    return true;
  }

  dispose(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.removeEventListener('focus', this.onVisibility);
    for (const { panel } of this.entries.values()) panel.dispose();
    this.entries.clear();
  }

  /** Phone: the chosen chat takes the screen; focus goes to the way back, since the list it was on is hidden. */
  private showChat(): void {
    this.element.dataset.view = 'chat';
    if (!this.tablist.checkVisibility()) this.back.focus();
  }

  /** Phone: back from the open chat to the list, on the chat that was open. */
  private showList(): void {
    this.element.dataset.view = 'list';
    if (this.selected) this.entries.get(this.selected)?.tab.focus();
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
    else this.element.dataset.view = 'list';
    this.updateSummary();
  }

  /** Redraws one chat's entry in the list and the counts. */
  private update(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (entry) {
      const { panel, tab } = entry;
      const suffix = panel.suffix;
      tab.replaceChildren(
        h('bdi', { class: 'tab-name' }, panel.session.patient.displayName),
        suffix ? h('span', { class: 'tab-state' }, suffix) : '',
        panel.session.leftWhileClosed ? h('span', { class: 'tab-state' }, LEFT_WHILE_CLOSED_SUFFIX) : '',
        panel.hasUnread ? h('span', { class: 'unread-dot' }, h('span', { class: 'visually-hidden' }, ' (new)')) : '',
      );
      tab.dataset.state = panel.state;
    }
    this.updateSummary();
  }

  private updateSummary(): void {
    const panels = [...this.entries.values()].map((e) => e.panel);
    this.empty.hidden = panels.length > 0;
    this.listPane.hidden = panels.length === 0;
    this.back.hidden = panels.length === 0;
    this.count.textContent = `(${panels.length})`;
    this.onSummaryChange({ unread: panels.filter((p) => p.hasUnread).length, held: panels.filter((p) => p.state === 'mine').length });
  }

  private onKey(event: KeyboardEvent): void {
    const ids = [...this.entries.keys()];
    const at = this.selected ? ids.indexOf(this.selected) : -1;
    const target = { ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1, Home: 0, End: ids.length - 1 }[event.key];
    if (target === undefined || !ids.length) return;
    event.preventDefault();
    this.select(ids[(target + ids.length) % ids.length]!, { focusTab: true, isUserChoice: true });
  }

  /** Back to the console window: what is on screen now counts as read. */
  private readonly onVisibility = () => {
    if (this.selected) this.entries.get(this.selected)?.panel.markRead();
  };
}
