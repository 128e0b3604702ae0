/**
 * Sends the outbox (./outbox.ts). Any number of instances run this: each claims due deliveries with
 * `FOR UPDATE SKIP LOCKED` and a lease (`locked_until`), so a delivery goes out from one instance at a time, and one
 * claimed by an instance that died is claimed again once its lease runs out. At least once: a receiver de-duplicates
 * by `webhook-id` (the event id, the same on every attempt). Per endpoint and session, a delivery waits until the
 * earlier ones are delivered or given up, so a receiver sees a session's events in order. Failures are retried
 * with exponential backoff and jitter; after 24 hours of failures the delivery is marked failed (an admin can replay it).
 */
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/rows';
import { errorKind } from '../../lib/logger';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { purgeWebhookLog } from './cleanup';
import { type ResolvedAddress, type Resolver, resolveTarget, type TargetPolicy, targetPolicy } from './address';

/** How long one instance holds a claimed delivery; longer than a send can take (REQUEST_TIMEOUT_MS). */
const LEASE_SECONDS = 60;
export const REQUEST_TIMEOUT_MS = 10_000;
/** The most of a receiver's answer read (it is only logged by status). */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Failures are retried for this long after the event, then the delivery is marked failed. */
export const RETRY_PERIOD_MS = 24 * 60 * 60 * 1000;
const BATCH = 20;
/** How often an instance deletes old settled events (./cleanup.ts). */
const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

/** The wait before attempt `attempts + 1`: 5 s, 20 s, 80 s … up to 2 h, each ±25 % at random. */
export function backoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(5_000 * 4 ** Math.max(0, attempts - 1), 2 * 60 * 60 * 1000);
  return Math.round(base * (0.75 + random() / 2));
}

interface Claimed {
  id: string;
  event_id: string;
  attempts: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  payload: unknown;
  event_at: Date | string;
}

/** Claims due deliveries (leased to this instance), at most `limit`; the CTE is the claim (never `IN (… LIMIT … SKIP LOCKED)`). */
async function claim(ctx: AppContext, limit: number): Promise<Claimed[]> {
  return rowsOf<Claimed>(
    await ctx.db.execute(sql`
      with c as (
        select d.id from webhook_deliveries d
         where d.status = 'pending' and d.next_attempt_at <= now() and (d.locked_until is null or d.locked_until < now())
           and not exists (
             select 1 from webhook_deliveries e
              where e.endpoint_id = d.endpoint_id and e.session_id = d.session_id and e.status = 'pending' and e.event_seq < d.event_seq)
         order by d.next_attempt_at, d.event_seq
         limit ${limit}
         for update of d skip locked)
      update webhook_deliveries d
         set locked_until = now() + make_interval(secs => ${LEASE_SECONDS}), attempts = d.attempts + 1, last_attempt_at = now()
        from c, webhook_endpoints ep, webhook_events ev
       where d.id = c.id and ep.id = d.endpoint_id and ev.id = d.event_id
      returning d.id, d.event_id, d.attempts, ep.url, ep.secret,
                case when ep.previous_secret_until > now() then ep.previous_secret end as previous_secret,
                ev.payload, ev.created_at as event_at`),
  );
}

export interface Attempt {
  ok: boolean;
  status: number | null;
  error: string | null;
  latencyMs: number;
}

