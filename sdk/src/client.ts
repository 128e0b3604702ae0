import { SessionHandle } from './chat';
import type { BackoffPolicy } from './core/backoff';
import { DEFAULT_RETRY, type Fetch, type HttpConfig, type RetryPolicy } from './core/http';
import { Socket, type ConnectionState, type SocketEvents, type WebSocketConstructor } from './core/socket';
import { memoryTokens, type TokenStorage } from './core/storage';
import { Assignments } from './resources/assignments';
import { Auth } from './resources/auth';
import { Clinics } from './resources/clinics';
import { Employees } from './resources/employees';
import { Messages } from './resources/messages';
import { Queue } from './resources/queue';
import { Sessions, StaffSessions } from './resources/sessions';

export interface MedChatOptions {
  /** The server's origin, e.g. `https://chat.example-clinic.org`. */
  baseUrl: string;
  /** Where the token is kept; memory by default, `localStorageTokens()` to survive reloads. */
  storage?: TokenStorage;
  /** A WebSocket class, for runtimes without a global one (Node 20: pass `ws`). */
  WebSocket?: WebSocketConstructor;
  /** A fetch implementation; the global one by default. */
  fetch?: Fetch;
  /** Per-attempt HTTP timeout. Default 30 s. */
  timeoutMs?: number;
  /** HTTP retries. Default: 2 retries, 0.5 s doubling to at most 8 s, with jitter. */
  retry?: Partial<RetryPolicy>;
  /** Socket reconnect backoff. Default: 0.5 s doubling to at most 30 s, with jitter. */
  reconnect?: Partial<BackoffPolicy>;
  /** A socket frame not acked within this time means the connection is dead. Default 10 s. */
  ackTimeoutMs?: number;
}

/**
 * The patient's client (`@medchat/sdk/patient`): sign-in, the clinic's public card, sessions and messages over HTTP,
 * plus one WebSocket connection for live events and chat handles. What a widget bundles; the staff resources are
 * `MedChat`'s. Errors are always thrown as `MedChatError`.
 */
export class MedChatPatient {
  readonly auth: Auth;
  readonly clinics: Clinics;
  readonly sessions: Sessions;
  readonly messages: Messages;
  /**
   * The HTTP settings every resource shares: `MedChat` builds its staff resources on them, and `MedChatAdmin`
   * (`@medchat/sdk/admin`) its admin ones, so an admin's requests carry this client's token, retries and timeout.
   */
  readonly http: HttpConfig;
  /** @internal The live connection, for the SDK's own entries (`@medchat/sdk/notes` sends its viewing frames on it). */
  readonly socket: Socket;
  private readonly chats = new Map<string, SessionHandle>();
  private userId: string | undefined;

  constructor(options: MedChatOptions) {
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    const http: HttpConfig = (this.http = {
      baseUrl: `${baseUrl}/api/v1`,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      token: () => this.auth.token,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    this.socket = new Socket({
      // A new single-use ticket for every (re)connect (base64url: nothing to escape); the token never goes in a URL.
      url: () => (this.auth.token ? this.auth.socketTicket().then((t) => `${http.baseUrl.replace(/^http/, 'ws')}/socket?ticket=${t.ticket}`) : undefined),
      WebSocket: options.WebSocket,
      reconnect: { initialDelayMs: 500, maxDelayMs: 30_000, ...options.reconnect },
      ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
    });
    this.auth = new Auth(http, options.storage ?? memoryTokens(), () => this.identityChanged());
    this.clinics = new Clinics(http);
    this.sessions = new Sessions(http);
    this.messages = new Messages(http);
    this.userId = this.auth.user?.id;
  }

  /** `idle` until `connect()`; `offline` after a fatal close (e.g. revoked token) until `connect()` again. */
  get state(): ConnectionState {
    return this.socket.state;
  }

  /**
   * Opens the live connection (idempotent). It reconnects by itself until `disconnect()` or a fatal close; while it
   * waits to, this tries at once (as the browser coming back online does).
   */
  connect(): void {
    this.socket.connect();
  }

  disconnect(): void {
    this.socket.disconnect();
  }

  /** Listens to a server event (or `state`); returns the function that stops listening. */
  on<K extends keyof SocketEvents>(type: K, handler: (event: SocketEvents[K]) => void): () => void {
    return this.socket.events.on(type, handler);
  }

  /** The live handle of a session (one per session id; connects if needed). Close it when done. */
  chat(sessionId: string): SessionHandle {
    let handle = this.chats.get(sessionId);
    if (!handle) {
      handle = new SessionHandle({
        sessionId,
        socket: this.socket,
        messages: this.messages,
        sessions: this.sessions,
        me: () => this.auth.user,
        onClose: () => this.chats.delete(sessionId),
      });
      this.chats.set(sessionId, handle);
    }
    return handle;
  }

  private identityChanged(): void {
    const userId = this.auth.user?.id;
    // Chats belong to the person who opened them; a refreshed token of the same person keeps them.
    // Each close deletes its own entry: a Map's iteration goes on past entries deleted during it.
    if (userId !== this.userId) for (const chat of this.chats.values()) chat.close();
    this.userId = userId;
    if (userId) this.socket.reset();
    else this.socket.disconnect();
  }
}

/**
 * The whole client (`@medchat/sdk/staff`, and the package's root): the patient's, plus what staff use (employees,
 * assignments, the clinic's queue).
 */
export class MedChat extends MedChatPatient {
  /** The patient's session calls and `leave`, which only staff may. */
  override readonly sessions: StaffSessions = new StaffSessions(this.http);
  readonly employees: Employees = new Employees(this.http, this.auth);
  readonly assignments: Assignments = new Assignments(this.http);
  readonly queue: Queue = new Queue(this.http);
}
