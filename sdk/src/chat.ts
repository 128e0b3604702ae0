import type { EventOf } from './protocol/events';
import type { Me, Message, Session } from './protocol/models';
import { Emitter } from './core/emitter';
import { MedChatError, isMedChatError } from './core/errors';
import { uuid } from './core/ids';
import { MessageLog } from './core/message-log';
import type { Socket, SocketEvents } from './core/socket';
import type { Messages } from './resources/messages';
import type { Sessions } from './resources/sessions';

/** A message the user sent that the server has not stored yet. Failed ones stay until retried or discarded. */
export interface PendingMessage {
  clientMsgId: string;
  body: string;
  state: 'sending' | 'failed';
  error?: MedChatError;
}

export type Typist = EventOf<'typing.started'>['user'];

export interface ChatEvents {
  /** Anything visible changed: messages, pending, typists, read marks or the session. */
  change: void;
  /** A message became visible (in seq order, once). */
  message: Message;
  typing: readonly Typist[];
  read: EventOf<'read.updated'>;
  session: Session;
  /** A background step failed (gap fill, history reload, subscribe refused). */
  error: MedChatError;
}

export interface ChatDeps {
  sessionId: string;
  socket: Socket;
  messages: Messages;
  sessions: Sessions;
  me: () => Me | null;
  onClose: () => void;
}

const PAGE = 50;
const TYPING_RESEND_MS = 3000;
const TYPIST_EXPIRY_MS = 8000;

const toError = (e: unknown) => (isMedChatError(e) ? e : new MedChatError({ code: 'internal_error', cause: e }));

/**
 * A live view of one session: subscribes on the socket from its last seq (again after every reconnect), keeps
 * the messages gap-free in seq order without duplicates, and keeps sends that are not stored yet in `pending`.
 */
export class SessionHandle {
  readonly sessionId: string;
  private readonly emitter = new Emitter<ChatEvents>();
  private readonly log = new MessageLog();
  private current: Session | null = null;
  private outgoing: readonly PendingMessage[] = [];
  private readonly typing_ = new Map<string, { user: Typist; timer: ReturnType<typeof setTimeout> }>();
  private readonly reads = new Map<string, number>();
  private readonly cleanups: (() => void)[] = [];
  private filling = false;
  private typingSentAt = 0;
  private readSeq = 0;
  private closed = false;

  constructor(private readonly deps: ChatDeps) {
    this.sessionId = deps.sessionId;
    const { socket } = deps;
    const on = <K extends keyof SocketEvents>(type: K, handler: (event: SocketEvents[K]) => void) => this.cleanups.push(socket.events.on(type, handler));
    const onSession = (event: { session: Session }) => this.setSession(event.session);
    on('message.created', (e) => this.accept([e.message]));
    on('typing.started', (e) => e.sessionId === this.sessionId && this.setTypist(e.user, true));
    on('typing.stopped', (e) => e.sessionId === this.sessionId && this.setTypist(e.user, false));
    on('read.updated', (e) => e.sessionId === this.sessionId && this.setRead(e));
    for (const type of ['session.waiting', 'session.assigned', 'session.requeued', 'session.ended', 'employee.assigned', 'employee.unassigned'] as const) {
      on(type, onSession);
    }
    this.cleanups.push(
      socket.subscribe({
        sessionId: this.sessionId,
        lastSeq: () => this.log.lastSeq,
        onAck: (ack) => ack.session && this.setSession(ack.session),
        onError: (error) => (error.code === 'history_unavailable' ? void this.reload() : this.fail(error)),
      }),
    );
    socket.connect();
    if (!socket.isActive) void this.reload();
  }

  /** Stored messages, gap-free and in seq order. */
  get messages(): readonly Message[] {
    return this.log.messages;
  }

  /** Sends not stored yet: `sending`, or `failed` (show as "not sent" with retry/discard). */
  get pending(): readonly PendingMessage[] {
    return this.outgoing;
  }

  get session(): Session | null {
    return this.current;
  }

  /** Who is typing now, other than the signed-in user. */
  get typists(): readonly Typist[] {
    return [...this.typing_.values()].map((t) => t.user);
  }

  /** The highest seq each participant has read, by user id. */
  get readBy(): ReadonlyMap<string, number> {
    return this.reads;
  }

  /** True when older messages exist before the first one held (see `loadOlder`). */
  get hasOlder(): boolean {
    return this.log.firstSeq > 1;
  }

  on<K extends keyof ChatEvents>(type: K, handler: (payload: ChatEvents[K]) => void): () => void {
    return this.emitter.on(type, handler);
  }

  /**
   * Sends a message; resolves with the stored message once the server acks it. Over the socket it survives
   * reconnects (resent with the same clientMsgId); with no socket it goes over HTTP. On refusal it rejects with
   * the server's code and stays in `pending` as failed.
   */
  send(body: string): Promise<Message> {
    const clientMsgId = uuid();
    this.setPending([...this.outgoing, { clientMsgId, body, state: 'sending' }]);
    return this.deliver(clientMsgId, body);
  }

  /** Sends a failed message again, with the same clientMsgId so it can never be stored twice. */
  retry(clientMsgId: string): Promise<Message> {
    const entry = this.outgoing.find((p) => p.clientMsgId === clientMsgId);
    if (!entry) return Promise.reject(new MedChatError({ code: 'not_found' }));
    this.updatePending(clientMsgId, { clientMsgId, body: entry.body, state: 'sending' });
    return this.deliver(clientMsgId, entry.body);
  }

