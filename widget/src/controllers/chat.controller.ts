import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  MedChatPatient,
  isMedChatError,
  localStorageTokens,
  type ClinicPublic,
  type ConnectionState,
  type Message,
  type QueueStatus,
  type Session,
  type SessionHandle,
} from '@medchat/sdk/patient';
import type { AttachmentKit } from '../components/attachments/attachment-kit';
import { emit, type PrechatAnswers } from '../events/events';
import { FATAL_INIT_CODES, STALE_TOKEN_CODES, connectionBanner, viewFor, type View } from './chat-state';
import { QueuePoller } from './queue-poller';

export interface ChatConfig {
  server: string;
  site: string;
  identityToken?: string | null;
}

/** What the controller needs from its element. */
export interface ChatHost extends ReactiveControllerHost, EventTarget {
  /** The panel is open (new messages then count as seen). */
  readonly open: boolean;
}

/** Where the patient's token is kept: one per clinic and server, shared by the page's tabs. */
const storageKey = (config: ChatConfig) => `medchat:${config.site}@${config.server}`;
const codeOf = (e: unknown) => (isMedChatError(e) ? e.code : 'internal_error');
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The widget's whole link to MedChat: wraps one SDK client for the element's lifetime. It signs the visitor in,
 * resumes an open chat after a reload (the SDK keeps only the token in localStorage, never messages; widget/README.md), follows
 * the session through waiting → active → ended, and turns SDK happenings into the widget's DOM events.
 * Rendering reads its fields; every change calls `host.requestUpdate()`.
 */
export class ChatController implements ReactiveController {
  clinic: ClinicPublic | null = null;
  connection: ConnectionState = 'idle';
  isOnline = globalThis.navigator?.onLine ?? true;
  queue: QueueStatus | null = null;
  /** The SDK's live handle of the open session (messages, pending sends, typists), while one is open. */
  sessionHandle: SessionHandle | null = null;
  /** The last error code to show, until dismissed. */
  error: string | null = null;
  /** Why the chat cannot be used on this page (an error code), once that is known for good. */
  unavailableCode: string | null = null;
  /** Messages from others that arrived while the panel was closed. */
  unread = 0;
  isBusy = false;
  /** After a chat ends: its messages (memory only) for the end screen's transcript. */
  transcript: readonly Message[] | null = null;
  /** The patient's user id, for telling own messages apart (kept after the token is cleared). */
  selfId: string | null = null;
  /** The name the visitor gave last, to prefill "start a new chat" (memory only). */
  lastName = '';
  /** The patient chose to leave a message while the clinic is closed: the form instead of the after-hours notice. */
  isLeaving = false;
  /** The page was opened from an email's link that was already used or has expired: said above the pre-chat form. */
  linkSpent: 'link_used' | 'link_expired' | null = null;
  /** Uploads and links, once the attachments chunk is loaded for a clinic that takes files; null: text only. */
  kit: AttachmentKit | null = null;

