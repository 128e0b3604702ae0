import { Elysia } from 'elysia';
import { AuthResult, GuestParams, IdentifyParams, LIMITS, LoginParams, Me, SocketTicket } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { clientIp } from '../../lib/http';
import { cleanName } from '../../lib/text';
import { errors, noContent } from '../openapi/responses';
import { authPlugin } from './plugin';
import { getMe, identify, login, logout, startGuest } from './service';
import { countFailedLogin, limitSignIns, limitStaffLogins } from './limits';
import { issueSocketTicket } from './socket-tickets';

export const authModule = (ctx: AppContext) => {
  const signInLimit = limitSignIns(ctx);
  return new Elysia({ prefix: '/api/v1', tags: ['auth'] })
    .use(authPlugin(ctx))
    .post(
      '/auth/login',
      ({ body, request, server }) => {
        const ip = clientIp(request, server, ctx.config.trustProxy);
        return countFailedLogin(ctx, ip, () => login(ctx, body, ip));
      },
      {
        beforeHandle: limitStaffLogins(ctx),
        body: LoginParams,
        response: { 200: AuthResult },
        detail: {
          summary: 'Staff log in with email and password, and the authenticator code when two-step sign-in is on (else 401 mfa_required)',
          responses: errors('invalid_credentials', 'mfa_required', 'invalid_mfa_code', 'clinic_required', 'rate_limited'),
        },
      },
    )
    .post(
      '/auth/logout',
      async ({ actor, ip, set }) => {
        await logout(ctx, actor, ip);
        set.status = 204;
      },
      { auth: true, detail: { summary: 'Revoke the token in use', responses: { ...noContent('Signed out'), ...errors() } } },
    )
    .get('/auth/me', ({ actor }) => getMe(ctx.db, actor.id), {
      auth: true,
      response: { 200: Me },
      detail: { summary: 'Who the token belongs to', responses: errors() },
    })
    .post('/socket/ticket', ({ actor }) => issueSocketTicket(ctx.db, actor), {
      auth: true,
      response: { 200: SocketTicket },
      detail: {
        summary: 'A single-use ticket, valid 30 s, to open the socket with (GET /api/v1/socket?ticket=…): the token never goes in a URL',
        responses: errors(),
      },
    })
    .post(
      '/auth/guest',
      ({ body, request, server }) =>
        startGuest(
          ctx,
          { siteKey: body.siteKey, displayName: cleanName(body.displayName, 'displayName', { maxLength: LIMITS.patientName }) },
          clientIp(request, server, ctx.config.trustProxy),
        ),
      {
        beforeHandle: signInLimit,
        body: GuestParams,
        response: { 200: AuthResult },
        detail: { summary: 'Start as a guest patient of the clinic with this site key', responses: errors('clinic_not_found', 'rate_limited') },
      },
    )
    .post('/auth/identify', ({ body, request, server }) => identify(ctx, body, clientIp(request, server, ctx.config.trustProxy)), {
      beforeHandle: signInLimit,
      body: IdentifyParams,
      response: { 200: AuthResult },
      detail: {
        summary: 'Exchange an identity token signed by the clinic’s backend for a patient token',
        responses: errors('invalid_identity_token', 'rate_limited'),
      },
    });
};
