import type { AssignmentEndReason, Handover, MedChat, Me, Session, SessionHandle, SessionPriority } from '@medchat/sdk';
import { MedChatAdmin } from '@medchat/sdk/admin';
import { MedChatRecords } from '@medchat/sdk/records';
import { Composer } from './composer';
import { recordDownloads } from './downloads';
import { h, isolate, uid } from './dom';
import { dateTime, DEADLINE_BANNERS, END_REASONS, errorText, PATIENT_RETURNED_BANNER, STATE_SUFFIXES, WAITING_ON_PATIENT_SUFFIX } from './format';
import { inboxKey, type InboxKey } from './inbox-order';
import { MessageList } from './message-list';
import { PatientDetails } from './patient-details';
import { priorityForm } from './priority-form';
import { sessionPresence } from './session-presence';
import type { StaffExtras } from './staff-extras';
import type { TeamNames } from './team-names';
import type { Note } from '@medchat/sdk/notes';

/** mine: I hold it and can write. handed-over: I left it or was unassigned. ended: the chat is over. */
export type PanelState = 'mine' | 'handed-over' | 'ended';

/**
 * One chat's content: header, status banner, history, typing line, composer, leave and transfer forms, downloads for
 * the chart (transcript, FHIR), and beside them the patient's details (patient-details.ts). All live data comes from the SDK's chat handle.
 */
export class ChatPanel {
  readonly sessionId: string;
  readonly element: HTMLElement;
  /** New activity the employee has not seen (the row shows a mark, the page title counts it). */
  hasUnread = false;
  /** Messages from others since the employee last looked at this chat (the row shows the number). */
  unreadCount = 0;
  private readonly chat: SessionHandle;
  private readonly me: Me;
  private readonly messages: MessageList;
  private readonly composer: Composer;
  private readonly banner = h('p', { class: 'banner', role: 'status' });
  private readonly typing = h('p', { class: 'typing muted', 'aria-live': 'polite' });
  private readonly error = h('p', { class: 'error', role: 'alert' });
  private readonly leaveButton = h('button', { type: 'button' }, 'Leave chat…');
  private readonly transferButton = h('button', { type: 'button' }, 'Transfer…');
  private readonly transferForm: HTMLFormElement;
  /** The previous holder's note, pushed with the assignment (`employee.assigned`'s `handover`). */
  private readonly handoverBox = h('aside', { class: 'handover-note', 'aria-label': 'Handover note', hidden: true });
  private readonly closeButton = h('button', { type: 'button' }, 'Close tab');
  /** Shows or hides the patient's details beside the chat (the same for every chat: ChatInbox keeps it). */
  private readonly detailsButton = h('button', { type: 'button', class: 'details-toggle', 'aria-expanded': 'false' }, 'Patient details');
  private readonly details: PatientDetails;
  private readonly badge = h('span', { class: 'badge-urgent' }, 'Urgent');
  /** A message left while the clinic was closed: the patient may not be here; the answer waits for them. */
  private readonly leftBadge = h('span', { class: 'badge-left' }, 'Left overnight');
  private readonly priorityBox = h('div', { class: 'chat-priority' });
  private readonly leaveForm: HTMLFormElement;
  /** Messages up to this seq existed before the tab opened: they are history, not news. */
  private readonly historySeq: number;
  private unassigned: AssignmentEndReason | null = null;
  private priority: SessionPriority;
  private isVisible = false;
  private isDetailsOpen = false;
  /** Reads the chat's notes the first time it is shown (then does nothing). */
  private loadNotes: () => void;

