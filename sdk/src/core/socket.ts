import { CLOSE_CODES, FATAL_CLOSE_CODES } from '../protocol/close-codes';
import type { ClientFrame, EventOf, ServerEvent, ServerEventType } from '../protocol/events';
import type { Message } from '../protocol/models';
import { backoff, type BackoffPolicy } from './backoff';
import { Emitter } from './emitter';
import { AbortError, ConnectionError, MedChatError, TimeoutError } from './errors';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline';

/** Emitted as `state` whenever the connection state changes. */
export interface StateChange {
  type: 'state';
  state: ConnectionState;
  previous: ConnectionState;
}

/** Every server event except acks (acks settle the promise of the frame they answer), plus `state`. */
export type SocketEvents = { [K in Exclude<ServerEventType, 'ack'>]: EventOf<K> } & { state: StateChange };

/**
 * The part of a WebSocket the SDK uses. The browser's, Bun's and the `ws` package's classes all fit.
 * Handlers take `never` so that any concrete event type is accepted.
 */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface SocketConfig {
  /**
   * The URL for the next connection attempt, undefined when signed out. It is a promise: the client asks the
   * server for a single-use ticket before every attempt, so the long-lived token never goes in a URL. A promise
   * refused with 401 or 403 signs the socket out (`offline`); any other failure is retried with the backoff.
   */
  url: () => Promise<string> | undefined;
  WebSocket?: WebSocketConstructor;
  reconnect: BackoffPolicy;
  /** A frame not answered within this time means the connection is dead: it is dropped and resumed. */
  ackTimeoutMs: number;
}

type Ack = EventOf<'ack'>;
export type SendFrame = Omit<Extract<ClientFrame, { type: 'message.send' }>, 'ref' | 'type'>;

interface Pending {
  resolve: (ack: Ack) => void;
  reject: (error: MedChatError) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface OutboxEntry {
  frame: SendFrame;
  promise: Promise<Message>;
  resolve: (message: Message) => void;
  reject: (error: MedChatError) => void;
  /** The connection this entry was last sent on: each entry is sent at most once per connection. */
  sentOn: number;
}

export interface Subscription {
  sessionId: string;
  /** The highest seq the subscriber holds, read at every (re)subscribe. */
  lastSeq: () => number;
  onAck: (ack: Ack) => void;
  onError: (error: MedChatError) => void;
}

/** Errors that only mean "this connection is gone": the frame is repeated on the next one. */
const isTransient = (error: MedChatError) => error instanceof ConnectionError || error instanceof TimeoutError;

/**
 * One WebSocket connection that outlives its sockets: it reconnects with backoff and jitter, re-authenticates
 * every time (each URL carries a new single-use ticket), resubscribes each session from its last seq, and resends
 * unacked messages from an outbox keyed by clientMsgId (the server removes duplicates).
 */
export class Socket {
  readonly events = new Emitter<SocketEvents>();
  private current: ConnectionState = 'idle';
  private ws: WebSocketLike | undefined;
  /** Increments per connection attempt; events from older sockets are ignored. */
  private generation = 0;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private nextRef = 0;
  private readonly requests = new Map<string, Pending>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly outbox = new Map<string, OutboxEntry>();
  /** A browser back online need not wait out the rest of a backoff of up to 30 s. Listened to from connect() to disconnect(). */
  private readonly onOnline = () => this.retry();
  constructor(private readonly config: SocketConfig) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** True while connected or trying to be: frames sent now will go out. */
  get isActive(): boolean {
    return this.current !== 'idle' && this.current !== 'offline';
  }

  /** Connects; while reconnecting, tries again now instead of waiting out the backoff. */
  connect(): void {
    globalThis.addEventListener?.('online', this.onOnline);
    this.retry();
    if (!this.isActive) this.open('connecting');
  }
  private retry(): void {
    if (this.current === 'reconnecting') this.teardown(), this.open('reconnecting');
  }
  disconnect(): void {
    globalThis.removeEventListener?.('online', this.onOnline);
    this.teardown();
    this.setState('idle');
    this.rejectOutbox(new ConnectionError('Not connected.'));
  }

