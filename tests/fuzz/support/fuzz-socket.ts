import type { ServerEvent } from '@medchat/sdk/protocol';
import { socketTicket } from '../../helpers/socket';
import { NOTE_MARKER } from './world';

/**
 * The server allows 20 frames a second per connection, in bursts of up to 40. This client keeps a stricter bucket
 * of its own (18 a second, bursts of 30), so it never trips the limit, however the frames bunch up on the way.
 */
const PACE = { perSecond: 18, burst: 30 };

export type Reply = Extract<ServerEvent, { type: 'ack' | 'error' }>;

/**
 * A raw WebSocket for fuzzing: sends text or binary, paced under the rate limit, and hands out the server's
 * acks and errors in order. Every frame a case sends gets exactly one of them, so `nextReply` pairs them up.
 */
export class FuzzSocket {
  closeCode: number | null = null;
  /** Every frame that held an internal note's marker (support/world.ts): a patient's socket must never get one. */
  readonly noteFrames: string[] = [];
  /** Every `session.viewers` frame (who has a chat open: staff only): a patient's socket must never get one. */
  readonly viewerFrames: string[] = [];
  private readonly replies: Reply[] = [];
  private waiter: (() => void) | null = null;
  private tokens = PACE.burst;
  private refilledAt = performance.now();
  private probes = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (e) => {
      const text = String(e.data);
      if (text.includes(NOTE_MARKER)) this.noteFrames.push(text);
      if (text.startsWith('{"type":"session.viewers"')) this.viewerFrames.push(text);
      const event = JSON.parse(text) as ServerEvent;
      if (event.type === 'ack' || event.type === 'error') this.replies.push(event);
      this.waiter?.();
    };
    ws.onclose = (e) => {
      this.closeCode = e.code;
      this.waiter?.();
    };
  }

  static async open(url: string, token: string): Promise<FuzzSocket> {
    const ws = new WebSocket(`${url}?ticket=${await socketTicket(url, token)}`);
    const socket = new FuzzSocket(ws);
    const hello = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no hello within 10 s')), 10_000);
      ws.addEventListener('message', function onHello(e) {
        if (String(e.data).startsWith('{"type":"hello"')) {
          clearTimeout(timer);
          ws.removeEventListener('message', onHello);
          resolve();
        }
      });
      ws.addEventListener('error', () => reject(new Error('socket failed to open')));
    });
    await hello;
    return socket;
  }

  /** Sends one frame, waiting first if this socket has used up its share. */
  async send(data: string | Uint8Array) {
    const refill = () => {
      const now = performance.now();
      this.tokens = Math.min(PACE.burst, this.tokens + ((now - this.refilledAt) / 1000) * PACE.perSecond);
      this.refilledAt = now;
    };
    refill();
    if (this.tokens < 1) {
      await Bun.sleep(((1 - this.tokens) / PACE.perSecond) * 1000);
      refill();
    }
    this.tokens -= 1;
    this.ws.send(data);
  }

  /** The next ack or error, or `closed` if the socket closed first, or `timeout`. */
  async nextReply(timeoutMs = 10_000): Promise<Reply | 'closed' | 'timeout'> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const reply = this.replies.shift();
      if (reply) return reply;
      if (this.closeCode !== null) return 'closed';
      const left = deadline - performance.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, Math.min(left, 100));
      });
      this.waiter = null;
    }
  }

  /** Replies nobody asked for (there should be none). */
  pending() {
    return this.replies.length;
  }

  /** Is the socket still usable? A frame that touches nothing (leaving a session never joined) must be acked. */
  async probe(): Promise<string | null> {
    const ref = `probe-${++this.probes}`;
    await this.send(JSON.stringify({ type: 'unsubscribe', sessionId: crypto.randomUUID(), ref }));
    const reply = await this.nextReply();
    if (typeof reply === 'string') return `probe: ${reply} (close code ${this.closeCode})`;
    if (reply.type !== 'ack' || reply.ref !== ref) return `probe answered ${JSON.stringify(reply)}`;
    return null;
  }

  close() {
    this.ws.close();
  }
}
