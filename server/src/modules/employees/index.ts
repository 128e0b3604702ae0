import { Elysia, t } from 'elysia';
import {
  AvailabilityParams,
  Employee,
  EmployeeCreateParams,
  EmployeePatchParams,
  Me,
  MfaConfirmParams,
  MfaDisableParams,
  MfaEnrolment,
  MfaStartParams,
  PasswordChangeParams,
} from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin } from '../auth/plugin';
import { errors, noContent } from '../openapi/responses';
import { confirmMfa, disableMfa, startMfa } from '../auth/mfa';
import { changePassword, getMe } from '../auth/service';
import { createEmployee, listEmployees, setAvailability, updateEmployee } from './service';

export const employeesModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1/employees', tags: ['employees'] })
    .use(authPlugin(ctx))
    // The signed-in employee's own account.
    .put('/me/availability', ({ actor, body, ip }) => setAvailability(ctx, actor, body.availability, ip, body.notes), {
      auth: ['employee', 'admin'],
      body: AvailabilityParams,
      response: { 200: Me },
      detail: {
        summary: 'Become available (take chats), away or offline; going offline hands held chats over, each with its handover note if given',
        responses: errors(),
      },
    })
    .put(
      '/me/password',
      async ({ actor, body, ip, set }) => {
        await changePassword(ctx, actor, body, ip);
        set.status = 204;
      },
      {
        auth: ['employee', 'admin'],
        body: PasswordChangeParams,
        detail: {
          summary: 'Change one’s password; the account’s other tokens stop working',
          responses: { ...noContent('Changed'), ...errors('invalid_credentials') },
        },
      },
    )
    .post('/me/mfa/start', ({ actor, body, ip }) => startMfa(ctx, actor, body, ip), {
      auth: ['employee', 'admin'],
      body: MfaStartParams,
      response: { 200: MfaEnrolment },
      detail: {
        summary: 'Start setting up two-step sign-in: a secret for an authenticator app, in force once confirmed',
        responses: errors('invalid_credentials', 'conflict'),
      },
    })
    .post(
      '/me/mfa/confirm',
      async ({ actor, body, ip }) => {
        await confirmMfa(ctx, actor, body, ip);
        return getMe(ctx.db, actor.id);
      },
      {
        auth: ['employee', 'admin'],
        body: MfaConfirmParams,
        response: { 200: Me },
        detail: { summary: 'Turn two-step sign-in on with a first code from the app', responses: errors('invalid_mfa_code', 'conflict') },
      },
    )
    .post(
      '/me/mfa/disable',
      async ({ actor, body, ip }) => {
        await disableMfa(ctx, actor, body, ip);
        return getMe(ctx.db, actor.id);
      },
      {
        auth: ['employee', 'admin'],
        body: MfaDisableParams,
        response: { 200: Me },
        detail: {
          summary: 'Turn two-step sign-in off (password and a current code)',
          responses: errors('invalid_credentials', 'invalid_mfa_code', 'conflict'),
        },
      },
    )
    // Admin: the clinic's staff.
    .get('/', async ({ actor }) => ({ employees: await listEmployees(ctx, actor) }), {
      auth: ['admin'],
      response: { 200: t.Object({ employees: t.Array(Employee) }) },
      detail: { summary: 'The clinic’s staff', responses: errors() },
    })
    .post(
      '/',
      async ({ actor, body, ip, set }) => {
        set.status = 201;
        return createEmployee(ctx, actor, body, ip);
      },
      {
        auth: ['admin'],
        body: EmployeeCreateParams,
        response: { 201: Employee },
        detail: { summary: 'Add a member of staff', responses: errors('email_taken') },
      },
    )
    .patch('/:id', ({ actor, params, body, ip }) => updateEmployee(ctx, actor, params.id, body, ip), {
      auth: ['admin'],
      params: t.Object({ id: t.String({ format: 'uuid' }) }),
      // No body is an empty patch (the employee as they are); malformed JSON is still refused.
      transform: (c) => void (c.body ??= {}),
      body: EmployeePatchParams,
      response: { 200: Employee },
      detail: {
        summary: 'Change a member of staff: name, capacity, active (never one’s own), or reset two-step sign-in',
        responses: errors('user_not_found', 'conflict'),
      },
    });
