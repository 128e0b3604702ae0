import { Elysia, t } from 'elysia';
import { Availability, Employee, Me } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin } from '../../lib/http';
import { createEmployee, listEmployees, setAvailability, updateEmployee } from './service';

const Capacity = t.Integer({ minimum: 0, maximum: 50 });

export const employeesModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1/employees', tags: ['employees'] })
    .use(authPlugin(ctx))
    .put('/me/availability', ({ actor, body, ip }) => setAvailability(ctx, actor, body.availability, ip), {
      auth: ['employee', 'admin'],
      body: t.Object({ availability: Availability }),
      response: { 200: Me },
    })
    .get('/', async ({ actor }) => ({ employees: await listEmployees(ctx, actor) }), { auth: ['admin'], response: { 200: t.Object({ employees: t.Array(Employee) }) } })
    .post(
      '/',
      async ({ actor, body, ip, set }) => {
        set.status = 201;
        return createEmployee(ctx, actor, body, ip);
      },
      {
        auth: ['admin'],
        body: t.Object({
          email: t.String({ format: 'email', maxLength: 254 }),
          displayName: t.String({ minLength: 1, maxLength: 120 }),
          password: t.String({ minLength: 10, maxLength: 200 }),
          capacity: t.Optional(Capacity),
          role: t.Optional(t.Union([t.Literal('employee'), t.Literal('admin')])),
        }),
        response: { 201: Employee },
      },
    )
    .patch('/:id', ({ actor, params, body, ip }) => updateEmployee(ctx, actor, params.id, body, ip), {
      auth: ['admin'],
      params: t.Object({ id: t.String({ format: 'uuid' }) }),
      body: t.Object({
        displayName: t.Optional(t.String({ minLength: 1, maxLength: 120 })),
        capacity: t.Optional(t.Union([Capacity, t.Null()])),
        active: t.Optional(t.Boolean()),
        // Only off: an admin resets two-step sign-in for staff who lost their device; each turns it on for themselves.
        mfaEnabled: t.Optional(t.Literal(false)),
      }),
      response: { 200: Employee },
    });
