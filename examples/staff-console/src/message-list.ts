import type { Me, Message, PendingMessage, SessionHandle } from '@medchat/sdk';
import type { Note } from '@medchat/sdk/notes';
import type { MedChatAttachments } from '@medchat/sdk/attachments';
import { renderAttachments } from './attachments-view';
import { h } from './dom';
import { clock, systemText } from './format';

/** Closer than this to the bottom counts as "at the bottom": the log follows new messages. */
const FOLLOW_THRESHOLD_PX = 24;

/**
 * A chat's history, appended incrementally (a `role="log"` region announces only new lines), plus the sends
 * not stored yet. Own messages show "Sent" until someone else's read mark reaches them, then "Read".
 *
 * Scrolling: while the reader is at the bottom, the log follows new messages (also when it was hidden or resized
 * meanwhile). Once they scroll up, nothing moves; a "New messages" button appears when more arrive and takes them
 * to the bottom. Their own messages always bring them to the bottom.
 */
export class MessageList {
  readonly element: HTMLElement;
  private readonly list = h('ol', { class: 'messages' });
  /** The scrolling region; `role="log"` sits on a wrapper so the list keeps its list semantics. */
  private readonly log = h('div', { class: 'message-log', role: 'log', 'aria-label': 'Messages', tabindex: 0 }, this.list);
  private readonly newMessages = h(
    'button',
    { type: 'button', class: 'new-messages', hidden: true },
    'New messages ',
    h('span', { 'aria-hidden': 'true' }, '↓'),
  );
  private readonly pendingList = h('ul', { class: 'pending', 'aria-label': 'Messages not sent yet' });
  /** Receipts of own messages not read yet, by seq. */
  private readonly unreadReceipts = new Map<number, HTMLElement>();
  /** Internal notes shown, by id: put back in their place by time whenever messages are added or the list reset. */
  private readonly notes = new Map<string, HTMLElement>();
  private firstSeq = 0;
  private lastSeq = 0;
  /** The reader is at the bottom: new messages scroll into view. Changed only by the reader's scrolling. */
  private isFollowing = true;
  /** Where the log was when it last followed to the bottom: the reader scrolling up leaves it below this. */
  private followedTop = 0;
  private readonly resizes = new ResizeObserver(() => {
    // Hidden (another chat is open), the log loses its position: shown again, it starts from the top.
    if (!this.log.clientHeight) this.followedTop = 0;
    else if (this.isFollowing && !this.hasReaderScrolledUp()) this.scrollToBottom();
  });

  constructor(
    private readonly chat: SessionHandle,
    private readonly me: Me,
    private readonly files: MedChatAttachments,
  ) {
    this.element = h('div', { class: 'message-area' }, h('div', { class: 'log-frame' }, this.log, this.newMessages), this.pendingList);
    this.log.addEventListener('scroll', () => {
      // A hidden log (another chat is open) reports zero sizes: that is not the reader scrolling.
      if (!this.log.clientHeight) return;
      this.isFollowing = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < FOLLOW_THRESHOLD_PX;
      if (this.isFollowing) {
        this.followedTop = this.log.scrollTop;
        this.newMessages.hidden = true;
      }
    });
    this.newMessages.addEventListener('click', () => {
      this.scrollToBottom();
      this.log.focus();
    });
    // Shown again, or resized (a phone turned, the composer hidden): stay at the bottom if following.
    this.resizes.observe(this.log);
  }

  dispose(): void {
    this.resizes.disconnect();
  }

  render(): void {
    // The scroll event comes a frame after the reader scrolls: a message arriving in between must not pull them back.
    if (this.isFollowing && this.hasReaderScrolledUp()) this.isFollowing = false;
    const messages = this.chat.messages;
    if (messages[0] && messages[0].seq !== this.firstSeq) this.reset(messages[0].seq);
    let added = 0;
    let sentByMe = false;
    for (const message of messages) {
      if (message.seq <= this.lastSeq) continue;
      this.list.append(this.renderMessage(message));
      this.lastSeq = message.seq;
      added++;
      sentByMe ||= message.sender?.id === this.me.id;
    }
    if (added) for (const item of this.notes.values()) this.place(item);
    this.updateReceipts();
    const pending = this.chat.pending.map((p) => this.renderPending(p));
    this.pendingList.replaceChildren(...pending);
    if (sentByMe) this.isFollowing = true;
    if (this.isFollowing) this.scrollToBottom();
    else if (added) this.newMessages.hidden = false;
  }

  private scrollToBottom(): void {
    this.log.scrollTop = this.log.scrollHeight;
    this.followedTop = this.log.scrollTop;
    this.isFollowing = true;
    this.newMessages.hidden = true;
  }