/** One signed POST (Standard Webhooks headers; both secrets' signatures while a rotation overlaps). */
export async function send(
  target: Pick<Claimed, 'url' | 'secret' | 'previous_secret'>,
  id: string,
  body: string,
  options: { policy: TargetPolicy; timeoutMs?: number; resolve?: Resolver },
): Promise<Attempt> {
  const started = performance.now();
  const done = (status: number | null, error: string | null): Attempt => ({
    ok: status !== null && status >= 200 && status < 300,
    status,
    error,
    latencyMs: Math.round(performance.now() - started),
  });
  const checked = await resolveTarget(target.url, options.policy, options.resolve);
  if ('refused' in checked) return done(null, `refused: ${checked.refused}`);
  const now = new Date();
  const signatures = [target.secret, target.previous_secret].filter((s): s is string => !!s).map((s) => new Webhook(s).sign(id, now, body));
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'MedChat-Webhooks/1',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
  try {
    const status = await post(checked.url, checked.address, headers, body, options.timeoutMs ?? REQUEST_TIMEOUT_MS);
    // A redirect is a failure: following it would skip the address check (and node:http never follows one).
    return done(status, status >= 300 && status < 400 ? 'redirect refused' : null);
  } catch (error) {
    return done(null, (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection failed');
  }
}

/**
 * POSTs to `url` over a connection to `address`, the one resolveTarget checked, whatever the host name resolves to
 * by now: `lookup` answers with it instead of asking DNS again. The URL's host still names the server in the Host
 * header and in TLS (SNI and the certificate check). Resolves with the status once at most MAX_RESPONSE_BYTES of
 * the answer are read (the rest is dropped with the connection).
 */
function post(url: URL, address: ResolvedAddress, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new Error('webhook request timed out');
      error.name = 'TimeoutError';
      request.destroy(error);
    }, timeoutMs);
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      fn();
    };
    const pinned: LookupFunction = (_host, options, callback) => {
      if (options.all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, [address]);
      else callback(null, address.address, address.family);
    };
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'POST', headers, lookup: pinned, agent: false }, (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.byteLength;
        if (read >= MAX_RESPONSE_BYTES) {
          res.destroy();
          finish(() => resolve(res.statusCode ?? 0));
        }
      });
      res.on('end', () => finish(() => resolve(res.statusCode ?? 0)));
      res.on('error', (error) => finish(() => reject(error)));
    });
    request.on('error', (error) => finish(() => reject(error)));
    request.end(body);
  });
}

/** Records an attempt: delivered; or due again after a backoff; or, past the retry period, failed. */
async function settle(ctx: AppContext, d: Claimed, a: Attempt) {
  const giveUp = Date.now() - new Date(d.event_at).getTime() >= RETRY_PERIOD_MS;
  const status = a.ok ? 'delivered' : giveUp ? 'failed' : 'pending';
  await ctx.db.execute(sql`
    update webhook_deliveries
       set status = ${status}, locked_until = null, last_status = ${a.status}, last_error = ${a.error}, last_latency_ms = ${a.latencyMs},
           delivered_at = ${a.ok ? sql`now()` : sql`null`},
           next_attempt_at = now() + make_interval(secs => ${backoffMs(d.attempts) / 1000})
     where id = ${d.id}`);
}

/** One round: claims what is due and sends it. Returns how many were attempted. Tests call it by hand. */
export async function dispatchWebhooks(ctx: AppContext, options: { limit?: number; timeoutMs?: number } = {}): Promise<number> {
  const claimed = await claim(ctx, options.limit ?? BATCH);
  await Promise.all(
    claimed.map(async (d) => {
      const attempt = await send(d, d.event_id, JSON.stringify(d.payload), {
        policy: targetPolicy(ctx.config),
        timeoutMs: options.timeoutMs,
      });
      await settle(ctx, d, attempt);
      ctx.logger.debug('webhook.attempt', { deliveryId: d.id, status: attempt.status ?? 0, ok: attempt.ok });
    }),
  );
  return claimed.length;
}

/**
 * Runs rounds every `intervalMs` (and at once again while rounds come back full), and the outbox cleanup
 * (./cleanup.ts) once an hour, the first time soon after start. Returns a stop function.
 */
export function startWebhookDispatcher(ctx: AppContext, intervalMs: number): () => void {
  let running = false;
  let stopped = false;
  let cleanedAt = 0;
  const round = async () => {
    if (running || stopped) return;
    running = true;
    try {
      while (!stopped && (await dispatchWebhooks(ctx)) === BATCH);
      if (!stopped && Date.now() - cleanedAt >= CLEANUP_INTERVAL_MS) {
        cleanedAt = Date.now();
        const deleted = await purgeWebhookLog(ctx.db);
        if (deleted) ctx.logger.info('webhook.log_purged', { events: deleted });
      }
    } catch (error) {
      ctx.logger.warn('webhook.dispatch_failed', errorKind(error));
    } finally {
      running = false;
    }
  };
  const timer = setInterval(round, intervalMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
