import { Elysia, t } from 'elysia';
import { Assignment, AuditEntry, QueueEntry, QueueStatus, Session, SessionStatus } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin } from '../../lib/http';
import { listSessionAudit } from '../audit/service';
import { listAssignments } from '../assignments/service';
import { readableSession } from './access';
import { endSession, getQueueStatus, getSession, leaveSession, listSessions, MAX_LEAVE_NOTE, startSession } from './service';
import { listQueue } from './views';

const params = t.Object({ id: t.String({ format: 'uuid' }) });

export const sessionsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1', tags: ['sessions'] })
    .use(authPlugin(ctx))
    .post(
      '/sessions',
      async ({ actor, body, ip, set }) => {
        const { session, created } = await startSession(ctx, actor, body, ip);
        set.status = created ? 201 : 200;
        return session;
      },
      { auth: ['patient'], body: t.Object({ reason: t.String({ minLength: 1, maxLength: 2000 }) }), detail: { summary: 'A patient starts a chat (or gets their open one)' } },
    )
    .get('/sessions', async ({ actor, query }) => ({ sessions: await listSessions(ctx, actor, query) }), {
      auth: true,
      query: t.Object({ status: t.Optional(SessionStatus) }),
      response: { 200: t.Object({ sessions: t.Array(Session) }) },
    })
    .get('/sessions/:id', ({ actor, params, ip }) => getSession(ctx, actor, params.id, ip), { auth: true, params, response: { 200: Session } })
    .get('/sessions/:id/queue', ({ actor, params }) => getQueueStatus(ctx, actor, params.id), { auth: true, params, response: { 200: QueueStatus } })
    .post('/sessions/:id/end', ({ actor, params, ip }) => endSession(ctx, actor, params.id, ip), { auth: true, params, response: { 200: Session } })
    .post('/sessions/:id/leave', ({ actor, params, ip, body }) => leaveSession(ctx, actor, params.id, ip, body?.note), {
      auth: true,
      params,
      body: t.Optional(t.Object({ note: t.Optional(t.String({ maxLength: MAX_LEAVE_NOTE })) })),
      response: { 200: Session },
    })
    .get('/sessions/:id/assignments', async ({ actor, params }) => ({ assignments: await listAssignments(ctx, actor, params.id) }), {
      auth: true,
      params,
      response: { 200: t.Object({ assignments: t.Array(Assignment) }) },
    })
    .get(
      '/sessions/:id/audit',
      async ({ actor, params }) => {
        await readableSession(ctx.db, actor, params.id);
        return { entries: await listSessionAudit(ctx.db, params.id) };
      },
      { auth: ['admin'], params, response: { 200: t.Object({ entries: t.Array(AuditEntry) }) } },
    )
    .get('/queue', async ({ actor }) => ({ waiting: await listQueue(ctx.db, actor.clinicId) }), {
      auth: ['employee', 'admin'],
      response: { 200: t.Object({ waiting: t.Array(QueueEntry) }) },
    });