  /**
   * The reader moved up from where the log last followed, whether or not its scroll event has come yet. A log
   * that grew (the browser lowers its scrollTop, but it is still at the bottom) or shrank (scrollTop unchanged)
   * is not the reader scrolling; a hidden log (another chat is open) has no position to judge.
   */
  private hasReaderScrolledUp(): boolean {
    const log = this.log;
    return log.clientHeight > 0 && log.scrollTop < this.followedTop - 1 && log.scrollHeight - log.scrollTop - log.clientHeight >= FOLLOW_THRESHOLD_PX;
  }

  private reset(firstSeq: number): void {
    this.list.replaceChildren();
    this.unreadReceipts.clear();
    this.firstSeq = firstSeq;
    this.lastSeq = 0;
  }

  /**
   * An internal note, placed among the messages by time and styled apart: staff only, never shown to the patient.
   * Shown once, whether it came from the list, the author's own answer or a `note.created` frame.
   */
  addNote(note: Note): void {
    if (this.notes.has(note.id)) return;
    const isOwn = note.author.id === this.me.id;
    const mentions = note.mentions.length ? [' · mentions ', ...note.mentions.flatMap((m, i) => [i ? ', ' : '', h('bdi', {}, m.displayName)])] : [];
    const item = h(
      'li',
      { class: 'message message-note', 'data-note': note.id, 'data-at': note.createdAt },
      h('p', { class: 'note-label' }, 'Internal note — not visible to the patient'),
      h(
        'p',
        { class: 'meta' },
        h('bdi', { class: 'sender' }, isOwn ? 'You' : note.author.displayName),
        ' ',
        h('time', { datetime: note.createdAt }, clock(note.createdAt)),
        ...mentions,
      ),
      h('p', { class: 'body', dir: 'auto' }, note.body),
    );
    this.notes.set(note.id, item);
    if (this.isFollowing && this.hasReaderScrolledUp()) this.isFollowing = false;
    this.place(item);
    if (isOwn) this.isFollowing = true;
    if (this.isFollowing) this.scrollToBottom();
    else this.newMessages.hidden = false;
  }

  /** Before the first line written after it. */
  private place(item: HTMLElement): void {
    const at = item.dataset.at ?? '';
    const later = [...this.list.children].find((li) => li !== item && ((li as HTMLElement).dataset.at ?? '') > at);
    this.list.insertBefore(item, later ?? null);
  }

  private renderMessage(message: Message): HTMLElement {
    const time = h('time', { datetime: message.createdAt }, clock(message.createdAt));
    if (message.kind === 'system' || !message.sender) {
      return h('li', { class: 'message message-system', 'data-seq': message.seq, 'data-at': message.createdAt }, ...systemText(message), ' · ', time);
    }
    const isOwn = message.sender.id === this.me.id;
    const receipt = isOwn ? h('span', { class: 'receipt' }, 'Sent') : null;
    if (receipt) this.unreadReceipts.set(message.seq, receipt);
    const kind = isOwn ? 'message-own' : message.sender.role === 'patient' ? 'message-patient' : 'message-staff';
    return h(
      'li',
      { class: `message ${kind}`, 'data-seq': message.seq, 'data-at': message.createdAt },
      h('p', { class: 'meta' }, h('bdi', { class: 'sender' }, isOwn ? 'You' : message.sender.displayName), ' ', time, ' ', receipt),
      message.body ? h('p', { class: 'body', dir: 'auto' }, message.body) : null,
      message.attachments?.length ? renderAttachments(this.files, message.attachments) : null,
    );
  }

  /** "Read" once anyone but me has read up to that seq (the patient, or a colleague after a hand-over). */
  private updateReceipts(): void {
    let readUpTo = 0;
    for (const [userId, seq] of this.chat.readBy) if (userId !== this.me.id) readUpTo = Math.max(readUpTo, seq);
    for (const [seq, receipt] of this.unreadReceipts) {
      if (seq > readUpTo) continue;
      receipt.textContent = 'Read';
      receipt.classList.add('is-read');
      this.unreadReceipts.delete(seq);
    }
  }

  private renderPending(pending: PendingMessage): HTMLElement {
    const item = h('li', { class: `message message-own is-${pending.state}` }, h('p', { class: 'body', dir: 'auto' }, pending.body));
    if (pending.state === 'sending') {
      item.append(h('p', { class: 'meta' }, 'Sending…'));
      return item;
    }
    const retry = h('button', { type: 'button' }, 'Retry');
    const discard = h('button', { type: 'button' }, 'Discard');
    retry.addEventListener('click', () => void this.chat.retry(pending.clientMsgId).catch(() => {}));
    discard.addEventListener('click', () => this.chat.discard(pending.clientMsgId));
    item.append(h('p', { class: 'meta error' }, `Not sent: ${pending.error?.message ?? 'unknown error'} `, retry, ' ', discard));
    return item;
  }
}
