/**
 * Presence follows connections, across instances: each socket is a row in `connections`, heartbeated by its
 * instance. When an employee's last connection goes (closed, or its instance died), `presence_lost_at` is set;
 * if they do not come back within the clinic's grace period, the sweeper takes them offline and their sessions
 * are reassigned (reason disconnected). A patient's last connection going stamps the same column, from which the
 * patient-gone deadline counts (assignments/patient-idle.ts). The sweeper also fires the assignment deadlines
 * (assignments/timers.ts, assignments/patient-idle.ts) and is the backstop for missed assignment wakeups (docs/requirements.md#assignment).
 * A staff socket's row also says which session it shows (`setViewing`), so colleagues on any instance see who else
 * has a chat open (`session.viewers`, realtime/projections.ts); a closed socket or a dead instance's rows clear it.
 */
import { and, eq, inArray, isNotNull, lt, ne, notExists, sql } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { chatSessions, clinics, connections, users } from '../../db/schema';
import { inTransaction } from '../../lib/transaction';
import { errorKind } from '../../lib/logger';
import { lockQueue } from '../assignments/engine';
import { matchWaiting } from '../assignments/matcher';
import { firePatientDeadlines } from '../assignments/patient-idle';
import { fireDeadlines } from '../assignments/timers';
import { SYSTEM } from '../audit/service';
import { applyAvailability } from '../employees/service';
import type { Conn } from './connections';
import type { Hub } from './hub';

/** A connection row whose heartbeat is older than this belongs to a dead instance. */
export const STALE_AFTER_MS = 15_000;
const REWRITE_SLICE = 5000;

/**
 * Opens still writing their row, by connection id. A socket can close while its open is still at the database;
 * on Postgres the delete could then run first, on another pooled connection, and the row be inserted after it:
 * an orphan that kept the user "connected" for as long as this instance lived (no grace, no reassignment).
 */
const opening = new Map<string, Promise<void>>();

export async function connectionOpened(ctx: AppContext, connId: string, userId: string) {
  const opened = (async () => {
    await ctx.db.insert(connections).values({ id: connId, userId, instanceId: ctx.instanceId });
    // A patient's too: while they have a socket, no patient-gone deadline runs (assignments/patient-idle.ts).
    await ctx.db
      .update(users)
      .set({ presenceLostAt: null })
      .where(and(eq(users.id, userId), isNotNull(users.presenceLostAt)));
  })();
  opening.set(
    connId,
    opened.catch(() => {}),
  );
  try {
    await opened;
  } finally {
    opening.delete(connId);
  }
}

/**
 * A staff socket shows `session` now (null: none), kept in its connection row so every instance can tell who has a
 * session open; the sessions whose viewers changed are announced (`viewers.changed`). The caller checked access.
 */
export function setViewing(ctx: AppContext, conn: Conn, session: { id: string; clinicId: string } | null): Promise<void> {
  const before = conn.viewing ?? null;
  if (before?.sessionId === session?.id) return Promise.resolve();
  const now = (conn.viewing = session ? { sessionId: session.id, clinicId: session.clinicId } : null);
  // One write at a time per socket, in the order the frames came: the row ends as the socket's last word.
  const write = (viewingWrites.get(conn) ?? Promise.resolve()).then(async () => {
    await opening.get(conn.id);
    await ctx.db
      .update(connections)
      .set({ viewingSessionId: now?.sessionId ?? null })
      .where(eq(connections.id, conn.id));
    await publishViewers(ctx, [before, now]);
  });
  viewingWrites.set(
    conn,
    write.catch(() => {}),
  );
  return write;
}
/** Each socket's last viewing write, which the next one waits for. */
const viewingWrites = new WeakMap<Conn, Promise<void>>();

/** Announces that the viewers of these sessions changed; other instances read who views them now. */
async function publishViewers(ctx: AppContext, sessions: Array<{ sessionId: string; clinicId: string } | null | undefined>) {
  const events = sessions.flatMap((v) => (v ? [{ t: 'viewers.changed' as const, clinicId: v.clinicId, sessionId: v.sessionId }] : []));
  if (events.length) await ctx.bus.publish(events);
}

export async function connectionClosed(ctx: AppContext, connId: string, userId: string, isStaff: boolean, viewing?: Conn['viewing']) {
  await opening.get(connId);
  await ctx.db.delete(connections).where(eq(connections.id, connId));
  // Whoever had it open with this socket stops viewing it: colleagues are told.
  await publishViewers(ctx, [viewing]);
  const live = ctx.db.select({ one: sql`1` }).from(connections).where(eq(connections.userId, userId));
  // Staff who are offline have no grace period to start; a patient's moment of leaving starts the patient-gone count.
  await ctx.db
    .update(users)
    .set({ presenceLostAt: sql`coalesce(${users.presenceLostAt}, now())` })
    .where(and(eq(users.id, userId), isStaff ? ne(users.availability, 'offline') : undefined, notExists(live)));
}

/**
 * Heartbeats this instance's rows, and writes again those of its live sockets that are gone. Another instance
 * deletes them when this one cannot reach the database for longer than STALE_AFTER_MS; without them, staff who
 * never disconnected would read as gone and their sessions be reassigned once the grace period ran out.
 */
