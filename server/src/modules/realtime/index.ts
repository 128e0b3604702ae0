import type { WebSocketHandler } from 'bun';
import { Elysia } from 'elysia';
import { CLOSE_CODES, ERRORS, LIMITS, type ClientFrame, type KnownErrorCode } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { AppError, isDatabaseUnavailable } from '../../lib/errors';
import { clientIp } from '../../lib/http';
import { errorKind } from '../../lib/logger';
import { nameRoute, requestCompleted } from '../../lib/request-log';
import { inSpan, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode } from '../../lib/tracing';
import { recordAudit } from '../audit/service';
import { getMe } from '../auth/service';
import type { Actor } from '../auth/actor';
import { redeemSocketTicket } from '../auth/socket-tickets';
import { clinicAllowsOrigin } from '../clinics/service';
import { setAvailability } from '../employees/service';
import { markRead, sendMessage } from '../messages/service';
import { assertCanWrite, readableSession } from '../sessions/access';
import { getSessionView } from '../sessions/views';
import { encodeMessageAck, parseFrame } from './frames';
import type { Conn, Hub } from './hub';
import { connectionClosed, connectionOpened, setViewing } from './presence';

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

/**
 * Browsers cannot set headers on a WebSocket, so the credential travels in the URL: a single-use ticket
 * (`?ticket=`, from POST /api/v1/socket/ticket; ../auth/socket-tickets.ts), never the bearer token, which proxies
 * would log with the URL. A token in the URL is refused, so a client that still sends one finds out at once.
 */
function socketCredential(url: URL): string | null {
  if (url.searchParams.has('token')) throw new AppError('invalid_token', undefined, TOKEN_IN_URL);
  return url.searchParams.get('ticket');
}
const TOKEN_IN_URL =
  'Tokens are not accepted in the socket URL, where proxies log them: ask POST /api/v1/socket/ticket for a ticket and connect with ?ticket=.';

/**
 * The WebSocket API. Authentication and the origin check happen before the upgrade, in onRequest: a bad ticket
 * never gets a 101 (docs/requirements.md#auth), and refusals are answered by the error plugin like any route's. The
 * upgrade is Bun's own (`server.upgrade`) with this module's handlers (`websocket`, passed to `listen`), not
 * Elysia's `.ws()`: that route matches only a lowercase `Upgrade: websocket` (RFC 6455 makes the value
 * case-insensitive), and it keeps Elysia's request context and a wrapper object per socket and per frame, most of
 * an idle socket's memory (bench/README.md). Frames are validated by hand against the protocol, so a bad frame is
 * a typed error frame and never reaches Elysia's error path (elysia #1256).
 */