  /** After a change of identity: nothing queued under the old identity may go out under the new one. */
  reset(): void {
    const wasActive = this.isActive;
    this.teardown();
    this.rejectOutbox(new AbortError('Signed out.'));
    if (wasActive) this.open('connecting');
  }

  subscribe(subscription: Subscription): () => void {
    this.subscriptions.set(subscription.sessionId, subscription);
    this.resubscribe(subscription.sessionId);
    return () => {
      if (this.subscriptions.get(subscription.sessionId) !== subscription) return;
      this.subscriptions.delete(subscription.sessionId);
      this.send({ type: 'unsubscribe', sessionId: subscription.sessionId });
    };
  }

  /** Subscribes again from the subscriber's current last seq (e.g. after reloading history over HTTP). */
  resubscribe(sessionId: string): void {
    const sub = this.subscriptions.get(sessionId);
    if (!sub || this.current !== 'open') return;
    this.request({ type: 'subscribe', sessionId, lastSeq: sub.lastSeq() }).then(sub.onAck, (error: MedChatError) => {
      if (!isTransient(error)) sub.onError(error);
    });
  }

  /** Queues a message until the server acks it with the stored message; survives reconnects. */
  sendMessage(frame: SendFrame): Promise<Message> {
    const existing = this.outbox.get(frame.clientMsgId);
    if (existing) return existing.promise;
    if (!this.isActive) return Promise.reject(new ConnectionError('Not connected.'));
    let resolve!: OutboxEntry['resolve'];
    let reject!: OutboxEntry['reject'];
    const promise = new Promise<Message>((res, rej) => ((resolve = res), (reject = rej)));
    const entry: OutboxEntry = { frame, promise, resolve, reject, sentOn: -1 };
    this.outbox.set(frame.clientMsgId, entry);
    // However it settles (ack, refusal, cancel, sign-out), the entry leaves the outbox: only its own, not a newer one.
    const forget = () => this.outbox.get(frame.clientMsgId) === entry && this.outbox.delete(frame.clientMsgId);
    promise.then(forget, forget);
    if (this.current === 'open') this.transmit(entry);
    return promise;
  }

  /** Drops a queued message; its promise rejects with AbortError. */
  cancel(clientMsgId: string): void {
    this.outbox.get(clientMsgId)?.reject(new AbortError('Discarded.'));
  }

