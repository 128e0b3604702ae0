import { Elysia, t } from 'elysia';
import {
  Assignment,
  AuditEntry,
  QueueEntry,
  QueueStatus,
  Session,
  SessionLeaveParams,
  SessionListParams,
  SessionPriorityParams,
  SessionStartParams,
  SessionTransferParams,
  SessionTriage,
  WaitingOnPatientEntry,
} from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin } from '../auth/plugin';
import { errors } from '../openapi/responses';
import { readSessionAudit } from '../audit/trail';
import { listAssignments } from '../assignments/service';
import { changePriority, readTriage } from './priority';
import { transferSession } from './transfer';
import { endSession, getQueueStatus, getSession, leaveSession, listSessions, startSession, viewQueue } from './service';

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
      {
        auth: ['patient'],
        body: SessionStartParams,
        response: { 200: Session, 201: Session },
        detail: {
          summary:
            'A patient starts a chat (201), or gets their open one (200); the priority follows from the intake answers (a yes to any red-flag question: urgent), and 400 names an answer to a question the clinic does not ask, or a question left unanswered',
          responses: errors(),
        },
      },
    )
    .get('/sessions', async ({ actor, query, ip }) => ({ sessions: await listSessions(ctx, actor, query, ip) }), {
      auth: true,
      query: SessionListParams,
      response: { 200: t.Object({ sessions: t.Array(Session) }) },
      detail: { summary: 'The sessions the caller may see, newest first', responses: errors() },
    })
    .get('/sessions/:id', ({ actor, params, ip }) => getSession(ctx, actor, params.id, ip), {
      auth: true,
      params,
      response: { 200: Session },
      detail: { summary: 'One session', responses: errors('session_not_found') },
    })
    .get('/sessions/:id/queue', ({ actor, params }) => getQueueStatus(ctx, actor, params.id), {
      auth: true,
      params,
      response: { 200: QueueStatus },
      detail: { summary: 'A waiting session’s place in the queue (404 not_found once it is not waiting)', responses: errors('session_not_found', 'not_found') },
    })
    .post('/sessions/:id/end', ({ actor, params, ip }) => endSession(ctx, actor, params.id, ip), {
      auth: true,
      params,
      response: { 200: Session },
      detail: { summary: 'The patient ends the chat (again: the ended session)', responses: errors('session_not_found', 'forbidden') },
    })
    .post('/sessions/:id/leave', ({ actor, params, ip, body }) => leaveSession(ctx, actor, params.id, ip, body?.note), {
      auth: true,
      params,
      body: t.Optional(SessionLeaveParams),
      response: { 200: Session },
      detail: {
        summary: 'The assigned employee hands the chat over, with an optional note for staff',
        responses: errors('session_not_found', 'forbidden', 'not_assigned', 'session_ended'),
      },
    })
    .post('/sessions/:id/transfer', ({ actor, params, ip, body }) => transferSession(ctx, actor, params.id, body, ip), {
      auth: ['employee', 'admin'],
      params,
      body: SessionTransferParams,
      response: { 200: Session },
      detail: {
        summary:
          'The assigned employee hands the chat to a named colleague (who takes it at once), to a team (whose members take it, or it waits for them), or to a colleague as a member of a team (both), with a handover note pushed to whoever takes it; 409 says why a colleague cannot take it now',
        responses: errors(
          'session_not_found',
          'not_assigned',
          'session_ended',
          'user_not_found',
          'team_not_found',
          'transfer_to_self',
          'colleague_unavailable',
          'colleague_at_capacity',
          'not_team_member',
        ),
      },
    })
    .get('/sessions/:id/assignments', async ({ actor, params, ip }) => ({ assignments: await listAssignments(ctx, actor, params.id, ip) }), {
      auth: true,
      params,
      response: { 200: t.Object({ assignments: t.Array(Assignment) }) },
      detail: { summary: 'Who held the session, when, and their handover notes (staff)', responses: errors('session_not_found', 'forbidden') },
    })
    .post('/sessions/:id/priority', ({ actor, params, body, ip }) => changePriority(ctx, actor, params.id, body, ip), {
      auth: ['employee', 'admin'],
      params,
      body: SessionPriorityParams,
      response: { 200: Session },
      detail: {
        summary:
          'Staff raise or lower a session’s priority, saying why (recorded in its triage trail and audited); the holder, a former holder or an admin, or any member of staff while it waits',
        responses: errors('session_not_found', 'session_ended'),
      },
    })
    .get('/sessions/:id/triage', ({ actor, params, ip }) => readTriage(ctx, actor, params.id, ip), {
      auth: ['employee', 'admin'],
      params,
      response: { 200: SessionTriage },
      detail: {
        summary: 'The patient’s red-flag answers and every change of priority, who, when and why (staff; audited)',
        responses: errors('session_not_found'),
      },
    })
    .get('/sessions/:id/audit', ({ actor, params, query, ip }) => readSessionAudit(ctx, actor, params.id, ip, query.cursor), {
      auth: ['admin'],
      params,
      query: t.Object({ cursor: t.Optional(t.String({ maxLength: 200 })) }),
      response: { 200: t.Object({ entries: t.Array(AuditEntry), nextCursor: t.Union([t.String(), t.Null()]) }) },
      detail: {
        summary: "A session's audit trail, oldest first, 500 entries a page; pass nextCursor as cursor for the next",
        responses: errors('session_not_found'),
      },
    })
    .get('/queue', ({ actor, ip }) => viewQueue(ctx, actor, ip), {
      auth: ['employee', 'admin'],
      response: { 200: t.Object({ waiting: t.Array(QueueEntry), waitingOnPatient: t.Array(WaitingOnPatientEntry) }) },
      detail: {
        summary:
          'The clinic’s waiting patients in the order they are served (urgent first, then oldest first), and apart from them the chats waiting on their patient, longest first (staff)',
        responses: errors(),
      },
    });
