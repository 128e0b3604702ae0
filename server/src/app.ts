import { Elysia } from 'elysia';
import type { AppContext } from './context';
import { errorPlugin } from './lib/error-plugin';
import { AppError } from './lib/errors';
import { bearer } from './lib/http';
import { authenticate } from './modules/auth/service';
import { useFastFormats } from './lib/formats';
import { securityHeaders } from './lib/security-headers';
import { auditModule } from './modules/audit';
import { authModule } from './modules/auth';
import { clinicsModule } from './modules/clinics';
import { corsPolicy } from './modules/clinics/cors';
import { ClinicOrigins } from './modules/clinics/origins';
import { employeesModule } from './modules/employees';
import { fhirModule } from './modules/fhir';
import { webhooksModule } from './modules/webhooks';
import { emailsModule } from './modules/emails';
import { transcriptsModule } from './modules/transcripts';
import { attachmentsModule } from './modules/attachments';
import { reportsModule } from './modules/reports';
import { healthModule } from './modules/health';
import { metricsModule, metricsOnMainPort } from './modules/metrics';
import { requestLog } from './lib/request-log';
import { widgetAssets } from './modules/assets';
import { chatFrame } from './modules/assets/frame';
import { messagesModule } from './modules/messages';
import { notesModule } from './modules/notes';
import { quickRepliesModule } from './modules/quick-replies';
import { openapiModule } from './modules/openapi';
import type { RouteLike } from './modules/openapi/document';
import { sessionsModule } from './modules/sessions';
import { teamsModule } from './modules/teams';
import { Hub } from './modules/realtime/hub';
import { realtimeModule, SOCKET_PATH } from './modules/realtime';
import { asyncApiRoute } from './modules/realtime/asyncapi';
import { MAX_FRAME_BYTES } from './modules/realtime/frames';
import { traceRequest } from './lib/tracing';

/**
 * The methods the app's routes take at a path (`/api/v1/sessions/<id>` → GET), read from its route table once, on
 * first use (after every module is composed).
 */
function routeMethods(routes: () => ReadonlyArray<{ method: string; path: string }>) {
  let table: Array<{ pattern: RegExp; method: string }> | null = null;
  const toPattern = (path: string) =>
    new RegExp(
      `^${path
        .replace(/(.)\/$/, '$1')
        .split('/')
        .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/')}/?$`,
    );
  return (path: string): string[] => {
    table ??= routes()
      .filter((r) => /^[A-Z]+$/.test(r.method))
      .map((r) => ({ pattern: toPattern(r.path), method: r.method }));
    return [...new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method))];
  };
}

/** Paths a caller may use without signing in (an attachment link carries its own signature); every other API path answers 401 first, before its body is checked. */
const PUBLIC_API = /^\/api\/v1\/(auth\/(login|guest|identify|resume)|clinics\/[^/]+|socket|attachments\/[^/]+\/content)$/;

/** The HTTP API, without a port: tests call `app.handle(new Request(…))`. */
export function createApp(ctx: AppContext, hub: Hub = new Hub(ctx)) {
  useFastFormats();
  const realtime = realtimeModule(ctx, hub);
  const clinicOrigins = new ClinicOrigins(ctx);
  // The socket is upgraded by the realtime module's request hook, not a route; it takes GET like one.
  const methodsOf = routeMethods(() => [...app.routes, { method: 'GET', path: SOCKET_PATH }]);
  const refusalBeforeBody = async (request: Request) => {
    const path = new URL(request.url).pathname;
    if (!path.startsWith('/api/') || PUBLIC_API.test(path) || methodsOf(path).length === 0) return null;
    return (await authenticate(ctx.db, bearer(request))) ? null : new AppError('unauthorized');
  };
  const app = new Elysia({
    name: 'medchat',
    // Unknown properties are dropped by TypeBox's own clean-up, which leaves a value of the wrong type for the check
    // to refuse. The default mirror rebuilt values from the schema first, so "" passed for a list ([]) or an object
    // ({}) and bad input changed things. It applies to every module's routes.
    normalize: 'typebox',
    websocket: {
      // docs/requirements.md#input, #delivery: small frames, no compression, a bounded send buffer, dead peers detected.
      maxPayloadLength: MAX_FRAME_BYTES * 4,
      perMessageDeflate: false,
      backpressureLimit: 1024 * 1024,
      closeOnBackpressureLimit: true,
      idleTimeout: 60,
      sendPings: true,
    },
  })
    // With tracing on, each request runs in a span of its own (lib/tracing.ts), so what it causes joins its trace.
    .wrap((handle, request) => (ctx.tracing.enabled ? (...args: unknown[]) => traceRequest(ctx.tracing.tracer, request, () => handle(...args)) : handle))
    // Its clock starts before any hook can answer; it only records the time, so the next is still the first to answer.
    .use(requestLog(ctx.logger, ctx.metrics))
    // First: its request hook must run before any other can answer early (refused upgrades, oversized bodies).
    .use(securityHeaders({ production: ctx.config.production, corsAllows: corsPolicy(ctx, clinicOrigins) }))
    .use(errorPlugin(ctx.logger, { methodsOf, refusalBeforeBody }))
    .use(realtime)
    // Built on first use from the routes the app has then (typed here: the app's type cannot depend on itself).
    .use(openapiModule((): readonly RouteLike[] => app.routes))
    .use(asyncApiRoute(ctx))
    .use(healthModule(ctx))
    .use(metricsModule(ctx, { served: metricsOnMainPort(ctx.config) }))
    .use(chatFrame(clinicOrigins))
    .use(widgetAssets())
    .use(authModule(ctx))
    .use(clinicsModule(ctx))
    .use(sessionsModule(ctx))
    .use(messagesModule(ctx))
    .use(notesModule(ctx))
    .use(quickRepliesModule(ctx))
    .use(employeesModule(ctx))
    .use(teamsModule(ctx))
    .use(auditModule(ctx))
    .use(fhirModule(ctx))
    .use(webhooksModule(ctx))
    .use(emailsModule(ctx))
    .use(transcriptsModule(ctx))
    .use(attachmentsModule(ctx))
    .use(reportsModule(ctx));
  return Object.assign(app, { hub, realtime, clinicOrigins });
}

export type App = ReturnType<typeof createApp>;
