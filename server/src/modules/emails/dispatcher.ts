/**
 * Sends the email outbox (./outbox.ts), the webhooks' way: any number of instances run this; each claims due rows
 * with `FOR UPDATE SKIP LOCKED` and a lease (`locked_until`), so a row is sent from one instance at a time, and one
 * claimed by an instance that died is claimed again when its lease runs out. At least once, then: an instance killed
 * after the SMTP server took an email but before it marked the row sent leaves it to be sent again, with the same
 * Message-ID and links, which a receiving server may drop as a repeat. A row is settled once: sent, failed, or moot.
 *
 * Just before sending, each row is checked again: the patient read the reply (`seen`), no first email went out
 * for a reminder (`skipped`), or the address is gone, off, unsubscribed or the clinic turned email off
 * (`cancelled`): nothing is sent for those. An SMTP 5xx fails the row and suppresses the address for the clinic.
 */
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/rows';
import { errorKind } from '../../lib/logger';
import { hashToken } from '../../lib/tokens';
import { purgeEmailLog } from './cleanup';
import { composeEmail } from './content';
import { emailHash, RESUME_LINK_TTL_MS, resumeToken, unsubscribeToken } from './links';
import type { Mailer } from './mailer';

const LEASE_SECONDS = 60;
const BATCH = 20;
/** How often an instance deletes old settled rows (./cleanup.ts). */
const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;
/** Failures are retried for this long after the row was made due, then it is marked failed. */
export const RETRY_PERIOD_MS = 24 * 60 * 60 * 1000;

/** The wait before attempt `attempts + 1`: 30 s, 2 min, 8 min … up to 2 h, each ±25 % at random. */
export function backoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(30_000 * 4 ** Math.max(0, attempts - 1), 2 * 60 * 60 * 1000);
  return Math.round(base * (0.75 + random() / 2));
}

interface Claimed {
  id: string;
  kind: 'first' | 'reminder';
  session_id: string;
  attempts: number;
  trigger_seq: number;
  created_at: Date | string;
  read_seq: number;
  email: string | null;
  enabled: boolean | null;
  email_notify: boolean;
  email_page_url: string | null;
  clinic_id: string;
  clinic_name: string;
  sender_name: string | null;
  secret: string;
  first_status: string | null;
}

async function claim(ctx: AppContext, limit: number): Promise<Claimed[]> {
  return rowsOf<Claimed>(
    await ctx.db.execute(sql`
      with c as (
        select n.id from email_notifications n
         where n.status = 'pending' and n.next_attempt_at <= now() and (n.locked_until is null or n.locked_until < now())
         order by n.next_attempt_at
         limit ${limit}
         for update of n skip locked)
      update email_notifications n
         set locked_until = now() + make_interval(secs => ${LEASE_SECONDS}), attempts = n.attempts + 1, last_attempt_at = now()
        from c, chat_sessions s, clinics cl
       where n.id = c.id and s.id = n.session_id and cl.id = n.clinic_id
      returning n.id, n.kind, n.session_id, n.attempts, n.trigger_seq, n.created_at,
                coalesce((select rm.last_read_seq from read_markers rm where rm.session_id = s.id and rm.user_id = s.patient_id), 0) as read_seq,
                (select sc.email from session_contacts sc where sc.session_id = s.id) as email,
                (select sc.enabled from session_contacts sc where sc.session_id = s.id) as enabled,
                cl.email_notify, cl.email_page_url, cl.id as clinic_id, cl.name as clinic_name, cl.email_sender_name as sender_name,
                cl.identity_secret as secret,
                (select f.status from email_notifications f where f.dedupe_key = replace(n.dedupe_key, ':reminder:', ':first:') and n.kind = 'reminder') as first_status`),
  );
}

type Decision = { status: 'seen' | 'skipped' | 'cancelled' | 'later' } | { status: 'send'; email: string };

async function decide(ctx: AppContext, n: Claimed): Promise<Decision> {
  if (!n.email || !n.enabled || !n.email_notify || !n.email_page_url) return { status: 'cancelled' };
  if (n.read_seq >= n.trigger_seq) return { status: 'seen' };
  if (n.kind === 'reminder' && n.first_status !== 'sent') return { status: n.first_status === 'pending' ? 'later' : 'skipped' };
  const suppressed = rowsOf(
    await ctx.db.execute(sql`select 1 from email_suppressions where clinic_id = ${n.clinic_id} and email_hash = ${emailHash(n.email)}`),
  );
  return suppressed.length ? { status: 'cancelled' } : { status: 'send', email: n.email };
}

