/**
 * A real SMTP server on loopback for tests (the `smtp-server` package): keeps each message's raw bytes and envelope,
 * and refuses recipients in `refuse` with a permanent 550, as a receiving server does for an unknown mailbox. With
 * `delayMs`, it waits that long before its final 250 to a message; a client that drops the connection meanwhile never
 * got the message accepted, and, as with a real server, it is not kept (counted in `interrupted`).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  from: string;
  to: string[];
  raw: string;
}

export class SmtpReceiver {
  readonly received: Received[] = [];
  readonly refuse = new Set<string>();
  delayMs = 0;
  inFlight = 0;
  interrupted = 0;
  /** Errors other than a client's reset connection. */
  readonly errors: Error[] = [];
  readonly #closed = new Set<string>();
  #server: SMTPServer;

  constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onClose: (session) => void this.#closed.add(session.id),
      onRcptTo: (address, _session, callback) => {
        if (this.refuse.has(address.address)) {
          const error = new Error('mailbox unavailable') as Error & { responseCode: number };
          error.responseCode = 550;
          return callback(error);
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          this.inFlight++;
          if (this.delayMs) await Bun.sleep(this.delayMs);
          this.inFlight--;
          if (this.#closed.has(session.id)) {
            this.interrupted++;
            return callback(new Error('connection closed'));
          }
          this.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    // A sender killed mid-message resets its connection: the server reports that as an 'error' event, which would
    // be thrown (and fail whichever test is running) without a listener. It is what a receiving server sees daily.
    this.#server.on('error', (error: Error & { code?: string }) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') this.errors.push(error);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `smtp://127.0.0.1:${(this.#server.server.address() as AddressInfo).port}`;
  }

  to(address: string): Received[] {
    return this.received.filter((r) => r.to.includes(address));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** A header's value in a raw message (unfolded). */
export function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
