/**
 * An in-memory stand-in for the MedChat server's transports, for the SDK's own tests: a WebSocket class and a
 * fetch function backed by one message log per session. Frames can be delivered automatically, or held in
 * queues that a test delivers, drops, duplicates and reorders at will. Not part of the package's exports.
 */
import type { ClientFrame, ServerEvent } from '../protocol/events';
import type { Message, Session } from '../protocol/models';
import type { Fetch } from '../core/http';
import type { WebSocketConstructor, WebSocketLike } from '../core/socket';

type Sender = NonNullable<Message['sender']>;
type Handler = ((event: never) => void) | null;

export class FakeServer {
  readonly logs = new Map<string, Message[]>();
  readonly sockets: FakeSocket[] = [];
  /** When true, frames flow both ways on their own; when false they wait in each socket's queues. */
  auto = true;
  /** Sessions whose replay is refused with `history_unavailable` (as after a retention purge). */
  readonly purged = new Set<string>();
  httpCalls = 0;
  /** The token was revoked: upgrades fail before opening (as browsers see a 401) and HTTP answers 401. */
  revoked = false;
  /** Every client frame the server processed, in order. */
  readonly received: ClientFrame[] = [];
  /** Socket tickets issued and not yet spent: an upgrade without one of these fails (as browsers see a 401). */
  readonly tickets = new Set<string>();
  private ticketCount = 0;

  constructor(readonly patient: Sender) {}

  get current(): FakeSocket | undefined {
    return [...this.sockets].reverse().find((s) => !s.isClosed);
  }

  log(sessionId: string): Message[] {
    let log = this.logs.get(sessionId);
    if (!log) this.logs.set(sessionId, (log = []));
    return log;
  }

  /** Stores a message once per (session, sender, clientMsgId) and broadcasts it; returns the stored one. */
  post(sessionId: string, sender: Sender, body: string, clientMsgId: string | null = null): { message: Message; isNew: boolean } {
    const log = this.log(sessionId);
    const existing = clientMsgId && log.find((m) => m.clientMsgId === clientMsgId && m.sender?.id === sender.id);
    if (existing) return { message: existing, isNew: false };
    const message: Message = {
      id: crypto.randomUUID(),
      sessionId,
      seq: log.length + 1,
      kind: 'text',
      sender,
      body,
      system: null,
      clientMsgId,
      createdAt: new Date(0).toISOString(),
    };
    log.push(message);
    for (const socket of this.sockets) if (socket.subscribed.has(sessionId)) socket.push({ type: 'message.created', message });
    return { message, isNew: true };
  }

  session(id: string): Session {
    return {
      id,
      clinicId: id,
      status: 'active',
      patient: { id: this.patient.id, displayName: this.patient.displayName },
      employee: null,
      reason: 'test',
      teamId: null,
      topic: null,
      priority: 'routine',
      leftWhileClosed: false,
      createdAt: new Date(0).toISOString(),
      firstAssignedAt: null,
      endedAt: null,
      endedBy: null,
      lastSeq: this.log(id).length,
    };
  }

  handle(socket: FakeSocket, frame: ClientFrame): void {
    this.received.push(frame);
    if (frame.type === 'subscribe') {
      if (this.purged.has(frame.sessionId) && frame.lastSeq < this.log(frame.sessionId).length) {
        return socket.push({ type: 'error', ref: frame.ref, code: 'history_unavailable', message: 'purged' });
      }
      socket.subscribed.add(frame.sessionId);
      socket.push({ type: 'ack', ref: frame.ref ?? '', session: this.session(frame.sessionId) });
      for (const message of this.log(frame.sessionId).slice(frame.lastSeq)) socket.push({ type: 'message.created', message });
    } else if (frame.type === 'message.send') {
      if (frame.body === 'refuse me') return socket.push({ type: 'error', ref: frame.ref, code: 'session_ended', message: 'ended' });
      const { message } = this.post(frame.sessionId, this.patient, frame.body, frame.clientMsgId);
      socket.push({ type: 'ack', ref: frame.ref ?? '', message });
    } else if (frame.type === 'unsubscribe') {
      socket.subscribed.delete(frame.sessionId);
    }
  }

