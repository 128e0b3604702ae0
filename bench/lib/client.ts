/** A lean protocol socket for load generation: JSON frames, acks by ref, a client-side frame budget. */
import { Bucket } from './util';

type Frame = { type: string; ref?: string; [k: string]: any };

export class LoadSocket {
  readonly bucket: Bucket;
  onFrame: (frame: Frame, at: number) => void = () => {};
  closed = false;
  closeCode = 0;
  private readonly waiting = new Map<string, (f: Frame) => void>();
  private refs = 0;

  private constructor(
    readonly ws: WebSocket,
    perSecond: number,
  ) {
    this.bucket = new Bucket(perSecond, 30);
  }

  /** Opens and waits for `hello` (the server has stored the connection row). */
  static open(url: string, perSecond = 18, timeoutMs = 20_000): Promise<LoadSocket> {
    const ws = new WebSocket(url);
    const s = new LoadSocket(ws, perSecond);
    return new Promise<LoadSocket>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('socket open timed out'));
        ws.close();
      }, timeoutMs);
      ws.onmessage = (e) => {
        const at = performance.now();
        const frame = JSON.parse(e.data as string) as Frame;
        if (frame.type === 'hello') {
          clearTimeout(timer);
          resolve(s);
          return;
        }
        if (frame.ref && (frame.type === 'ack' || frame.type === 'error')) {
          const w = s.waiting.get(frame.ref);
          if (w) {
            s.waiting.delete(frame.ref);
            w(frame);
          }
        }
        s.onFrame(frame, at);
      };
      ws.onclose = (e) => {
        s.closed = true;
        s.closeCode = e.code;
        clearTimeout(timer);
        reject(new Error(`socket closed ${e.code} before hello`));
        for (const w of s.waiting.values()) w({ type: 'error', code: 'closed' });
        s.waiting.clear();
      };
      ws.onerror = () => {};
    });
  }

  nextRef() {
    return `b${++this.refs}`;
  }

  send(frame: Frame) {
    this.ws.send(JSON.stringify(frame));
  }

  /** Sends with a ref and resolves with the ack or error frame. */
  request(frame: Frame, timeoutMs = 15_000): Promise<Frame> {
    const ref = this.nextRef();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(ref);
        resolve({ type: 'error', code: 'timeout' });
      }, timeoutMs);
      this.waiting.set(ref, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      this.send({ ...frame, ref });
    });
  }

  close() {
    if (!this.closed) this.ws.close();
  }
}

/** The socket URL with a fresh single-use ticket for `token`: the server refuses a token in the URL. */
export async function ticketUrl(wsUrl: string, token: string): Promise<string> {
  const res = await fetch(`${wsUrl.replace(/^ws/, 'http')}/ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`socket ticket: ${res.status}`);
  return `${wsUrl}?ticket=${((await res.json()) as { ticket: string }).ticket}`;
}

/** Opens many sockets (a URL, or a function that makes one, e.g. with a ticket), at most `limit` handshakes at once; failures are counted, not thrown. */
export async function openMany(
  urls: Array<string | (() => Promise<string>)>,
  limit: number,
  onProgress?: (n: number) => void,
  perSecond?: number,
): Promise<{ sockets: Array<LoadSocket | null>; failed: number; firstError?: string }> {
  const sockets: Array<LoadSocket | null> = new Array(urls.length).fill(null);
  let next = 0;
  let done = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < urls.length) {
      const i = next++;
      try {
        const url = urls[i]!;
        sockets[i] = await LoadSocket.open(typeof url === 'string' ? url : await url(), perSecond);
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
      if (++done % 500 === 0) onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, urls.length) }, worker));
  return { sockets, failed, firstError };
}
