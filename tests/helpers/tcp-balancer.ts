/**
 * A small TCP load balancer in front of several server instances, as a clinic runs them behind HAProxy or a cloud
 * balancer: each new connection goes to the next backend in turn (round-robin), and a backend whose connect fails
 * (stopped, draining, not started yet) is skipped for that connection. It knows nothing of HTTP or WebSockets: a
 * connection stays on the backend it was given until either side closes it, and then the other side is closed too.
 * `connections` counts, per backend port, the connections it handed over (tests assert the spread).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpBalancer {
  readonly connections = new Map<number, number>();
  private next = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly backends: readonly number[],
  ) {}

  /** Listens on a free port of 127.0.0.1 and balances over the given backend ports of 127.0.0.1. */
  static async start(backends: readonly number[]): Promise<TcpBalancer> {
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const balancer = new TcpBalancer(server, (server.address() as { port: number }).port, backends);
    server.on('connection', (client) => balancer.accept(client));
    return balancer;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket) {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** The client is paused until a backend takes it, so nothing it sends meanwhile is lost. */
  private accept(client: Socket) {
    this.track(client);
    client.on('error', () => client.destroy());
    const first = this.next++ % this.backends.length;
    const tryBackend = (tried: number) => {
      if (client.destroyed) return;
      if (tried === this.backends.length) return void client.destroy(); // none is up: as a balancer with no healthy backend
      const port = this.backends[(first + tried) % this.backends.length]!;
      const upstream = connect({ host: '127.0.0.1', port });
      this.track(upstream);
      let connected = false;
      // Before the connect: refused, so the next backend; after it: the connection broke, so the client's goes too.
      upstream.on('error', () => (connected ? client.destroy() : tryBackend(tried + 1)));
      upstream.once('connect', () => {
        connected = true;
        this.connections.set(port, (this.connections.get(port) ?? 0) + 1);
        client.pipe(upstream);
        upstream.pipe(client);
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.resume();
      });
    };
    tryBackend(0);
  }
}
