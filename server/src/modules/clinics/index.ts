import { Elysia, t } from 'elysia';
import { ClinicPublic, ClinicSettings } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin } from '../../lib/http';
import { getPublicClinic, getSettings, rotateIdentitySecret, updateSettings } from './service';

export const clinicsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1', tags: ['clinics'] })
    .use(authPlugin(ctx))
    .get('/clinics/:siteKey', ({ params }) => getPublicClinic(ctx.db, params.siteKey), {
      params: t.Object({ siteKey: t.String({ minLength: 1, maxLength: 100 }) }),
      response: { 200: ClinicPublic },
      detail: { summary: 'What the widget shows before anyone signs in' },
    })
    .get('/clinic/settings', ({ actor }) => getSettings(ctx, actor), { auth: ['admin'], response: { 200: ClinicSettings } })
    .patch('/clinic/settings', ({ actor, body, ip }) => updateSettings(ctx, actor, body, ip), {
      auth: ['admin'],
      body: t.Object({
        name: t.Optional(t.String({ minLength: 1, maxLength: 120 })),
        allowedOrigins: t.Optional(t.Array(t.String({ maxLength: 300 }), { maxItems: 50 })),
        emergencyText: t.Optional(t.String({ minLength: 1, maxLength: 500 })),
        defaultCapacity: t.Optional(t.Integer({ minimum: 0, maximum: 50 })),
        graceSeconds: t.Optional(t.Integer({ minimum: 0, maximum: 3600 })),
        retentionDays: t.Optional(t.Union([t.Integer({ minimum: 1, maximum: 36500 }), t.Null()])),
        brandColor: t.Optional(t.Union([t.String({ pattern: '^#[0-9a-fA-F]{6}$' }), t.Null()])),
        requireStaffMfa: t.Optional(t.Boolean()),
      }),
      response: { 200: ClinicSettings },
    })
    .post('/clinic/identity-secret', ({ actor, ip }) => rotateIdentitySecret(ctx, actor, ip), { auth: ['admin'], response: { 200: t.Object({ secret: t.String() }) } });
