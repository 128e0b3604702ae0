import { timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/rows';
import type { ConnectionCounts, QueueSnapshot, ScrapeSources } from '../../lib/metrics';

/** At most this many clinics' queues per scrape (the longest first): the label's values stay bounded. */
const MAX_CLINICS = 500;

/** What a scrape reads besides the counters: the bus state, each clinic's queue, the database's connections. */
export function scrapeSources(ctx: Pick<AppContext, 'db' | 'database' | 'bus'>): ScrapeSources {
  return {
    isBusListening: () => ctx.bus.isListening,
    async queues() {
      const rows = await ctx.db.execute(sql`
        select c.site_key as clinic, count(*)::int as waiting,
               extract(epoch from (now() - min(s.created_at)))::float8 as "oldestWaitSeconds"
          from chat_sessions s join clinics c on c.id = s.clinic_id
         where s.status = 'waiting'
         group by c.site_key
         order by waiting desc
         limit ${MAX_CLINICS}`);
      return rowsOf<QueueSnapshot>(rows).map((r) => ({ clinic: r.clinic, waiting: Number(r.waiting), oldestWaitSeconds: Number(r.oldestWaitSeconds) }));
    },
    async connections(): Promise<ConnectionCounts> {
      if (ctx.database.kind !== 'postgres') return null;
      const rows = await ctx.db.execute(sql`
        select coalesce(state, 'other') as state, count(*)::int as n
          from pg_stat_activity where datname = current_database() group by 1`);
      return Object.fromEntries(rowsOf<{ state: string; n: number }>(rows).map((r) => [r.state.replace(/[^a-z]+/g, '_'), Number(r.n)]));
    },
  };
}

/** Whether the caller may read the metrics: the bearer token is compared in constant time (as SHA-256 digests). */
export function isMetricsScraper(expected: string | undefined, presented: string | null): boolean {
  if (!expected) return true;
  if (!presented) return false;
  const digest = (value: string) => new Bun.CryptoHasher('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(presented));
}