  #client: MedChatPatient | null = null;
  #config: ChatConfig | null = null;
  #session: Session | null = null;
  #isReady = false;
  #isUnavailable = false;
  #generation = 0;
  #poller = new QueuePoller(
    (id) => this.#client!.sessions.queue(id),
    (queue) => this.#set(() => (this.queue = queue)),
  );
  #cleanups: (() => void)[] = [];
  #chatCleanups: (() => void)[] = [];

  constructor(private readonly host: ChatHost) {
    host.addController(this);
  }

  /** The session the widget follows, as last seen. */
  get current(): Session | null {
    return this.sessionHandle?.session ?? this.#session;
  }

  get view(): View {
    const isClosed = this.clinic?.hours?.isOpen === false && !this.isLeaving;
    return viewFor({ isReady: this.#isReady, isUnavailable: this.#isUnavailable, session: this.current, hasTranscript: this.transcript !== null, isClosed });
  }

  /** The address an identified patient's identity token named: the pre-chat form offers it for reply emails, ticked. */
  get identityEmail(): string | null {
    return (this.#config?.identityToken && this.#client?.auth.user?.email) || null;
  }

  get banner() {
    return connectionBanner(this.connection, this.isOnline, this.sessionHandle !== null);
  }

  hostConnected(): void {
    window.addEventListener('online', this.#onNetwork);
    window.addEventListener('offline', this.#onNetwork);
  }

  hostDisconnected(): void {
    window.removeEventListener('online', this.#onNetwork);
    window.removeEventListener('offline', this.#onNetwork);
    this.#teardown();
  }

  /** (Re)starts for these settings: loads the clinic, signs in an identified patient, resumes an open chat. */
  async configure(config: ChatConfig): Promise<void> {
    this.#teardown();
    this.#config = config;
    this.#isReady = this.#isUnavailable = false;
    this.unavailableCode = null;
    const generation = ++this.#generation;
    const current = () => generation === this.#generation;
    const client = new MedChatPatient({ baseUrl: config.server, storage: localStorageTokens(storageKey(config)) });
    this.#client = client;
    this.#cleanups.push(
      client.on('state', (e) => this.#set(() => (this.connection = e.state))),
      client.on('error', (e) => this.#fail(e.code, e.message)),
      client.on('session.waiting', (e) => this.#onSession(e.session, e.queue)),
      client.on('session.requeued', (e) => this.#onSession(e.session, e.queue)),
      client.on('session.assigned', (e) => this.#onSession(e.session)),
      client.on('session.ended', (e) => this.#onSession(e.session)),
      ...(['clinic.opened', 'clinic.closed'] as const).map((type) =>
        client.on(type, (e) => this.#set(() => (this.clinic = this.clinic && { ...this.clinic, hours: e.hours }))),
      ),
    );
    this.#update();
    let resumed = false;
    try {
      this.clinic = await client.clinics.getPublic(config.site);
      if (!current()) return;
      if (this.clinic.originAllowed === false) return this.#refuseOrigin(config);
      // A card without limits (an older server) means no files. The chunk failing to load (or to define its elements)
      // leaves the chat text only.
      if (this.clinic.attachmentsPerMessage > 0)
        import('../components/attachments/attachments')
          .then((m) => current() && this.#set(() => (this.kit = m.createKit(client, this.clinic!))))
          .catch(() => {});
      resumed = await this.#resume(client);
    } catch (e) {
      if (!current()) return;
      if (FATAL_INIT_CODES.includes(codeOf(e)) || !this.clinic) (this.#isUnavailable = true), (this.unavailableCode = codeOf(e));
      this.#fail(codeOf(e), messageOf(e));
    }
    if (!current()) return;
    this.#isReady = true;
    this.#update();
    if (this.clinic) emit(this.host, 'medchat-ready', { clinic: { id: this.clinic.id, name: this.clinic.name }, resumed });
  }

  /**
   * The page's origin is not on the clinic's allowed origins: the patient reads that chat is not available here
   * (with the clinic's emergency text); the site's developer reads, once per load, what to change. Not an error
   * event: nothing failed, the clinic said no (tests/e2e/widget.origin.test.ts).
   */
  #refuseOrigin(config: ChatConfig): void {
    this.#isUnavailable = this.#isReady = true;
    this.unavailableCode = 'origin_not_allowed';
    console.warn(`MedChat: ${location.origin} is not on the allowed origins of clinic "${config.site}": an admin of the clinic adds it (allowedOrigins).`);
    this.#update();
  }

  /** Pre-chat form submitted: sign in (guest, or identified by the site) and open a session. */
  async start({ name, reason, redFlags, topic, notifyEmail, notify }: PrechatAnswers): Promise<void> {
    const client = this.#client;
    const config = this.#config;
    if (!client || !config || this.isBusy) return;
    this.#set(() => ((this.isBusy = true), (this.error = null), (this.lastName = name)));
    try {
      if (!client.auth.user) await this.#signIn(client, config, name);
      // The answers, not a priority: the server decides from them.
      const intake = redFlags.length || topic ? { redFlags, topic } : undefined;
      const session = await client.sessions.start({ reason, intake, notifyEmail, notify });
      this.transcript = null;
      this.#attach(client, session);
    } catch (e) {
      this.#fail(codeOf(e), messageOf(e));
    } finally {
      this.#set(() => (this.isBusy = false));
    }
  }

  send(body: string): void {
    const handle = this.sessionHandle;
    if (!handle) return;
    handle.typing(false);
    // Failures stay visible in `handle.pending` as "not sent" with a retry; the error event tells the page.
    handle.send(body).catch((e) => this.#reportSendFailure(e));
  }

  retry(clientMsgId: string): void {
    this.sessionHandle?.retry(clientMsgId).catch((e) => this.#reportSendFailure(e));
  }

  typing(isTyping: boolean): void {
    this.sessionHandle?.typing(isTyping);
  }

  /** Marks everything shown as read, when the patient can actually see it. */
  markRead(): void {
    if (!this.sessionHandle || !this.host.open || document.visibilityState === 'hidden') return;
    this.sessionHandle.markRead().catch(() => {}); // Read marks are ephemeral; the next one repeats it.
  }

  /** Ends the chat (after the UI confirmed it). */
  async end(): Promise<void> {
    const client = this.#client;
    const session = this.current;
    if (!client || !session || this.isBusy) return;
    this.#set(() => (this.isBusy = true));
    try {
      this.#finish(await client.sessions.end(session.id));
    } catch (e) {
      if (codeOf(e) === 'session_ended') this.#finish({ ...session, status: 'ended' });
      else this.#fail(codeOf(e), messageOf(e));
    } finally {
      this.#set(() => (this.isBusy = false));
    }
  }

  /** From the end screen back to the pre-chat form. */
  newChat(): void {
    this.#set(() => ((this.transcript = null), (this.#session = null), (this.queue = null)));
  }

  clearUnread(): void {
    if (this.unread) this.#set(() => (this.unread = 0));
  }

  dismissError(): void {
    this.#set(() => (this.error = null));
  }

  async #resume(client: MedChatPatient): Promise<boolean> {
    const config = this.#config;
    if (config && (await this.#followLink(client, config))) return true;
    if (config?.identityToken && (!client.auth.user || client.auth.user.externalId === null)) {
      await client.auth.identify({ siteKey: config.site, identityToken: config.identityToken });
    }
    if (!client.auth.user) return false;
    try {
      const sessions = await client.sessions.list();
      const open = sessions.filter((s) => s.status !== 'ended').sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
      if (!open) return false;
      this.#attach(client, open);
      return true;
    } catch (e) {
      if (!STALE_TOKEN_CODES.includes(codeOf(e))) throw e;
      await client.auth.logout().catch(() => {}); // Forget the stale token; the visitor starts over.
      return false;
    }
  }

  /**
   * An email's link (`?medchat_resume=…`, put on this frame's address by the page, or the page's own in-page): taken
   * out of the address at once, then spent for its patient and chat, on any device. A used or expired link is said
   * above the pre-chat form; an invalid one is an error. Either way the widget goes on as without one.
   */
  async #followLink(client: MedChatPatient, config: ChatConfig): Promise<boolean> {
    const url = new URL(location.href);
    const token = url.searchParams.get('medchat_resume');
    if (token === null) return false;
    url.searchParams.delete('medchat_resume');
    history.replaceState(history.state, '', url);
    try {
      const link = await client.auth.resume({ siteKey: config.site, token });
      if ('spent' in link) {
        this.linkSpent = link.spent;
        return false;
      }
      this.#attach(client, await client.sessions.get(link.sessionId));
      return true;
    } catch (e) {
      this.#fail(codeOf(e), messageOf(e));
      return false;
    }
  }

  #signIn(client: MedChatPatient, config: ChatConfig, name: string) {
    return config.identityToken
      ? client.auth.identify({ siteKey: config.site, identityToken: config.identityToken })
      : client.auth.guest({ siteKey: config.site, displayName: name });
  }

  #attach(client: MedChatPatient, session: Session): void {
    this.#detach();
    this.#session = session;
    // A spent link's notice belongs to the form it was shown above: a chat (this browser's own, or a new one) ends it.
    this.linkSpent = null;
    this.selfId = client.auth.user?.id ?? null;
    const handle = client.chat(session.id);
    this.sessionHandle = handle;
    this.#chatCleanups.push(
      handle.on('change', () => {
        this.#followSession();
        this.markRead();
        this.#update();
      }),
      handle.on('message', (message) => {
        if (!this.host.open && message.kind === 'text' && message.sender?.id !== this.selfId) this.unread++;
        emit(this.host, 'medchat-message', { message });
      }),
      handle.on('error', (e) => this.#fail(e.code, e.message)),
    );
    client.connect();
    this.#followSession();
    this.#update();
  }

  #onSession(session: Session, queue?: QueueStatus): void {
    if (session.id !== this.current?.id) return;
    this.#session = session;
    if (queue) this.queue = queue;
    this.#followSession();
    this.#update();
  }

  /** Keeps polling the queue while waiting, and finishes once the session ended (by anyone). */
  #followSession(): void {
    const session = this.current;
    if (session?.status === 'ended') return this.#finish(session);
    if (session?.status === 'waiting' && this.#client) this.#poller.start(session.id);
    else this.#poller.stop();
  }

  /** The session ended: keep its messages in memory for the transcript, clear the stored token (widget/README.md: only the token is kept). */
  #finish(session: Session): void {
    if (this.transcript !== null && !this.sessionHandle) return;
    this.transcript = this.sessionHandle?.messages ?? [];
    this.lastName = this.#client?.auth.user?.displayName ?? this.lastName;
    this.#session = null;
    this.queue = null;
    this.#detach();
    emit(this.host, 'medchat-session-ended', { sessionId: session.id });
    if (this.#client && this.#config) this.#signOut(this.#client, this.#config);
    this.#update();
  }

  /**
   * Forgets the token after a chat ended. Signing out revokes it, and the server then closes this socket for it
   * (close code 1008): an expected close, not an error, so the socket stops first. Tabs of one patient share the
   * token and all see the end: one at a time (a Web Lock), and only while it is still stored, so no tab asks with a
   * token another already revoked (tests/e2e/widget.test.ts: patient flow, second tab).
   */
  #signOut(client: MedChatPatient, config: ChatConfig): void {
    client.disconnect();
    const logout = () => client.auth.logout().catch(() => {});
    const locks = globalThis.navigator?.locks;
    void (locks ? locks.request(`${storageKey(config)}:sign-out`, logout) : logout());
  }

  #detach(): void {
    this.#poller.stop();
    for (const cleanup of this.#chatCleanups.splice(0)) cleanup();
    this.sessionHandle?.close();
    this.sessionHandle = null;
  }

  #teardown(): void {
    this.#generation++;
    this.#detach();
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.#client?.disconnect();
    this.#client = null;
  }

  #reportSendFailure(e: unknown): void {
    if (codeOf(e) !== 'aborted') this.#fail(codeOf(e), messageOf(e));
  }

  #fail(code: string, message = code): void {
    this.error = code;
    emit(this.host, 'medchat-error', { code, message });
    this.#update();
  }

  #onNetwork = () => this.#set(() => (this.isOnline = navigator.onLine));

  #set(change: () => unknown): void {
    change();
    this.#update();
  }

  #update(): void {
    this.host.requestUpdate();
  }
}