  /** Forgets a pending message (its send promise rejects with AbortError). */
  discard(clientMsgId: string): void {
    this.deps.socket.cancel(clientMsgId);
    this.setPending(this.outgoing.filter((p) => p.clientMsgId !== clientMsgId));
  }

  /** Call on every keystroke with true and on send/blur with false; frames are throttled. Ephemeral. */
  typing(isTyping: boolean): void {
    const now = Date.now();
    // Starting: at most once per TYPING_RESEND_MS. Stopping: only after a start.
    if (isTyping ? now - this.typingSentAt < TYPING_RESEND_MS : !this.typingSentAt) return;
    this.typingSentAt = isTyping ? now : 0;
    this.deps.socket.send({ type: isTyping ? 'typing.start' : 'typing.stop', sessionId: this.sessionId });
  }

  /** Marks messages up to `seq` (default: the last one held) as read; never moves backwards. */
  async markRead(seq = this.log.lastSeq): Promise<void> {
    const previous = this.readSeq;
    if (seq <= previous) return;
    this.readSeq = seq;
    if (this.deps.socket.send({ type: 'read', sessionId: this.sessionId, seq })) return;
    await this.deps.sessions.markRead(this.sessionId, seq).catch((error: unknown) => {
      this.readSeq = previous;
      throw error;
    });
  }

  /** Loads the page before the first message held; resolves with whether still older ones exist. */
  async loadOlder(): Promise<boolean> {
    if (!this.hasOlder) return false;
    const page = await this.deps.messages.list(this.sessionId, { before: this.log.firstSeq, limit: PAGE });
    if (this.log.prepend(page.messages)) this.changed();
    return this.hasOlder;
  }

  /** Stops listening and unsubscribes. Pending socket sends still complete. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    for (const { timer } of this.typing_.values()) clearTimeout(timer);
    this.emitter.clear();
    this.deps.onClose();
  }

  private async deliver(clientMsgId: string, body: string): Promise<Message> {
    const { socket, messages } = this.deps;
    const frame = { sessionId: this.sessionId, clientMsgId, body };
    try {
      const message = await (socket.isActive ? socket.sendMessage(frame) : messages.send(this.sessionId, frame));
      this.accept([message]);
      return message;
    } catch (e) {
      const error = toError(e);
      this.updatePending(clientMsgId, { clientMsgId, body, state: 'failed', error });
      throw error;
    }
  }

  private accept(messages: readonly Message[]): void {
    const appended = this.log.add(messages.filter((m) => m.sessionId === this.sessionId));
    if (appended.length) {
      this.outgoing = this.outgoing.filter((p) => !appended.some((m) => m.clientMsgId === p.clientMsgId));
      for (const m of appended) {
        if (m.sender) this.setTypist(m.sender, false, true);
        this.emitter.emit('message', m);
      }
      this.changed();
    }
    if (this.log.hasGap) void this.fillGap();
  }

  /** Fetches the missing range over HTTP until the run is whole again (or the server has nothing more). */
  private async fillGap(): Promise<void> {
    if (this.filling) return;
    this.filling = true;
    try {
      while (this.log.hasGap && !this.closed) {
        const from = this.log.lastSeq;
        const page = await this.deps.messages.list(this.sessionId, { after: from, limit: 200 });
        const first = page.messages[0];
        // History before `first` is gone (retention): start the run there instead of waiting forever.
        if (this.log.isEmpty && first && first.seq > from + 1) this.log.reset(first.seq);
        this.accept(page.messages);
        if (this.log.lastSeq === from) break;
      }
    } catch (e) {
      this.fail(toError(e));
    } finally {
      this.filling = false;
    }
  }

  /** Reloads the session and its latest page over HTTP, then resumes the subscription from there. */
  private async reload(): Promise<void> {
    try {
      const session = await this.deps.sessions.get(this.sessionId);
      this.setSession(session);
      const page = await this.deps.messages.list(this.sessionId, { before: session.lastSeq + 1, limit: PAGE });
      this.log.reset(page.messages[0]?.seq ?? session.lastSeq + 1);
      this.accept(page.messages);
      this.changed();
      this.deps.socket.resubscribe(this.sessionId);
    } catch (e) {
      this.fail(toError(e));
    }
  }

  private setSession(session: Session): void {
    if (session.id !== this.sessionId) return;
    this.current = session;
    this.emitter.emit('session', session);
    this.changed();
  }

  private setTypist(user: Typist, isTyping: boolean, quiet = false): void {
    if (user.id === this.deps.me()?.id) return;
    const was = this.typing_.get(user.id);
    if (was) clearTimeout(was.timer);
    if (isTyping) this.typing_.set(user.id, { user, timer: setTimeout(() => this.setTypist(user, false), TYPIST_EXPIRY_MS) });
    else if (!this.typing_.delete(user.id)) return;
    this.emitter.emit('typing', this.typists);
    if (!quiet) this.changed();
  }

  private setRead(event: EventOf<'read.updated'>): void {
    if ((this.reads.get(event.userId) ?? -1) >= event.seq) return;
    this.reads.set(event.userId, event.seq);
    this.emitter.emit('read', event);
    this.changed();
  }

  private setPending(next: readonly PendingMessage[]): void {
    this.outgoing = next;
    this.changed();
  }

  private updatePending(clientMsgId: string, entry: PendingMessage): void {
    if (this.outgoing.some((p) => p.clientMsgId === clientMsgId)) {
      this.setPending(this.outgoing.map((p) => (p.clientMsgId === clientMsgId ? entry : p)));
    }
  }

  private fail(error: MedChatError): void {
    this.emitter.emit('error', error);
  }

  private changed(): void {
    if (!this.closed) this.emitter.emit('change', undefined);
  }
}