async function heartbeat(ctx: AppContext, hub: Hub) {
  const { db } = ctx;
  const beating = await db
    .update(connections)
    .set({ heartbeatAt: sql`now()` })
    .where(eq(connections.instanceId, ctx.instanceId))
    .returning({ id: connections.id });
  const present = new Set(beating.map((row) => row.id));
  // A socket still opening writes its own row.
  const missing = [...hub.conns.values()].filter((conn) => !conn.closed && !present.has(conn.id) && !opening.has(conn.id));
  if (missing.length === 0) return;
  // In slices: a statement takes at most 65,535 parameters, three per row here.
  for (let i = 0; i < missing.length; i += REWRITE_SLICE) {
    await db
      .insert(connections)
      .values(
        missing
          .slice(i, i + REWRITE_SLICE)
          .map((conn) => ({ id: conn.id, userId: conn.actor.id, instanceId: ctx.instanceId, viewingSessionId: conn.viewing?.sessionId ?? null })),
      )
      .onConflictDoUpdate({ target: connections.id, set: { heartbeatAt: sql`now()` } });
  }
  const people = [...new Set(missing.map((conn) => conn.actor.id))];
  await db
    .update(users)
    .set({ presenceLostAt: null })
    .where(and(inArray(users.id, people), isNotNull(users.presenceLostAt)));
  // A socket that closed meanwhile may have deleted its row before it was written again here: delete it again.
  for (const conn of missing) if (conn.closed) await connectionClosed(ctx, conn.id, conn.actor.id, conn.actor.role !== 'patient', conn.viewing);
}

export async function sweep(ctx: AppContext, hub: Hub) {
  const { db } = ctx;
  await heartbeat(ctx, hub);

  // Connections of dead instances: drop them, and start the grace period of staff left with none, and the
  // patient-gone count of patients left with none (from the dead socket's last heartbeat: a kill -9 never leaves a
  // patient "connected").
  const stale = await db
    .delete(connections)
    .where(lt(connections.heartbeatAt, new Date(Date.now() - STALE_AFTER_MS)))
    .returning({ userId: connections.userId, heartbeatAt: connections.heartbeatAt, viewing: connections.viewingSessionId });
  if (stale.length) {
    // Sessions a dead instance's sockets showed: their viewers changed.
    const viewed = [...new Set(stale.flatMap((s) => (s.viewing ? [s.viewing] : [])))];
    if (viewed.length) {
      const rows = await db.select({ sessionId: chatSessions.id, clinicId: chatSessions.clinicId }).from(chatSessions).where(inArray(chatSessions.id, viewed));
      await publishViewers(ctx, rows);
    }
    const live = db.select({ one: sql`1` }).from(connections).where(eq(connections.userId, users.id));
    const gone = [...new Set(stale.map((s) => s.userId))];
    await db
      .update(users)
      .set({ presenceLostAt: sql`coalesce(${users.presenceLostAt}, now())` })
      .where(and(inArray(users.id, gone), ne(users.role, 'patient'), ne(users.availability, 'offline'), notExists(live)));
    const beats = JSON.stringify(stale.map((s) => ({ id: s.userId, at: s.heartbeatAt.toISOString() })));
    await db.execute(sql`
      update users u set presence_lost_at = g.at
        from (select id, max(at) as at from jsonb_to_recordset(${beats}::jsonb) as b(id uuid, at timestamptz) group by id) g
       where u.id = g.id and u.role = 'patient' and u.presence_lost_at is null
         and not exists (select 1 from connections c where c.user_id = u.id)`);
  }

  // Grace period over: offline, sessions reassigned (reason disconnected).
  const expired = await db
    .select({ id: users.id, clinicId: users.clinicId })
    .from(users)
    .innerJoin(clinics, eq(clinics.id, users.clinicId))
    .where(
      and(
        isNotNull(users.presenceLostAt),
        ne(users.role, 'patient'),
        ne(users.availability, 'offline'),
        sql`${users.presenceLostAt} < now() - make_interval(secs => ${clinics.graceSeconds})`,
      ),
    );
  for (const employee of expired) {
    await inTransaction(ctx, async (tx, emit) => {
      await lockQueue(tx, employee.clinicId);
      const [locked] = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.id, employee.id), isNotNull(users.presenceLostAt), ne(users.availability, 'offline')))
        .for('update', { skipLocked: true });
      if (!locked) return;
      const [live] = await tx.select({ id: connections.id }).from(connections).where(eq(connections.userId, employee.id)).limit(1);
      if (live) {
        await tx.update(users).set({ presenceLostAt: null }).where(eq(users.id, employee.id));
        return;
      }
      await applyAvailability(tx, emit, employee, 'offline', { releaseReason: 'disconnected', by: SYSTEM });
    });
  }

  // Sessions nobody answers: first-reply deadlines and away timeouts that ran out (assignments/timers.ts).
  await fireDeadlines(ctx);
  // Patients gone quiet after staff wrote, chats waiting on them too long, and returns missed (assignments/patient-idle.ts).
  await firePatientDeadlines(ctx);

  // Backstop for lost wakeups: available staff with spare capacity while their clinic has waiting patients.
  await matchWaiting(ctx);
  // Clinics whose opening or closing time came: their sockets here are told.
  await hub.checkOpening();
}

/** Runs the sweeper every `intervalMs` until stopped; errors are logged (ids only) and the next run retries. */
export function startSweeper(ctx: AppContext, hub: Hub, intervalMs: number) {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return ctx.metrics.timerTicks.inc({ timer: 'sweeper', outcome: 'skipped' });
    running = true;
    try {
      await sweep(ctx, hub);
      ctx.metrics.timerTicks.inc({ timer: 'sweeper', outcome: 'ran' });
    } catch (error) {
      ctx.metrics.timerTicks.inc({ timer: 'sweeper', outcome: 'failed' });
      ctx.logger.warn('sweeper.failed', errorKind(error));
    } finally {
      running = false;
    }
  }, intervalMs);
  return () => clearInterval(timer);
}
