import { Elysia, t } from 'elysia';
import { ClinicHours, ClinicIntake, ClinicIntakeParams, ClinicPublic, ClinicSettings, ClinicSettingsPatchParams, LIMITS } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { limitClinicLookups } from '../auth/limits';
import { authPlugin } from '../auth/plugin';
import { getHours, setHours } from './hours-service';
import { getIntake, setIntake } from './intake-service';
import { errors } from '../openapi/responses';
import { getPublicClinic, getSettings, rotateIdentitySecret, updateSettings } from './service';

export const clinicsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1', tags: ['clinics'] })
    .use(authPlugin(ctx))
    // Readable from any origin (lib/security-headers.ts), so a site the clinic does not allow learns why.
    .get('/clinics/:siteKey', ({ params, request }) => getPublicClinic(ctx, params.siteKey, request.headers.get('origin')), {
      beforeHandle: limitClinicLookups(ctx),
      params: t.Object({ siteKey: t.String({ minLength: 1, maxLength: LIMITS.siteKey }) }),
      response: { 200: ClinicPublic },
      detail: { summary: 'What the widget shows before anyone signs in', responses: errors('clinic_not_found', 'rate_limited') },
    })
    .get('/clinic/settings', ({ actor }) => getSettings(ctx, actor), {
      auth: ['admin'],
      response: { 200: ClinicSettings },
      detail: { summary: 'The clinic’s settings', responses: errors() },
    })
    .patch('/clinic/settings', ({ actor, body, ip }) => updateSettings(ctx, actor, body, ip), {
      auth: ['admin'],
      // No body is an empty patch (the settings as they are); malformed JSON is still refused.
      transform: (c) => void (c.body ??= {}),
      body: ClinicSettingsPatchParams,
      response: { 200: ClinicSettings },
      detail: {
        summary: 'Change some settings; requireStaffMfa: true needs two-step sign-in on for the admin first (409)',
        responses: errors('conflict'),
      },
    })
    .get('/clinic/hours', ({ actor }) => getHours(ctx, actor), {
      auth: ['admin'],
      response: { 200: ClinicHours },
      detail: { summary: 'The clinic’s opening hours, closures and after-hours text (admin)', responses: errors() },
    })
    .put('/clinic/hours', ({ actor, body, ip }) => setHours(ctx, actor, body, ip), {
      auth: ['admin'],
      body: ClinicHours,
      response: { 200: ClinicHours },
      detail: {
        summary:
          'Replace the clinic’s opening hours (admin; audited as clinic.hours_changed); 400 names an unknown time zone, an interval that closes before it opens or overlaps another, a date that does not exist',
        responses: errors('invalid_request'),
      },
    })
    .get('/clinic/intake', ({ actor }) => getIntake(ctx, actor), {
      auth: ['admin'],
      response: { 200: ClinicIntake },
      detail: { summary: 'The clinic’s intake: red-flag questions and emergency instructions (admin)', responses: errors() },
    })
    .put('/clinic/intake', ({ actor, body, ip }) => setIntake(ctx, actor, body, ip), {
      auth: ['admin'],
      body: ClinicIntakeParams,
      response: { 200: ClinicIntake },
      detail: {
        summary:
          'Replace the clinic’s red-flag questions, topics and emergency instructions (admin; audited as clinic.intake_changed); 400 names a question or topic id the clinic does not have, 404 a topic’s team that is not the clinic’s',
        responses: errors('invalid_request', 'team_not_found'),
      },
    })
    .post('/clinic/identity-secret', ({ actor, ip }) => rotateIdentitySecret(ctx, actor, ip), {
      auth: ['admin'],
      response: { 200: t.Object({ secret: t.String() }) },
      detail: { summary: 'A new identity secret, for signing identity tokens; the old one stops working at once', responses: errors() },
    });
