import { Elysia } from 'elysia';
import { openapi } from '@elysiajs/openapi';
import type { AppContext } from './context';
import { errorPlugin } from './lib/error-plugin';
import { securityHeaders } from './lib/security-headers';
import { authModule } from './modules/auth';
import { clinicsModule } from './modules/clinics';
import { employeesModule } from './modules/employees';
import { healthModule } from './modules/health';
import { messagesModule } from './modules/messages';
import { sessionsModule } from './modules/sessions';

/** The HTTP API, without a port: tests call `app.handle(new Request(…))`. */
export function createApp(ctx: AppContext) {
  return new Elysia({ name: 'medchat' })
    .use(errorPlugin(ctx.logger))
    .use(securityHeaders(ctx))
    .use(openapi({ path: '/openapi', documentation: { info: { title: 'MedChat API', version: '1' } } }))
    .use(healthModule(ctx))
    .use(authModule(ctx))
    .use(clinicsModule(ctx))
    .use(sessionsModule(ctx))
    .use(messagesModule(ctx))
    .use(employeesModule(ctx));
}

export type App = ReturnType<typeof createApp>;
