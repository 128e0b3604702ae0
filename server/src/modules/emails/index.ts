import { Elysia, t } from 'elysia';
import { EmailListParams, EmailNotification, ResumeParams, ResumeResult, SessionContactParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { clientIp } from '../../lib/http';
import { limitSignIns } from '../auth/limits';
import { authPlugin } from '../auth/plugin';
import { errors, noContent } from '../openapi/responses';
import { listEmails, redeemResumeLink, setContact, unsubscribe } from './service';
import { unsubscribePage } from './unsubscribe-page';

const html = (body: string) =>
  new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } });

export const emailsModule = (ctx: AppContext) =>
  new Elysia({ tags: ['emails'] })
    .use(authPlugin(ctx))
    .get('/api/v1/emails', async ({ actor, query }) => ({ emails: await listEmails(ctx, actor, query.limit) }), {
      auth: ['admin'],
      query: EmailListParams,
      response: { 200: t.Object({ emails: t.Array(EmailNotification) }) },
      detail: { summary: "The clinic's latest reply emails and their delivery status (no addresses)", responses: errors() },
    })
    .put(
      '/api/v1/sessions/:id/contact',
      async ({ actor, params, body, ip, set }) => {
        await setContact(ctx, actor, params.id, body.email, ip);
        set.status = 204;
      },
      {
        auth: ['patient'],
        params: t.Object({ id: t.String({ format: 'uuid' }) }),
        body: SessionContactParams,
        detail: {
          summary: "The patient's address for reply emails from now on, or null to stop them",
          responses: { ...noContent('Changed'), ...errors('session_not_found', 'session_ended', 'conflict') },
        },
      },
    )
    .post('/api/v1/auth/resume', ({ body, request, server }) => redeemResumeLink(ctx, body, clientIp(request, server, ctx.config.trustProxy)), {
      body: ResumeParams,
      beforeHandle: limitSignIns(ctx),
      response: { 200: ResumeResult },
      detail: {
        summary: "Spends an email's link for a patient token for its conversation (once, within 24 hours); a used or expired one answers `spent`",
        responses: errors('link_invalid', 'rate_limited'),
      },
    })
    // Outside /api: a page for people, and RFC 8058's one-click POST (a form body, not JSON).
    .get('/email/unsubscribe', ({ query }) => html(unsubscribePage(query.token ?? '', 'ask')), {
      query: t.Object({ token: t.Optional(t.String({ maxLength: 400 })) }),
      detail: { hide: true },
    })
    .post(
      '/email/unsubscribe',
      async ({ query }) => {
        const done = await unsubscribe(ctx.db, query.token ?? '');
        // A page for a person either way (errors in the API's JSON envelope are for programs).
        return html(unsubscribePage('', done ? 'done' : 'invalid'));
      },
      { query: t.Object({ token: t.Optional(t.String({ maxLength: 400 })) }), parse: 'none', detail: { hide: true } },
    );
