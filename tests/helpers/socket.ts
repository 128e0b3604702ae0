import type { ClientFrame, ServerEvent } from '@medchat/sdk/protocol';

/** A socket ticket for `token`, from the server whose socket URL (`ws://…/api/v1/socket`) is given. */
export async function socketTicket(socketUrl: string, token: string): Promise<string> {
  const res = await fetch(`${socketUrl.replace(/^ws/, 'http')}/ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`socket ticket: ${res.status}`);
  return ((await res.json()) as { ticket: string }).ticket;
}

/** A raw protocol client for tests: records every frame and waits for the ones a test expects. */
export class TestSocket {
  readonly events: ServerEvent[] = [];
  closeCode: number | null = null;
  private ws: WebSocket;
  private waiters: Array<() => void> = [];
  private refs = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.onmessage = (e) => {
      this.events.push(JSON.parse(String(e.data)));
      this.notify();
    };
    ws.onclose = (e) => {
      this.closeCode = e.code;
      this.notify();
    };
  }

  /** Opens a socket as the SDK does: a single-use ticket for the token first, then the upgrade with `?ticket=`. */
  static async open(url: string, token: string, headers?: Record<string, string>): Promise<TestSocket> {
    const ws = new WebSocket(`${url}?ticket=${await socketTicket(url, token)}`, headers ? ({ headers } as unknown as string[]) : undefined);
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error('socket failed to open'));
    });
    await socket.waitFor((e) => e.type === 'hello');
    return socket;
  }

  private notify() {
    for (const w of this.waiters.splice(0)) w();
  }

  send(frame: ClientFrame | Record<string, unknown> | string) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a frame with a fresh ref and waits for its ack or error. */
  async request(frame: Record<string, unknown>, timeoutMs = 5000): Promise<ServerEvent> {
    const ref = `r${++this.refs}`;
    this.send({ ...frame, ref });
    return this.waitFor((e) => (e.type === 'ack' || e.type === 'error') && (e as { ref?: string }).ref === ref, timeoutMs);
  }

  async waitFor<T extends ServerEvent = ServerEvent>(predicate: (e: ServerEvent) => boolean, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.events.length; seen++) if (predicate(this.events[seen]!)) return this.events[seen] as T;
      if (Date.now() > deadline) throw new Error(`timed out; got ${this.events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  messages(sessionId: string) {
    return this.events.flatMap((e) => (e.type === 'message.created' && e.message.sessionId === sessionId ? [e.message] : []));
  }

  close() {
    this.ws.close();
  }

  /** Drops the connection without a close handshake, as a network failure would. */
  terminate() {
    (this.ws as unknown as { terminate?: () => void }).terminate?.() ?? this.ws.close(4000);
  }
}