async function settle(ctx: AppContext, id: string, status: string, error: string | null, retryInMs: number | null) {
  await ctx.db.execute(sql`
    update email_notifications
       set status = ${status}, locked_until = null, last_error = ${error},
           sent_at = ${status === 'sent' ? sql`now()` : sql`null`},
           next_attempt_at = ${retryInMs === null ? sql`next_attempt_at` : sql`now() + make_interval(secs => ${retryInMs / 1000})`}
     where id = ${id}`);
}

/** Sends one claimed row, or settles it without sending. */
async function deliver(ctx: AppContext, mailer: Mailer | null, n: Claimed): Promise<string> {
  const decision = await decide(ctx, n);
  if (decision.status === 'later') {
    await settle(ctx, n.id, 'pending', null, backoffMs(1));
    return 'later';
  }
  if (decision.status !== 'send') {
    await settle(ctx, n.id, decision.status, null, null);
    return decision.status;
  }
  const giveUp = Date.now() - new Date(n.created_at).getTime() >= RETRY_PERIOD_MS;
  if (!mailer) {
    await settle(ctx, n.id, giveUp ? 'failed' : 'pending', 'smtp not configured', backoffMs(n.attempts));
    return 'unconfigured';
  }
  const token = resumeToken(n.secret, n.id);
  const expiresAt = new Date(ctx.clock().getTime() + RESUME_LINK_TTL_MS);
  // The first attempt sets the link's 24 hours; a retry sends the same link.
  await ctx.db.execute(sql`
    insert into resume_links (token_hash, notification_id, session_id, expires_at)
    values (${hashToken(token)}, ${n.id}, ${n.session_id}, ${expiresAt.toISOString()}) on conflict (token_hash) do nothing`);
  const resumeUrl = new URL(n.email_page_url!);
  resumeUrl.searchParams.set('medchat_resume', token);
  const unsubscribeUrl = new URL('/email/unsubscribe', ctx.config.publicUrl);
  unsubscribeUrl.searchParams.set('token', unsubscribeToken(n.secret, n.clinic_id, emailHash(decision.email)));
  const message = composeEmail({
    messageId: `<${n.id}@${ctx.config.smtpFrom.split('@')[1]}>`,
    from: { name: n.sender_name ?? n.clinic_name, address: ctx.config.smtpFrom },
    to: decision.email,
    clinicName: n.clinic_name,
    kind: n.kind,
    resumeUrl: resumeUrl.href,
    unsubscribeUrl: unsubscribeUrl.href,
  });
  const outcome = await mailer.send(message);
  if (outcome.ok) {
    await settle(ctx, n.id, 'sent', null, null);
    return 'sent';
  }
  if (outcome.permanent) {
    await ctx.db.execute(sql`
      insert into email_suppressions (clinic_id, email_hash, reason) values (${n.clinic_id}, ${emailHash(decision.email)}, 'hard_failure')
      on conflict do nothing`);
  }
  await settle(ctx, n.id, outcome.permanent || giveUp ? 'failed' : 'pending', outcome.error, backoffMs(n.attempts));
  return 'failed';
}

/** One round: claims what is due and sends it. Returns how many rows were claimed. Tests call it by hand. */
export async function dispatchEmails(ctx: AppContext, mailer: Mailer | null, options: { limit?: number } = {}): Promise<number> {
  const claimed = await claim(ctx, options.limit ?? BATCH);
  await Promise.all(
    claimed.map(async (n) => {
      const result = await deliver(ctx, mailer, n);
      ctx.logger.debug('email.attempt', { notificationId: n.id, result });
    }),
  );
  return claimed.length;
}

/** Runs rounds every `intervalMs` (again at once while rounds come back full), and the cleanup once an hour. Returns a stop function. */
export function startEmailDispatcher(ctx: AppContext, mailer: Mailer | null, intervalMs: number): () => void {
  let running = false;
  let stopped = false;
  let cleanedAt = 0;
  const round = async () => {
    if (running || stopped) return;
    running = true;
    try {
      while (!stopped && (await dispatchEmails(ctx, mailer)) === BATCH);
      if (!stopped && Date.now() - cleanedAt >= CLEANUP_INTERVAL_MS) {
        cleanedAt = Date.now();
        const deleted = await purgeEmailLog(ctx.db);
        if (deleted) ctx.logger.info('email.log_purged', { emails: deleted });
      }
    } catch (error) {
      ctx.logger.warn('email.dispatch_failed', errorKind(error));
    } finally {
      running = false;
    }
  };
  const timer = setInterval(round, intervalMs);
  return () => {
    stopped = true;
    clearInterval(timer);
    mailer?.close();
  };
}
