import { Elysia, t } from 'elysia';
import { AuthResult, Me, MfaEnrolment } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin, clientIp, limitSignIns } from '../../lib/http';
import { cleanText } from '../../lib/text';
import { confirmMfa, disableMfa, startMfa } from './mfa';
import { changePassword, getMe, identify, login, logout, startGuest } from './service';

const Email = t.String({ minLength: 3, maxLength: 254 });
const Password = t.String({ minLength: 1, maxLength: 200 });
/** A code from an authenticator app. */
const Code = t.String({ pattern: '^[0-9]{6}$', description: 'Six digits from the authenticator app' });

export const authModule = (ctx: AppContext) => {
  const signInLimit = limitSignIns(ctx);
  return new Elysia({ prefix: '/api/v1', tags: ['auth'] })
    .use(authPlugin(ctx))
    .post('/auth/login', ({ body, request, server }) => login(ctx.db, body, ctx.config.staffTokenTtl, clientIp(request, server)), {
      beforeHandle: signInLimit,
      body: t.Object({ email: Email, password: Password, code: t.Optional(Code) }),
      response: { 200: AuthResult },
      detail: { summary: 'Staff log in with email and password, and the authenticator code when two-step sign-in is on (else 401 mfa_required)' },
    })
    .post(
      '/auth/logout',
      async ({ actor, ip, set }) => {
        await logout(ctx.db, actor, ip);
        await ctx.bus.publish([{ t: 'token.revoked', clinicId: actor.clinicId, userId: actor.id, tokenHash: actor.tokenHash }]);
        set.status = 204;
      },
      { auth: true, detail: { summary: 'Revoke the token in use' } },
    )
    .get('/auth/me', ({ actor }) => getMe(ctx.db, actor.id), { auth: true, response: { 200: Me } })
    .post(
      '/auth/guest',
      ({ body, request, server }) =>
        startGuest(ctx.db, { siteKey: body.siteKey, displayName: cleanText(body.displayName, 'displayName', { maxLength: 80 }) }, ctx.config.patientTokenTtl, clientIp(request, server)),
      {
        beforeHandle: signInLimit,
        body: t.Object({ siteKey: t.String({ minLength: 1, maxLength: 100 }), displayName: t.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: AuthResult },
        detail: { summary: 'Start as a guest patient of the clinic with this site key' },
      },
    )
    .post('/auth/identify', ({ body, request, server }) => identify(ctx.db, body, ctx.config.patientTokenTtl, clientIp(request, server)), {
      beforeHandle: signInLimit,
      body: t.Object({ siteKey: t.String({ minLength: 1, maxLength: 100 }), identityToken: t.String({ minLength: 1, maxLength: 4096 }) }),
      response: { 200: AuthResult },
      detail: { summary: 'Exchange an identity token signed by the clinic’s backend for a patient token' },
    })
    .put(
      '/employees/me/password',
      async ({ actor, body, ip, set }) => {
        await changePassword(ctx.db, actor, body, ip);
        // The other devices' tokens were revoked: their open sockets close too.
        await ctx.bus.publish([{ t: 'token.revoked', clinicId: actor.clinicId, userId: actor.id, tokenHash: null, except: actor.tokenHash }]);
        set.status = 204;
      },
      { auth: ['employee', 'admin'], body: t.Object({ currentPassword: Password, newPassword: t.String({ minLength: 10, maxLength: 200 }) }) },
    )
    .post('/employees/me/mfa/start', ({ actor, body, ip }) => startMfa(ctx.db, actor, body, ip), {
      auth: ['employee', 'admin'],
      body: t.Object({ password: Password }),
      response: { 200: MfaEnrolment },
      detail: { summary: 'Start setting up two-step sign-in: a secret for an authenticator app, in force once confirmed' },
    })
    .post(
      '/employees/me/mfa/confirm',
      async ({ actor, body, ip }) => {
        await confirmMfa(ctx.db, actor, body, ip);
        return getMe(ctx.db, actor.id);
      },
      { auth: ['employee', 'admin'], body: t.Object({ code: Code }), response: { 200: Me }, detail: { summary: 'Turn two-step sign-in on with a first code from the app' } },
    )
    .post(
      '/employees/me/mfa/disable',
      async ({ actor, body, ip }) => {
        await disableMfa(ctx.db, actor, body, ip);
        return getMe(ctx.db, actor.id);
      },
      { auth: ['employee', 'admin'], body: t.Object({ password: Password, code: Code }), response: { 200: Me }, detail: { summary: 'Turn two-step sign-in off (password and a current code)' } },
    );
};