export function realtimeModule(ctx: AppContext, hub: Hub) {
  let inFlight = 0;
  /** Sockets opened whose close handler has not finished (its presence write included): shutdown waits for them. */
  let unclosed = 0;
  // Per connection: a token bucket of frames.
  const perSecond = ctx.config.socketFramesPerSecond;
  const burst = perSecond * 2;
  // A fresh socket also has room to resubscribe every chat its user can hold at once: a console that reconnects with
  // 50 chats sends 50 subscribes in one go (tests/e2e/console.busy.test.ts), and the steady rate applies after that.
  const firstBurst = burst + LIMITS.capacity;

  async function handle(conn: SocketConn, frame: ClientFrame) {
    const actor = conn.actor;
    const ack = () => frame.ref && hub.sendEvent(conn, { type: 'ack', ref: frame.ref });
    switch (frame.type) {
      case 'subscribe': {
        await readableSession(ctx.db, actor, frame.sessionId);
        const session = await getSessionView(ctx.db, frame.sessionId);
        if (!session) throw new AppError('session_not_found');
        if (frame.lastSeq > session.lastSeq) throw new AppError('history_unavailable', { lastSeq: session.lastSeq });
        // The subscribe and its replay are one read of the session (one audit row), however many messages follow.
        await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'session.subscribed', sessionId: session.id, ip: conn.ip });
        hub.subscribe(conn, session, frame.lastSeq, frame.ref);
        return;
      }
      case 'unsubscribe':
        hub.leave(conn, frame.sessionId);
        return ack();
      case 'message.send': {
        const { message } = await sendMessage(ctx, actor, frame.sessionId, frame);
        if (frame.ref) hub.send(conn, encodeMessageAck(frame.ref, message));
        return;
      }
      case 'typing.start':
      case 'typing.stop': {
        const session = await readableSession(ctx.db, actor, frame.sessionId);
        assertCanWrite(actor, session);
        await ctx.bus.publish([
          {
            t: 'typing',
            clinicId: session.clinicId,
            sessionId: session.id,
            patientId: session.patientId,
            userId: actor.id,
            isTyping: frame.type === 'typing.start',
          },
        ]);
        return ack();
      }
      case 'read':
        await markRead(ctx, actor, frame.sessionId, frame.seq);
        return ack();
      case 'availability.set':
        await setAvailability(ctx, actor, frame.availability, conn.ip);
        return ack();
      case 'viewing.start':
      case 'viewing.stop': {
        // A patient can neither say nor learn who views a chat.
        if (actor.role === 'patient') throw new AppError('forbidden');
        const session = await readableSession(ctx.db, actor, frame.sessionId);
        if (frame.type === 'viewing.start') await setViewing(ctx, conn, session);
        else if (conn.viewing?.sessionId === session.id) await setViewing(ctx, conn, null);
        return ack();
      }
    }
  }

  function allowFrame(state: SocketConn): boolean {
    const now = Date.now();
    // Refills up to the burst; what is left of a fresh socket's first burst above it is kept, never topped up.
    state.tokens = Math.min(Math.max(burst, state.tokens), state.tokens + ((now - state.refilledAt) / 1000) * perSecond);
    state.refilledAt = now;
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return true;
    }
    if (++state.violations > MAX_RATE_VIOLATIONS && !state.closed) {
      ctx.metrics.socketCloses.inc({ reason: 'rate_limited' });
      hub.close(state, CLOSE_CODES.rateLimited, 'rate limited');
    }
    return false;
  }

  const websocket: WebSocketHandler<SocketData> = {
    async open(ws) {
      unclosed++;
      const { actor, ip } = ws.data;
      const conn: SocketConn = {
        id: crypto.randomUUID(),
        actor,
        socket: ws,
        subs: new Map(),
        closed: false,
        outbox: null,
        outboxSize: 0,
        tokens: firstBurst,
        refilledAt: Date.now(),
        violations: 0,
        ip,
      };
      ws.data.conn = conn;
      hub.add(conn);
      try {
        await connectionOpened(ctx, conn.id, actor.id);
        hub.sendEvent(conn, { type: 'hello', user: await getMe(ctx.db, actor.id), serverTime: new Date().toISOString() });
      } catch (error) {
        ctx.logger.warn('socket.open_failed', errorKind(error));
        hub.close(conn, CLOSE_CODES.goingAway, 'try again');
      }
    },
    async message(ws, raw) {
      const conn = ws.data.conn;
      if (!conn || conn.closed) return;
      const { metrics } = ctx;
      if (!allowFrame(conn)) {
        metrics.framesIn.inc({ type: 'rate_limited' });
        return hub.sendEvent(conn, { type: 'error', code: 'rate_limited', message: ERRORS.rate_limited.message });
      }
      const parsed = parseFrame(raw);
      if (!parsed.ok) {
        metrics.framesIn.inc({ type: 'invalid' });
        metrics.frameErrors.inc({ code: parsed.code });
        return hub.sendEvent(conn, { type: 'error', ref: parsed.ref, code: parsed.code, message: parsed.message });
      }
      metrics.framesIn.inc({ type: parsed.frame.type });
      const frame = parsed.frame;
      const answer = async (span?: Span) => {
        try {
          await handle(conn, frame);
        } catch (error) {
          const sessionId = 'sessionId' in frame ? frame.sessionId : undefined;
          const code: KnownErrorCode = error instanceof AppError ? error.code : isDatabaseUnavailable(error) ? 'database_unavailable' : 'internal_error';
          if (code === 'internal_error') ctx.logger.error('socket.frame_failed', { frame: frame.type, ...errorKind(error) });
          metrics.frameErrors.inc({ code });
          span?.setAttribute('error.type', code);
          if (code === 'internal_error' || code === 'database_unavailable') span?.setStatus({ code: SpanStatusCode.ERROR });
          hub.sendEvent(conn, {
            type: 'error',
            ref: frame.ref,
            code,
            message: error instanceof AppError ? error.message : ERRORS[code].message,
            sessionId,
          });
        }
      };
      inFlight++;
      try {
        // Traced, each frame is a trace of its own (the socket outlives any request): its span names the frame type only.
        const { tracing } = ctx;
        await (tracing.enabled
          ? inSpan(tracing.tracer, `socket ${frame.type}`, { kind: SpanKind.SERVER, attributes: { 'medchat.frame': frame.type }, parent: ROOT_CONTEXT }, answer)
          : answer());
      } finally {
        inFlight--;
      }
    },
    async close(ws) {
      const conn = ws.data.conn;
      if (!conn) return;
      ws.data.conn = undefined;
      hub.remove(conn);
      await connectionClosed(ctx, conn.id, conn.actor.id, conn.actor.role !== 'patient', conn.viewing)
        .catch((error) => ctx.logger.warn('socket.close_failed', errorKind(error)))
        .finally(() => unclosed--);
    },
  };

  const module = new Elysia({ name: 'realtime' }).onRequest(async ({ request, server }) => {
    const url = new URL(request.url);
    // The router ignores trailing slashes, so this check must too, or `/socket/` would upgrade unchecked.
    if (url.pathname.replace(/\/+$/, '') !== SOCKET_PATH) return;
    // Another method falls through to the router, which answers 405 with `Allow: GET` (app.ts lists this path).
    if (request.method !== 'GET') return;
    nameRoute(request, SOCKET_PATH);
    const headers = request.headers;
    if (headers.get('upgrade')?.toLowerCase() !== 'websocket' || !headers.get('sec-websocket-key')) throw new AppError('invalid_request');
    // Refusals are thrown, database errors too: the error plugin writes them as every other route's (requestId,
    // and Retry-After on a 503).
    const actor = await redeemSocketTicket(ctx.db, socketCredential(url));
    if (!actor) throw new AppError('invalid_token');
    if (actor.mfaPending) throw new AppError('mfa_setup_required');
    const origin = headers.get('origin');
    // The server's own pages (the chat frame, the console) are same-origin: the public URL, or the host asked for.
    const ownOrigins = [new URL(ctx.config.publicUrl).origin, `${url.protocol}//${headers.get('host')}`];
    if (actor.role === 'patient' && origin && !ownOrigins.includes(origin) && !(await clinicAllowsOrigin(ctx.db, actor.clinicId, origin))) {
      throw new AppError('origin_not_allowed');
    }
    const data: SocketData = { actor, ip: clientIp(request, server, ctx.config.trustProxy) };
    if (!server?.upgrade(request, { data })) throw new AppError('invalid_request');
    requestCompleted(ctx.logger, ctx.metrics, request, SOCKET_PATH, 101);
    // Bun answers 101 and owns the connection now; this response is never sent.
    return new Response(null);
  });

  return Object.assign(module, {
    /** Bun's socket handlers for this API: pass them to `listen` (server.ts). */
    websocket,
    /**
     * Resolves when no frame is being handled and every socket's close has done its database work (graceful
     * shutdown, after closing every socket: only then may the database close; tests/faults/shutdown.test.ts).
     */
    async drained(timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while ((inFlight > 0 || unclosed > 0) && Date.now() < until) await Bun.sleep(20);
    },
  });
}
