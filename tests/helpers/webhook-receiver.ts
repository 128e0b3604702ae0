/**
 * A clinic's system receiving MedChat webhooks, on loopback: it checks each request's Standard Webhooks signature
 * with every secret it knows (the `standardwebhooks` library, as docs/webhooks.md tells receivers to) and keeps
 * what arrived, when it arrived (before answering: a sender that dies while waiting has still delivered it).
 * `mode` says how it answers; `delayMs` makes it slow; `inFlight` counts requests not answered yet.
 */
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  /** The `webhook-id` header: the event id, the same on every attempt. */
  id: string;
  type: string;
  sessionId: string;
  data: Record<string, unknown>;
  /** The secrets whose signature verified (none: a forgery, or a secret the receiver does not know). */
  verified: string[];
  body: string;
}

export class WebhookReceiver {
  mode: 'ok' | 'fail' = 'ok';
  delayMs = 0;
  inFlight = 0;
  secrets: string[] = [];
  requests: ReceivedWebhook[] = [];
  readonly server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (req) => {
      const body = await req.text();
      const headers = Object.fromEntries(req.headers);
      const verified = this.secrets.filter((s) => {
        try {
          new Webhook(s).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      const payload = JSON.parse(body);
      this.requests.push({ id: headers['webhook-id']!, type: payload.type, sessionId: payload.data.sessionId, data: payload.data, verified, body });
      this.inFlight++;
      if (this.delayMs) await Bun.sleep(this.delayMs);
      this.inFlight--;
      return new Response(this.mode === 'ok' ? 'thanks' : 'down', { status: this.mode === 'ok' ? 200 : 500 });
    },
  });

  get url() {
    return `http://127.0.0.1:${this.server.port}/hooks`;
  }

  /** What arrived for a session, repeats included, in arrival order. */
  delivered(sessionId: string) {
    return this.requests.filter((r) => r.sessionId === sessionId);
  }

  /** What a receiver that de-duplicates by `webhook-id` processed for a session: each event once, first arrival. */
  unique(sessionId: string) {
    const seen = new Set<string>();
    return this.delivered(sessionId).filter((r) => !seen.has(r.id) && seen.add(r.id));
  }

  stop() {
    this.server.stop(true);
  }
}