  /** Fire-and-forget for ephemeral frames (typing, read); returns false when not connected. */
  send(frame: ClientFrame): boolean {
    if (this.current !== 'open' || !this.ws) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Sends a frame with a fresh `ref` and settles with the `ack` or `error` that echoes it. */
  request(frame: ClientFrame): Promise<Ack> {
    const ref = String(++this.nextRef);
    return new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => this.lose(), this.config.ackTimeoutMs);
      this.requests.set(ref, { resolve, reject, timer });
      if (!this.send({ ...frame, ref })) this.settle(ref, new ConnectionError('Not connected.'));
    });
  }

  private transmit(entry: OutboxEntry): void {
    entry.sentOn = this.generation;
    // Settling an entry already settled (cancelled, signed out) changes nothing.
    this.request({ type: 'message.send', ...entry.frame }).then(
      (ack) => (ack.message ? entry.resolve(ack.message) : entry.reject(new MedChatError({ code: 'invalid_response' }))),
      (error: MedChatError) => isTransient(error) || entry.reject(error),
    );
  }

  private open(state: 'connecting' | 'reconnecting'): void {
    const Ctor = this.config.WebSocket ?? (globalThis.WebSocket as WebSocketConstructor | undefined);
    if (!Ctor) return this.fail('websocket_unavailable', 'No WebSocket: pass one in the options.');
    const url = this.config.url();
    if (!url) return this.fail('unauthorized');
    this.setState(state);
    const generation = ++this.generation;
    // Whatever settles after this attempt was given up (teardown moved the generation on) is ignored.
    const live = () => generation === this.generation;
    url.then(
      (ready) => live() && this.dial(new Ctor(ready), generation, live),
      // No URL: a refused ticket (401, 403) signs out; anything else is tried again later.
      (error: MedChatError) =>
        live() && (error.status === 401 || error.status === 403 ? this.fail(error.code, error.message) : this.closed(CLOSE_CODES.goingAway)),
    );
  }

  private dial(ws: WebSocketLike, generation: number, live: () => boolean): void {
    this.ws = ws;
    ws.onopen = () => {
      if (!live()) return;
      this.attempt = 0;
      this.setState('open');
      for (const id of this.subscriptions.keys()) this.resubscribe(id);
      for (const entry of this.outbox.values()) if (entry.sentOn !== generation) this.transmit(entry);
    };
    ws.onmessage = (event: { data: unknown }) => {
      if (live()) this.receive(event.data);
    };
    ws.onclose = (event: { code: number; reason?: string }) => {
      if (live()) this.closed(event.code, event.reason);
    };
    ws.onerror = () => {}; // a close event always follows
  }

  private receive(data: unknown): void {
    let frame: ServerEvent;
    try {
      frame = JSON.parse(String(data)) as ServerEvent;
    } catch {
      return; // never sent by the server; not worth crashing on
    }
    if (frame.type === 'ack') return this.settle(frame.ref, frame);
    if (frame.type === 'error' && frame.ref !== undefined) {
      return this.settle(frame.ref, new MedChatError({ code: frame.code, message: frame.message }));
    }
    // The event map is keyed by `type`, so each frame goes to the handlers of its own type.
    (this.events as unknown as Emitter<Record<string, ServerEvent>>).emit(frame.type, frame);
  }

  private settle(ref: string, outcome: Ack | MedChatError): void {
    const pending = this.requests.get(ref);
    if (!pending) return; // A duplicate, or the answer to a frame of a connection already given up.
    this.requests.delete(ref);
    clearTimeout(pending.timer);
    if (outcome instanceof MedChatError) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  /** The connection is presumed dead (no ack in time): drop it and resume on a new one. */
  private lose(): void {
    if (this.current === 'open') this.closed(CLOSE_CODES.goingAway);
  }

  private closed(code: number, reason?: string): void {
    this.teardown();
    if (FATAL_CLOSE_CODES.includes(code)) {
      const errorCode = code === CLOSE_CODES.originNotAllowed ? 'origin_not_allowed' : 'invalid_token';
      return this.fail(errorCode, reason || undefined);
    }
    this.setState('reconnecting');
    // Refused credentials need no check here: browsers hide an upgrade's 401, but the next attempt's ticket request
    // is plain HTTP, and its 401 or 403 signs the socket out (see open()).
    this.retryTimer = setTimeout(() => this.open('reconnecting'), backoff(this.attempt++, this.config.reconnect));
  }

  /** Gives up: state `offline`, an `error` event, and queued messages fail (they stay visible as not sent). */
  private fail(code: string, message?: string): void {
    this.teardown();
    const error = new MedChatError({ code, message });
    this.setState('offline');
    this.events.emit('error', { type: 'error', code, message: error.message });
    this.rejectOutbox(error);
  }

  private teardown(): void {
    clearTimeout(this.retryTimer);
    this.generation++;
    const ws = this.ws;
    this.ws = undefined;
    try {
      ws?.close(CLOSE_CODES.normal);
    } catch {} // already closing
    for (const ref of this.requests.keys()) this.settle(ref, new ConnectionError('Not connected.'));
  }

  private rejectOutbox(error: MedChatError): void {
    for (const entry of this.outbox.values()) entry.reject(error);
  }

  private setState(state: ConnectionState): void {
    const previous = this.current;
    if (previous === state) return;
    this.current = state;
    this.events.emit('state', { type: 'state', state, previous });
  }
}