  constructor(
    private readonly client: MedChat,
    private readonly initial: Session,
    private readonly callbacks: { onUpdate(): void; onClose(): void; onPatientMessage?(): void; onToggleDetails?(): void },
    extras: StaffExtras,
    teams: TeamNames,
  ) {
    this.sessionId = initial.id;
    this.historySeq = initial.lastSeq;
    this.priority = initial.priority;
    this.me = client.auth.user!;
    this.chat = client.chat(initial.id);
    this.messages = new MessageList(this.chat, this.me, extras.files);
    this.composer = new Composer(this.chat, initial.patient.displayName, extras, this.me, (note) => this.addNote(note));
    this.loadNotes = () => {
      // The session's internal notes so far (a staff read, audited), once, when the chat is first shown: a console
      // with fifty chats open does not read fifty sessions' notes at once. Later ones arrive as `note.created`.
      this.loadNotes = () => {};
      extras.api.notes.list(initial.id).then(
        (notes) => {
          for (const n of notes) this.addNote(n);
        },
        (e) => (this.error.textContent = `Internal notes could not be loaded: ${errorText(e)}`),
      );
    };
    this.leaveForm = this.renderLeaveForm();
    this.leaveButton.addEventListener('click', () => this.toggleLeaveForm(true));
    this.transferForm = this.renderTransferForm();
    this.transferButton.addEventListener('click', () => void this.openTransferForm());
    this.closeButton.addEventListener('click', () => callbacks.onClose());
    this.details = new PatientDetails(client, () => this.session, teams);
    this.detailsButton.setAttribute('aria-controls', this.details.element.id);
    this.detailsButton.addEventListener('click', () => callbacks.onToggleDetails?.());
    this.setPriority(initial.priority);

    // ChatInbox gives this element role="tabpanel", labelled by its row in the list.
    this.element = h(
      'section',
      { class: 'chat' },
      h(
        'div',
        { class: 'chat-header' },
        h(
          'div',
          { class: 'chat-title' },
          h('h2', {}, this.badge, initial.leftWhileClosed ? this.leftBadge : '', isolate(initial.patient.displayName)),
          h('p', { class: 'muted' }, isolate(initial.reason), ' · started ', h('time', { datetime: initial.createdAt }, dateTime(initial.createdAt))),
          sessionPresence(client, extras.api, initial.id),
        ),
        h('div', { class: 'actions' }, this.transferButton, this.leaveButton, this.detailsButton, this.closeButton),
      ),
      h(
        'div',
        { class: 'chat-body' },
        h(
          'div',
          { class: 'chat-main' },
          this.handoverBox,
          this.priorityBox,
          this.leaveForm,
          this.transferForm,
          this.banner,
          this.messages.element,
          this.typing,
          this.error,
          this.composer.element,
          h(
            'p',
            { class: 'downloads chat-records' },
            h('span', { class: 'muted' }, 'For the chart:'),
            recordDownloads(new MedChatRecords(client), initial.id, initial.patient.displayName),
          ),
        ),
        this.details.element,
      ),
    );

    this.chat.on('change', () => this.render());
    this.chat.on('message', (m) => {
      if (m.seq > this.historySeq && m.sender?.id !== this.me.id && !this.isSeen()) {
        if (m.kind === 'text') this.unreadCount++;
        this.flag();
      }
      // A replay after a reconnect is not news (seq at or below what the tab opened with).
      if (m.seq > this.historySeq && m.sender?.role === 'patient') callbacks.onPatientMessage?.();
    });
    this.chat.on('error', (e) => (this.error.textContent = errorText(e)));
    this.element.addEventListener('focusin', () => this.acknowledge());
    this.element.addEventListener('pointerdown', () => this.acknowledge());
    this.render();
  }

  get session(): Session {
    return this.chat.session ?? this.initial;
  }

  get state(): PanelState {
    const session = this.session;
    if (session.status === 'ended') return 'ended';
    if (this.unassigned || session.employee?.id !== this.me.id) return 'handed-over';
    return 'mine';
  }

  /** Where the chat sits in the inbox: its group, priority and since when its side has waited (inbox-order.ts). */
  get inboxKey(): InboxKey {
    const state = this.state;
    return inboxKey(this.chat.messages, {
      priority: this.priority,
      createdAt: this.session.createdAt,
      isMine: state === 'mine',
      isSetAside: this.suffix === WAITING_ON_PATIENT_SUFFIX,
    });
  }

  /** When the last message was written (the chat's start if none was). */
  get lastMessageAt(): string {
    return this.chat.messages.findLast((m) => m.kind === 'text')?.createdAt ?? this.session.createdAt;
  }

  /** After the patient's name in the list of chats: what became of the chat, as far as this employee is concerned. */
  get suffix(): string {
    if (this.state === 'handed-over' && this.unassigned === 'patient_inactive' && this.session.status === 'idle') return WAITING_ON_PATIENT_SUFFIX;
    return STATE_SUFFIXES[this.state];
  }

  /** The engine gave me this session (again): I may write. Flagged until the employee interacts with it. */
  assigned(handover: Handover | null = null): void {
    this.unassigned = null;
    this.showHandover(handover);
    this.flag();
    this.render();
  }

