import { Elysia } from 'elysia';
import { openapi } from '@elysiajs/openapi';
import type { AppContext } from './context';
import { errorPlugin } from './lib/error-plugin';
import { useFastFormats } from './lib/formats';
import { securityHeaders } from './lib/security-headers';
import { authModule } from './modules/auth';
import { clinicsModule } from './modules/clinics';
import { employeesModule } from './modules/employees';
import { healthModule } from './modules/health';
import { widgetAssets } from './modules/assets';
import { messagesModule } from './modules/messages';
import { sessionsModule } from './modules/sessions';
import { Hub } from './modules/realtime/hub';
import { realtimeModule } from './modules/realtime';
import { MAX_FRAME_BYTES } from './modules/realtime/frames';

/** The HTTP API, without a port: tests call `app.handle(new Request(…))`. */
export function createApp(ctx: AppContext, hub: Hub = new Hub(ctx)) {
  useFastFormats();
  const realtime = realtimeModule(ctx, hub);
  const app = new Elysia({
    name: 'medchat',
    websocket: {
      // RELIABILITY I3, D8, D9: small frames, no compression, a bounded send buffer, dead peers detected.
      maxPayloadLength: MAX_FRAME_BYTES * 4,
      perMessageDeflate: false,
      backpressureLimit: 1024 * 1024,
      closeOnBackpressureLimit: true,
      idleTimeout: 60,
      sendPings: true,
    },
  })
    // First: its request hook must run before any other can answer early (refused upgrades, oversized bodies).
    .use(securityHeaders(ctx))
    .use(errorPlugin(ctx.logger))
    .use(realtime)
    // The document only: a docs page would run a CDN's script on the origin where the console keeps staff tokens.
    .use(openapi({ provider: null, specPath: '/openapi/json', documentation: { info: { title: 'MedChat API', version: '1' } } }))
    .get('/openapi', ({ redirect }) => redirect('/openapi/json'), { detail: { hide: true } })
    .use(healthModule(ctx))
    .use(widgetAssets())
    .use(authModule(ctx))
    .use(clinicsModule(ctx))
    .use(sessionsModule(ctx))
    .use(messagesModule(ctx))
    .use(employeesModule(ctx));
  return Object.assign(app, { hub, realtime });
}

export type App = ReturnType<typeof createApp>;
