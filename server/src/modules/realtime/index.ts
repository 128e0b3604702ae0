import type { WebSocketHandler } from 'bun';
import { Elysia } from 'elysia';
import { CLOSE_CODES, ERRORS, type ClientFrame, type KnownErrorCode } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { AppError, isDatabaseUnavailable } from '../../lib/errors';
import { clientIp } from '../../lib/http';
import { errorKind } from '../../lib/logger';
import { authenticate, getMe, type Actor } from '../auth/service';
import { clinicAllowsOrigin } from '../clinics/service';
import { setAvailability } from '../employees/service';
import { markRead, sendMessage } from '../messages/service';
import { assertCanWrite, readableSession } from '../sessions/access';
import { getSessionView } from '../sessions/views';
import { parseFrame } from './frames';
import { Hub, type Conn } from './hub';
import { connectionClosed, connectionOpened } from './presence';

export const SOCKET_PATH = '/api/v1/socket';

/** Refused frames in a row after which a socket that keeps flooding is closed (4008). */
const MAX_RATE_VIOLATIONS = 10;

/**
 * One socket: what the hub needs, plus its frame budget here. It lives on the socket's own data object (no map
 * keyed by socket id), which keeps an idle socket small (see bench/README.md, memory per idle socket).
 */
interface SocketConn extends Conn {
  tokens: number;
  refilledAt: number;
  violations: number;
  ip: string | null;
}
/** What Bun keeps per socket: who it is, checked before the upgrade, then the connection once open. */
type SocketData = { actor: Actor; ip: string | null; conn?: SocketConn };

/** The token travels in `?token=`: browsers cannot set headers on a WebSocket. */
const socketToken = (url: URL) => url.searchParams.get('token');

/**
 * The WebSocket API. Authentication and the origin check happen before the upgrade, in onRequest: a bad token
 * never gets a 101 (RELIABILITY Z4, Z5), and refusals are answered by the error plugin like any route's. The
 * upgrade is Bun's own (`server.upgrade`) with this module's handlers (`websocket`, passed to `listen`), not
 * Elysia's `.ws()`: that route matches only a lowercase `Upgrade: websocket` (RFC 6455 makes the value
 * case-insensitive), and it keeps Elysia's request context and a wrapper object per socket and per frame, most of
 * an idle socket's memory (bench/README.md). Frames are validated by hand against the protocol, so a bad frame is
 * a typed error frame and never reaches Elysia's error path (elysia #1256).
 */