  /** An internal note of this session (listed, written here, or heard live). */
  addNote(note: Note): void {
    this.messages.addNote(note);
    this.details.addNote(note);
  }

  /** I no longer hold this session (`employee.unassigned`). */
  /** The session's priority now (its own form, or a colleague's change heard live). */
  setPriority(priority: SessionPriority): void {
    const isChange = priority !== this.priority;
    this.priority = priority;
    this.badge.hidden = priority !== 'urgent';
    if (isChange) {
      this.details.priorityChanged(priority);
      this.callbacks.onUpdate();
    }
    this.priorityBox.replaceChildren(priorityForm(this.client, this.sessionId, priority, (s) => this.setPriority(s.priority)));
  }

  unassign(reason: AssignmentEndReason): void {
    this.unassigned = reason;
    this.render();
  }

  setVisible(isVisible: boolean): void {
    this.isVisible = isVisible;
    this.element.hidden = !isVisible;
    if (isVisible) this.loadNotes();
    this.details.setShown(isVisible && this.isDetailsOpen);
    this.markRead();
  }

  /** The patient's details beside the chat: shown or not (the toggle in the header says which). */
  showDetails(isOpen: boolean): void {
    this.isDetailsOpen = isOpen;
    this.detailsButton.setAttribute('aria-expanded', String(isOpen));
    this.details.element.hidden = !isOpen;
    this.details.setShown(this.isVisible && isOpen);
  }

  /** The employee clicked, typed or tabbed into this chat: it is no longer news. */
  acknowledge(): void {
    this.markRead();
    if (!this.hasUnread && !this.unreadCount) return;
    this.hasUnread = false;
    this.unreadCount = 0;
    this.callbacks.onUpdate();
  }

  /** Marks messages read, but only while the employee can actually see them. */
  markRead(): void {
    if (this.isSeen() && this.state === 'mine') void this.chat.markRead().catch(() => {});
  }

  focusComposer(): void {
    if (this.state === 'mine') this.composer.focus();
  }

  /** Focuses the reply box with `/` typed, which opens the quick replies; false if the chat is not mine to write in. */
  startQuickReply(): boolean {
    if (this.state !== 'mine') return false;
    this.composer.startQuickReply();
    return true;
  }

  /** Opens the transfer form (the "Transfer…" button); false if the chat is not mine to transfer. */
  openTransfer(): boolean {
    if (this.state !== 'mine') return false;
    void this.openTransferForm();
    return true;
  }

  dispose(): void {
    this.messages.dispose();
    this.chat.close();
  }

  /** On screen, in the window that has focus. */
  private isSeen(): boolean {
    return this.isVisible && document.visibilityState === 'visible' && document.hasFocus();
  }

  private flag(): void {
    this.hasUnread = true;
    this.callbacks.onUpdate();
  }

  private render(): void {
    const state = this.state;
    this.messages.render();
    this.banner.replaceChildren(...this.bannerText());
    this.banner.hidden = !this.banner.textContent;
    this.banner.dataset.state = state;
    this.typing.replaceChildren(...this.chat.typists.flatMap((t, i) => [i ? ' ' : '', isolate(t.displayName), ' is typing…']));
    this.composer.isEnabled = state === 'mine';
    this.leaveButton.hidden = state !== 'mine';
    this.transferButton.hidden = state !== 'mine';
    if (state !== 'mine') this.transferForm.hidden = true;
    this.closeButton.hidden = state === 'mine';
    if (state !== 'mine') this.leaveForm.hidden = true;
    this.markRead();
    this.details.render(`${this.session.status}:${this.session.employee?.id}:${this.unassigned}`);
    this.callbacks.onUpdate();
  }

  private bannerText(): (string | Node)[] {
    const session = this.session;
    if (session.status === 'ended') return [session.endedBy === session.patient.id ? 'Patient ended the chat.' : 'This chat has ended.'];
    if (this.state === 'mine') return [];
    const now =
      session.employee && session.employee.id !== this.me.id
        ? [' It is now with ', isolate(session.employee.displayName), '.']
        : session.status === 'waiting'
          ? [' It is waiting for the next available colleague.']
          : [];
    const returned = this.unassigned === 'patient_inactive' && session.status !== 'idle';
    const why =
      (returned ? PATIENT_RETURNED_BANNER : this.unassigned && DEADLINE_BANNERS[this.unassigned]) ??
      `Transferred: you ${this.unassigned === 'left' || !this.unassigned ? 'left this chat' : `were unassigned (${END_REASONS[this.unassigned]})`}.`;
    return [why, ...now];
  }

