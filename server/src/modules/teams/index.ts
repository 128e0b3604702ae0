import { Elysia, t } from 'elysia';
import { Colleague, Team, TeamMembersParams, TeamParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin } from '../auth/plugin';
import { errors, noContent } from '../openapi/responses';
import { createTeam, deleteTeam, listTeams, renameTeam, setTeamMembers } from './service';

const params = t.Object({ id: t.String({ format: 'uuid' }) });

export const teamsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1/teams', tags: ['teams'] })
    .use(authPlugin(ctx))
    .get('/', ({ actor }) => listTeams(ctx, actor), {
      auth: ['employee', 'admin'],
      response: { 200: t.Object({ teams: t.Array(Team), colleagues: t.Array(Colleague) }) },
      detail: {
        summary: 'The clinic’s teams with their members, and every active colleague: available with room or not, and their teams (staff: whom to transfer to)',
        responses: errors(),
      },
    })
    .post(
      '/',
      async ({ actor, body, ip, set }) => {
        set.status = 201;
        return createTeam(ctx, actor, body, ip);
      },
      {
        auth: ['admin'],
        body: TeamParams,
        response: { 201: Team },
        detail: { summary: 'Create a team (admin; audited); 409 conflict when the clinic has one of this name', responses: errors('conflict') },
      },
    )
    .patch('/:id', ({ actor, params, body, ip }) => renameTeam(ctx, actor, params.id, body, ip), {
      auth: ['admin'],
      params,
      body: TeamParams,
      response: { 200: Team },
      detail: { summary: 'Rename a team (admin; audited)', responses: errors('team_not_found', 'conflict') },
    })
    .delete(
      '/:id',
      async ({ actor, params, ip, set }) => {
        await deleteTeam(ctx, actor, params.id, ip);
        set.status = 204;
      },
      {
        auth: ['admin'],
        params,
        detail: {
          summary: 'Delete a team no topic routes to (admin; audited); its chats go to anyone from then on',
          responses: { ...noContent('Deleted'), ...errors('team_not_found', 'team_in_use') },
        },
      },
    )
    .put('/:id/members', ({ actor, params, body, ip }) => setTeamMembers(ctx, actor, params.id, body, ip), {
      auth: ['admin'],
      params,
      body: TeamMembersParams,
      response: { 200: Team },
      detail: {
        summary: 'Set a team’s members, the whole list (admin; audited); 400 names an id that is not staff of the clinic',
        responses: errors('team_not_found'),
      },
    });
