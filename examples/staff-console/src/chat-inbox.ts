import type { AssignmentEndReason, Handover, MedChat, Session, SessionPriority } from '@medchat/sdk';
import type { Note } from '@medchat/sdk/notes';
import type { StaffExtras } from './staff-extras';
import { ChatPanel } from './chat-panel';
import { h } from './dom';
import { drawRow, InboxList } from './inbox-list';
import { TeamNames } from './team-names';

/** What the rest of the console shows about the open chats: how many need attention, how many I hold. */
export interface ChatsSummary {
  unread: number;
  held: number;
}

/** From this width the patient's details open beside the chat by themselves; below it they wait for the toggle. */
const WIDE_ENOUGH_FOR_DETAILS = '(min-width: 1100px)';

/**
 * The nurse's inbox: the list of their chats beside the open one, and the layout around them (the list, with the
 * queue under it, in a sidebar). The list (inbox-list.ts) is grouped — awaiting your reply, awaiting the patient,
 * handed on or ended — and ordered urgent first, then by the longest wait (inbox-order.ts); each row says who, the
 * topic or team, how long since the last message and how many messages are unread. This owns the chats: which is
 * open, moving between them (clicks, arrow keys, shortcuts), closing them. It scales to the 50 chats a clinic's
 * largest capacity allows.
 *
 * On a phone the list and the open chat take turns: choosing a chat shows it, "All chats" goes back. The patient's
 * details (chat-panel.ts) open beside the chat on a wide screen and are a toggle on narrower ones. Reports the unread
 * and held counts through `onSummaryChange` (title badge, load).
 */
export class ChatInbox {
  readonly element: HTMLElement;
  private readonly list = new InboxList((event) => this.onKey(event));
  private readonly listPane = this.list.element;
  private readonly sidebar: HTMLElement;
  private readonly back = h('button', { type: 'button', class: 'back' }, 'All chats');
  private readonly panels = h('div', { class: 'panels' });
  private readonly empty = h('p', { class: 'empty muted' }, 'No open chats. While you are available, new chats open here by themselves.');
  private readonly entries = new Map<string, { panel: ChatPanel; tab: HTMLButtonElement }>();
  private readonly teams: TeamNames;
  /** Rows redrawn every 30 s, so "4 min ago" stays true. */
  private readonly ticker = setInterval(() => this.redrawAll(), 30_000);
  private selected: string | null = null;
  private isOrderPending = false;
  private readonly wide = matchMedia(WIDE_ENOUGH_FOR_DETAILS);
  private isDetailsOpen = this.wide.matches;

  constructor(
    private readonly client: MedChat,
    private readonly onSummaryChange: (summary: ChatsSummary) => void,
    private readonly extras: StaffExtras,
    /** The patient of an open chat wrote (desktop notifications, when the console is in the background). */
    private readonly onPatientMessage: (session: Session) => void = () => {},
  ) {
    this.teams = new TeamNames(client, () => this.redrawAll());
    this.sidebar = h('div', { class: 'sidebar' }, this.listPane);
    this.element = h(
      'main',
      { class: 'layout', 'data-view': 'list', 'data-details': this.isDetailsOpen ? 'open' : 'closed' },
      this.sidebar,
      h('section', { class: 'chat-view', 'aria-label': 'Open chat' }, this.back, this.empty, this.panels),
    );
    this.back.addEventListener('click', () => this.showList());
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('focus', this.onVisibility);
    // A tablet turned, a window narrowed: the details follow the width again (open when wide, a toggle when not).
    this.wide.addEventListener('change', this.onWidthChange);
    this.updateSummary();
  }

  /** Puts a view under the list of chats (the waiting queue). */
  addToSidebar(element: HTMLElement): void {
    this.sidebar.append(element);
  }

  /** Opens the keyboard shortcuts dialog (the list's "Shortcuts (?)" button). */
  set onShowShortcuts(show: () => void) {
    this.list.shortcutsButton.onclick = show;
  }

