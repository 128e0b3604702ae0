/**
 * A TCP proxy between a server under test and Postgres, so a test can take the database away from one
 * instance without stopping the shared Postgres:
 * - `refuse()`: every piped connection is closed and new ones are refused (the port stops listening), as when
 *   Postgres restarts or its host is down.
 * - `blackhole()`: connections stay open but nothing is forwarded either way, and new ones are accepted and never
 *   answered, as when packets vanish or the database hangs. Clients without their own deadline wait forever.
 * - `restore()`: forwarding again. Bytes held by a blackhole are delivered, as TCP retransmits them once a
 *   partition heals; `restore({ stalled: 'lost' })` leaves those connections silent forever instead (their peer is
 *   gone for good), while new connections work.
 */
import type { Socket, TCPSocketListener } from 'bun';

type Mode = 'forward' | 'refuse' | 'blackhole';

interface End {
  socket: Socket<Pair> | null;
  /** Bytes waiting to be written to this end (not connected yet, held by a blackhole, or backpressure). */
  pending: Uint8Array[];
}

interface Pair {
  client: End;
  upstream: End;
  held: boolean;
  closed: boolean;
}

export class TcpProxy {
  private listener: TCPSocketListener<Pair> | null = null;
  private mode: Mode = 'forward';
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly target: { hostname: string; port: number },
    readonly port: number,
  ) {}

  /** Listens on a free local port and forwards to `target`. */
  static async start(target: { hostname: string; port: number }): Promise<TcpProxy> {
    const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    const proxy = new TcpProxy(target, port);
    proxy.listen();
    return proxy;
  }

  /** `databaseUrl` with its host and port replaced by the proxy's. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  refuse() {
    this.mode = 'refuse';
    this.listener?.stop(true);
    this.listener = null;
    for (const pair of [...this.pairs]) this.closePair(pair);
  }

  blackhole() {
    this.mode = 'blackhole';
    for (const pair of this.pairs) pair.held = true;
  }

  restore({ stalled = 'delivered' }: { stalled?: 'delivered' | 'lost' } = {}) {
    this.mode = 'forward';
    if (!this.listener) this.listen();
    for (const pair of this.pairs) {
      if (!pair.held || stalled === 'lost') continue;
      pair.held = false;
      if (!pair.upstream.socket) this.connectUpstream(pair);
      this.flush(pair.upstream);
      this.flush(pair.client);
    }
  }

  async close() {
    this.listener?.stop(true);
    this.listener = null;
    for (const pair of [...this.pairs]) this.closePair(pair);
  }

  private listen() {
    this.listener = Bun.listen<Pair>({
      hostname: '127.0.0.1',
      port: this.port,
      socket: {
        open: (socket) => {
          const pair: Pair = { client: { socket, pending: [] }, upstream: { socket: null, pending: [] }, held: this.mode === 'blackhole', closed: false };
          socket.data = pair;
          this.pairs.add(pair);
          if (!pair.held) this.connectUpstream(pair);
        },
        data: (socket, data) => this.send(socket.data, socket.data.upstream, data),
        drain: (socket) => this.flush(socket.data.client),
        close: (socket) => this.closePair(socket.data),
        error: (socket) => this.closePair(socket.data),
      },
    });
  }

  private connectUpstream(pair: Pair) {
    Bun.connect<Pair>({
      ...this.target,
      socket: {
        open: (socket) => {
          socket.data = pair;
          if (pair.closed) return void socket.end();
          pair.upstream.socket = socket;
          if (!pair.held) this.flush(pair.upstream);
        },
        data: (socket, data) => this.send(socket.data, socket.data.client, data),
        drain: (socket) => this.flush(socket.data.upstream),
        close: (socket) => this.closePair(socket.data),
        error: (socket) => this.closePair(socket.data),
      },
    }).catch(() => this.closePair(pair));
  }

  private send(pair: Pair, to: End, data: Uint8Array) {
    if (pair.closed) return;
    to.pending.push(new Uint8Array(data));
    if (!pair.held) this.flush(to);
  }

  /** Writes what is pending to this end, keeping whatever the socket did not take for its next drain. */
  private flush(end: End) {
    const socket = end.socket;
    if (!socket) return;
    while (end.pending.length) {
      const chunk = end.pending[0]!;
      const written = socket.write(chunk);
      if (written >= chunk.length) {
        end.pending.shift();
        continue;
      }
      if (written > 0) end.pending[0] = chunk.subarray(written);
      return;
    }
  }

  private closePair(pair: Pair | undefined) {
    if (!pair || pair.closed) return;
    pair.closed = true;
    this.pairs.delete(pair);
    pair.client.socket?.end();
    pair.upstream.socket?.end();
  }
}