  readonly fetch: Fetch = async (input, init) => {
    this.httpCalls++;
    const url = new URL(input);
    if (this.revoked) return json(401, { error: { code: 'invalid_token', message: 'revoked' } });
    if (url.pathname === '/api/v1/socket/ticket' && init?.method === 'POST') {
      const ticket = `ticket-${++this.ticketCount}`;
      this.tickets.add(ticket);
      return json(200, { ticket, expiresAt: new Date(Date.now() + 30_000).toISOString() });
    }
    const [, sessionId, tail] = /^\/api\/v1\/sessions\/([^/]+)(\/messages)?$/.exec(url.pathname) ?? [];
    if (!sessionId) return json(404, { error: { code: 'not_found', message: 'no route' } });
    if (!tail) return json(200, this.session(sessionId));
    if (init?.method === 'POST') {
      const body = JSON.parse(String(init.body)) as { body: string; clientMsgId: string };
      const { message, isNew } = this.post(sessionId, this.patient, body.body, body.clientMsgId);
      return json(isNew ? 201 : 200, message);
    }
    const log = this.log(sessionId);
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const after = url.searchParams.get('after');
    const before = url.searchParams.get('before');
    const page =
      after !== null ? log.filter((m) => m.seq > Number(after)).slice(0, limit) : log.filter((m) => m.seq < Number(before ?? Infinity)).slice(-limit);
    const floor = this.purged.has(sessionId) ? Math.max(0, log.length - 2) : 0;
    return json(200, { messages: page.filter((m) => m.seq > floor), hasMore: false });
  };

  /** The WebSocket class to hand to `new MedChat({ WebSocket })`. */
  readonly WebSocket: WebSocketConstructor = ((server: FakeServer) =>
    // A constructor that returns another object: `new` yields the FakeSocket.
    function FakeWebSocket(url: string) {
      return new FakeSocket(server, url);
    } as unknown as WebSocketConstructor)(this);
}

export class FakeSocket implements WebSocketLike {
  onopen: Handler = null;
  onmessage: Handler = null;
  onclose: Handler = null;
  onerror: Handler = null;
  /** Frames on their way to the server / to the client, when the server is not in auto mode. */
  readonly up: string[] = [];
  readonly down: string[] = [];
  readonly subscribed = new Set<string>();
  isClosed = false;

  constructor(
    private readonly server: FakeServer,
    readonly url: string,
  ) {
    server.sockets.push(this);
    const ticket = new URL(url).searchParams.get('ticket');
    const isAdmitted = ticket !== null && server.tickets.delete(ticket);
    setTimeout(() => {
      if (this.isClosed) return;
      if (server.revoked || !isAdmitted) return this.kill(1006);
      this.fire('onopen', {});
      this.push({ type: 'hello', user: null as never, serverTime: new Date(0).toISOString() });
    });
  }

  send(data: string): void {
    if (this.isClosed) return;
    if (this.server.auto) queueMicrotask(() => this.receive(data));
    else this.up.push(data);
  }

  close(code = 1000): void {
    if (this.isClosed) return;
    this.isClosed = true;
    setTimeout(() => this.fire('onclose', { code, reason: '' }));
  }

  /** The server side drops the connection (network reset, restart, slow consumer…). */
  kill(code = 1006): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.up.length = this.down.length = 0;
    this.fire('onclose', { code, reason: '' });
  }

  push(frame: ServerEvent): void {
    if (this.isClosed) return;
    const data = JSON.stringify(frame);
    if (this.server.auto) queueMicrotask(() => this.isClosed || this.fire('onmessage', { data }));
    else this.down.push(data);
  }

  /** Takes frame `index` off a queue and delivers it; `keep` leaves a copy behind (a duplicate). */
  deliver(direction: 'up' | 'down', index: number, keep = false): void {
    const queue = this[direction];
    if (this.isClosed || queue.length === 0) return;
    const i = index % queue.length;
    const data = keep ? queue[i]! : queue.splice(i, 1)[0]!;
    if (direction === 'up') this.receive(data);
    else this.fire('onmessage', { data });
  }

  drop(direction: 'up' | 'down', index: number): void {
    const queue = this[direction];
    if (queue.length) queue.splice(index % queue.length, 1);
  }

  private receive(data: string): void {
    if (!this.isClosed) this.server.handle(this, JSON.parse(data) as ClientFrame);
  }

  private fire(name: 'onopen' | 'onmessage' | 'onclose', event: object): void {
    (this[name] as ((event: object) => void) | null)?.(event);
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Lets timers and microtasks run. */
export const settle = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms));