  private renderLeaveForm(): HTMLFormElement {
    const id = uid('leave-note');
    const note = h('input', { id, name: 'note', required: true, maxlength: 500, autocomplete: 'off' });
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const form = h(
      'form',
      { class: 'leave-form', hidden: true },
      h('label', { for: id }, 'Handover note for the next staff member (staff only)'),
      note,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, 'Leave and hand over'), cancel),
    );
    cancel.addEventListener('click', () => this.toggleLeaveForm(false));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      this.error.textContent = '';
      try {
        await this.client.sessions.leave(this.sessionId, { note: note.value.trim() });
        note.value = '';
        this.unassign('left');
        this.closeButton.focus();
      } catch (e) {
        this.error.textContent = errorText(e);
      }
    });
    return form;
  }

  /** Shown at the top of the chat as it opens: who handed it over, why, and what they wrote (staff only). */
  private showHandover(handover: Handover | null): void {
    this.handoverBox.hidden = !handover;
    if (!handover) return this.handoverBox.replaceChildren();
    this.handoverBox.replaceChildren(
      h(
        'p',
        { class: 'handover-from' },
        'Handover from ',
        isolate(handover.from.displayName),
        ` (${END_REASONS[handover.reason]}, `,
        h('time', { datetime: handover.at }, dateTime(handover.at)),
        ')',
      ),
      h('blockquote', { dir: 'auto' }, handover.note),
    );
  }

  /**
   * Transfer: to a colleague (listed with whether they can take a chat now) or to a team, with a note for whoever
   * takes it. The server decides at that moment; a refusal (away, full, not in that team) shows its message.
   */
  private renderTransferForm(): HTMLFormElement {
    const toId = uid('transfer-to');
    const noteId = uid('transfer-note');
    const to = h('select', { id: toId, name: 'to', required: true });
    const note = h('textarea', { id: noteId, name: 'note', rows: 3, maxlength: 500, required: true });
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const form = h(
      'form',
      { class: 'leave-form transfer-form', hidden: true, 'aria-label': 'Transfer this chat' },
      h('label', { for: toId }, 'Transfer to'),
      to,
      h('label', { for: noteId }, 'Handover note (staff only: the patient sees who joins, never the note)'),
      note,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Transfer'), cancel),
    );
    cancel.addEventListener('click', () => {
      form.hidden = true;
      this.transferButton.focus();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      this.error.textContent = '';
      const [kind, id] = to.value.split(':');
      try {
        await this.client.sessions.transfer(this.sessionId, { ...(kind === 'team' ? { toTeamId: id } : { toEmployeeId: id }), note: note.value.trim() });
        note.value = '';
        form.hidden = true;
        this.unassign('transferred');
        this.closeButton.focus();
      } catch (e) {
        this.error.textContent = errorText(e);
      }
    });
    return form;
  }

  private async openTransferForm(): Promise<void> {
    this.leaveForm.hidden = true;
    this.error.textContent = '';
    const select = this.transferForm.querySelector('select')!;
    try {
      const { teams, colleagues } = await new MedChatAdmin(this.client).teams.list();
      const others = colleagues.filter((c) => c.id !== this.me.id);
      select.replaceChildren(
        h('option', { value: '' }, 'Choose a colleague or a team…'),
        h(
          'optgroup',
          { label: 'Colleagues' },
          ...others.map((c) =>
            h(
              'option',
              { value: `employee:${c.id}` },
              `${c.displayName} — ${c.canTake ? 'can take it now' : c.availability === 'available' ? 'full' : c.availability}`,
            ),
          ),
        ),
        ...(teams.length
          ? [h('optgroup', { label: 'Teams' }, ...teams.map((t) => h('option', { value: `team:${t.id}` }, `${t.name} (${t.memberIds.length} members)`)))]
          : []),
      );
    } catch (e) {
      this.error.textContent = errorText(e);
      return;
    }
    this.transferForm.hidden = false;
    select.focus();
  }

  private toggleLeaveForm(isOpen: boolean): void {
    this.transferForm.hidden = true;
    this.leaveForm.hidden = !isOpen;
    if (isOpen) this.leaveForm.querySelector('input')?.focus();
    else this.leaveButton.focus();
  }
}