export function realtimeModule(ctx: AppContext, hub: Hub) {
  let inFlight = 0;
  // Per connection: a token bucket of frames.
  const perSecond = ctx.config.socketFramesPerSecond;
  const burst = perSecond * 2;

  async function handle(conn: SocketConn, frame: ClientFrame) {
    const actor = conn.actor;
    const ack = () => frame.ref && hub.sendEvent(conn, { type: 'ack', ref: frame.ref });
    switch (frame.type) {
      case 'subscribe': {
        await readableSession(ctx.db, actor, frame.sessionId);
        const session = await getSessionView(ctx.db, frame.sessionId);
        if (!session) throw new AppError('session_not_found');
        if (frame.lastSeq > session.lastSeq) throw new AppError('history_unavailable', { lastSeq: session.lastSeq });
        hub.subscribe(conn, session, frame.lastSeq, frame.ref);
        return;
      }
      case 'unsubscribe':
        hub.leave(conn, frame.sessionId);
        return ack();
      case 'message.send': {
        const { message } = await sendMessage(ctx, actor, frame.sessionId, frame);
        if (frame.ref) hub.sendEvent(conn, { type: 'ack', ref: frame.ref, message });
        return;
      }
      case 'typing.start':
      case 'typing.stop': {
        const session = await readableSession(ctx.db, actor, frame.sessionId);
        assertCanWrite(actor, session);
        await ctx.bus.publish([{ t: 'typing', clinicId: session.clinicId, sessionId: session.id, userId: actor.id, isTyping: frame.type === 'typing.start' }]);
        return ack();
      }
      case 'read':
        await markRead(ctx, actor, frame.sessionId, frame.seq);
        return ack();
      case 'availability.set':
        await setAvailability(ctx, actor, frame.availability, conn.ip);
        return ack();
    }
  }

  function allowFrame(state: SocketConn): boolean {
    const now = Date.now();
    state.tokens = Math.min(burst, state.tokens + ((now - state.refilledAt) / 1000) * perSecond);
    state.refilledAt = now;
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return true;
    }
    if (++state.violations > MAX_RATE_VIOLATIONS) hub.close(state, CLOSE_CODES.rateLimited, 'rate limited');
    return false;
  }

  const websocket: WebSocketHandler<SocketData> = {
    async open(ws) {
      const { actor, ip } = ws.data;
      const conn: SocketConn = { id: crypto.randomUUID(), actor, socket: ws, subs: new Map(), closed: false, outbox: null, outboxSize: 0, tokens: burst, refilledAt: Date.now(), violations: 0, ip };
      ws.data.conn = conn;
      hub.add(conn);
      try {
        await connectionOpened(ctx, conn.id, actor.id, actor.role !== 'patient');
        hub.sendEvent(conn, { type: 'hello', user: await getMe(ctx.db, actor.id), serverTime: new Date().toISOString() });
      } catch (error) {
        ctx.logger.warn('socket.open_failed', errorKind(error));
        hub.close(conn, CLOSE_CODES.goingAway, 'try again');
      }
    },
    async message(ws, raw) {
      const conn = ws.data.conn;
      if (!conn || conn.closed) return;
      if (!allowFrame(conn)) return hub.sendEvent(conn, { type: 'error', code: 'rate_limited', message: ERRORS.rate_limited.message });
      const parsed = parseFrame(raw);
      if (!parsed.ok) return hub.sendEvent(conn, { type: 'error', ref: parsed.ref, code: parsed.code, message: parsed.message });
      inFlight++;
      try {
        await handle(conn, parsed.frame);
      } catch (error) {
        const sessionId = 'sessionId' in parsed.frame ? parsed.frame.sessionId : undefined;
        const code: KnownErrorCode = error instanceof AppError ? error.code : isDatabaseUnavailable(error) ? 'database_unavailable' : 'internal_error';
        if (code === 'internal_error') ctx.logger.error('socket.frame_failed', { frame: parsed.frame.type, ...errorKind(error) });
        hub.sendEvent(conn, { type: 'error', ref: parsed.frame.ref, code, message: error instanceof AppError ? error.message : ERRORS[code].message, sessionId });
      } finally {
        inFlight--;
      }
    },
    async close(ws) {
      const conn = ws.data.conn;
      if (!conn) return;
      ws.data.conn = undefined;
      hub.remove(conn);
      await connectionClosed(ctx, conn.id, conn.actor.id, conn.actor.role !== 'patient').catch((error) => ctx.logger.warn('socket.close_failed', errorKind(error)));
    },
  };

  const module = new Elysia({ name: 'realtime' }).onRequest(async ({ request, server }) => {
    const url = new URL(request.url);
    // The router ignores trailing slashes, so this check must too, or `/socket/` would upgrade unchecked.
    if (url.pathname.replace(/\/+$/, '') !== SOCKET_PATH) return;
    const headers = request.headers;
    if (headers.get('upgrade')?.toLowerCase() !== 'websocket' || !headers.get('sec-websocket-key')) throw new AppError('invalid_request');
    // Refusals are thrown, database errors too: the error plugin writes them as every other route's (requestId,
    // and Retry-After on a 503).
    const actor = await authenticate(ctx.db, socketToken(url));
    if (!actor) throw new AppError('invalid_token');
    if (actor.mfaPending) throw new AppError('mfa_setup_required');
    const origin = headers.get('origin');
    const ownOrigin = new URL(ctx.config.publicUrl).origin;
    if (actor.role === 'patient' && origin && origin !== ownOrigin && !(await clinicAllowsOrigin(ctx.db, actor.clinicId, origin))) {
      throw new AppError('origin_not_allowed');
    }
    const data: SocketData = { actor, ip: clientIp(request, server) };
    if (!server?.upgrade(request, { data })) throw new AppError('invalid_request');
    // Bun answers 101 and owns the connection now; this response is never sent.
    return new Response(null);
  });

  return Object.assign(module, {
    /** Bun's socket handlers for this API: pass them to `listen` (server.ts). */
    websocket,
    /** Resolves when no frame is being handled (graceful shutdown). */
    async drained(timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (inFlight > 0 && Date.now() < until) await Bun.sleep(20);
    },
  });
}
