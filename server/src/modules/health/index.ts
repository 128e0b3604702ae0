import { Elysia } from 'elysia';
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context';

export const healthModule = (ctx: AppContext) =>
  new Elysia({ tags: ['health'] })
    .get('/healthz', () => ({ status: 'ok' }))
    .get('/readyz', async ({ set }) => {
      try {
        await Promise.race([ctx.db.execute(sql`select 1`), Bun.sleep(2000).then(() => Promise.reject(new Error('timeout')))]);
        return { status: 'ready' };
      } catch {
        set.status = 503;
        return { status: 'unavailable' };
      }
    });