  /** The chat on screen, if any. */
  get current(): ChatPanel | null {
    return (this.selected && this.entries.get(this.selected)?.panel) || null;
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
          onToggleDetails: () => this.toggleDetails(),
        },
        this.extras,
        this.teams,
      );
      panel.element.id = `panel-${session.id}`;
      panel.element.setAttribute('role', 'tabpanel');
      panel.element.setAttribute('aria-labelledby', tab.id);
      panel.showDetails(this.isDetailsOpen);
      entry = { panel, tab };
      this.entries.set(session.id, entry);
      this.list.add(tab);
      this.panels.append(panel.element);
      panel.setVisible(false);
      if (!this.selected) this.select(session.id);
    }
    if (isNew) entry.panel.assigned(handover);
    this.update(session.id);
    return entry.panel;
  }

  /** An internal note was written in a session (`note.created`): its open chat shows it. */
  noteCreated(note: Note): void {
    this.entries.get(note.sessionId)?.panel.addNote(note);
  }

  /** A session's priority changed (`session.prioritized`): its chat shows it, and the list moves it. */
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
      panel.setVisible(isSelected);
      if (isSelected && focusTab) tab.focus();
      if (isSelected) tab.scrollIntoView({ block: 'nearest' });
      if (isSelected && isUserChoice) panel.acknowledge();
    }
    this.list.updateTabStops();
  }

  /** Brings a chat forward, as a click on its row would (a desktop notification was clicked); false if it is not open. */
  focusChat(sessionId: string): boolean {
    const entry = this.entries.get(sessionId);
    if (!entry) return false;
    this.select(sessionId, { isUserChoice: true });
    this.showChat();
    entry.panel.focusComposer();
    return true;
  }

  /** The next (1) or previous (-1) chat in the list's order, wrapping around; focus follows if it was in the list. */
  step(delta: 1 | -1): void {
    const ids = this.list.order();
    if (!ids.length) return;
    const at = this.selected ? ids.indexOf(this.selected) : -1;
    this.choose(ids[(at + delta + ids.length) % ids.length]!);
  }

  /** The next chat with unread news after the open one, in the list's order; false if there is none. */
  nextUnread(): boolean {
    const ids = this.list.order();
    const at = this.selected ? ids.indexOf(this.selected) : -1;
    const next = [...ids.slice(at + 1), ...ids.slice(0, at + 1)].find((id) => id !== this.selected && this.entries.get(id)!.panel.hasUnread);
    if (!next) return false;
    this.choose(next);
    return true;
  }

  /** Shows or hides the patient's details beside every chat (one setting for all of them). */
  toggleDetails(isOpen = !this.isDetailsOpen): void {
    this.isDetailsOpen = isOpen;
    this.element.dataset.details = isOpen ? 'open' : 'closed';
    for (const { panel } of this.entries.values()) panel.showDetails(isOpen);
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.wide.removeEventListener('change', this.onWidthChange);
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.removeEventListener('focus', this.onVisibility);
    for (const { panel } of this.entries.values()) panel.dispose();
    this.entries.clear();
  }

  /** Focus to the open chat's row in the list (Escape from a text field); on a phone, where the list is hidden, to "All chats". */
  focusList(): void {
    const tab = this.selected ? this.entries.get(this.selected)?.tab : null;
    if (tab?.checkVisibility()) tab.focus();
    else if (this.back.checkVisibility()) this.back.focus();
  }

  /** Selected by a shortcut: shown, and focus on its row while the list is on screen (the chat it was in is hidden now). */
  private choose(sessionId: string): void {
    this.select(sessionId, { isUserChoice: true });
    this.showChat();
    this.focusList();
  }

  /** Phone: the chosen chat takes the screen; focus goes to the way back, since the list it was on is hidden. */
  private showChat(): void {
    this.element.dataset.view = 'chat';
    if (!this.listPane.checkVisibility() && this.listPane.contains(document.activeElement)) this.back.focus();
  }

  /** Phone: back from the open chat to the list, on the chat that was open. */
  private showList(): void {
    this.element.dataset.view = 'list';
    if (this.selected) this.entries.get(this.selected)?.tab.focus();
  }

  private close(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    const ids = this.list.order();
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

  /** Redraws one chat's row, then (once per burst of updates) the order and the counts. */
  private update(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (entry) drawRow(entry.tab, entry.panel, this.about(entry.panel));
    if (this.isOrderPending) return;
    this.isOrderPending = true;
    queueMicrotask(() => {
      this.isOrderPending = false;
      this.list.arrange([...this.entries.values()]);
      this.updateSummary();
    });
  }

  /** What a row says the chat is about: the topic the patient chose, else the team it went to. */
  private about(panel: ChatPanel): string | null {
    return panel.session.topic ?? this.teams.nameOf(panel.session.teamId);
  }

  private redrawAll(): void {
    for (const { panel, tab } of this.entries.values()) drawRow(tab, panel, this.about(panel));
  }

  private updateSummary(): void {
    const panels = [...this.entries.values()].map((e) => e.panel);
    this.empty.hidden = panels.length > 0;
    this.listPane.hidden = panels.length === 0;
    this.back.hidden = panels.length === 0;
    this.list.setCount(panels.length);
    this.onSummaryChange({ unread: panels.filter((p) => p.hasUnread).length, held: panels.filter((p) => p.state === 'mine').length });
  }

  /** Arrow keys, Home and End in the list: through every row in order, across the groups. */
  private onKey(event: KeyboardEvent): void {
    const ids = this.list.order();
    const at = this.selected ? ids.indexOf(this.selected) : -1;
    const target = { ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1, Home: 0, End: ids.length - 1 }[event.key];
    if (target === undefined || !ids.length) return;
    event.preventDefault();
    this.select(ids[(target + ids.length) % ids.length]!, { focusTab: true, isUserChoice: true });
  }

  private readonly onWidthChange = () => this.toggleDetails(this.wide.matches);

  /** Back to the console window: what is on screen now counts as read. */
  private readonly onVisibility = () => {
    this.current?.markRead();
  };
}
