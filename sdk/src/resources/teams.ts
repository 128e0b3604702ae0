import type { Colleague, Team } from '../protocol/models';
import type { TeamMembersParams, TeamParams } from '../protocol/requests';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';

const teamPath = (id: string, rest = '') => `/teams/${encodeURIComponent(id)}${rest}`;

/** The clinic's teams (`/api/v1/teams`): an admin creates, renames, deletes and staffs them; `list` is open to all staff. */
export class Teams {
  constructor(private readonly http: HttpConfig) {}

  /** Staff: the teams with their members, and every colleague with their availability, room for a chat and teams (whom to transfer to). */
  list(options?: CallOptions): Promise<{ teams: Team[]; colleagues: Colleague[] }> {
    return request(this.http, 'GET', '/teams', options);
  }

  /** 409 `conflict` when the clinic has a team of this name. */
  create(body: TeamParams, options?: CallOptions): Promise<Team> {
    return request(this.http, 'POST', '/teams', { ...options, body });
  }

  rename(id: string, body: TeamParams, options?: CallOptions): Promise<Team> {
    return request(this.http, 'PATCH', teamPath(id), { ...options, body });
  }

  /** 409 `team_in_use` while a topic of the intake routes to it. */
  remove(id: string, options?: CallOptions): Promise<void> {
    return request(this.http, 'DELETE', teamPath(id), options);
  }

  /** Sets the whole membership. */
  setMembers(id: string, body: TeamMembersParams, options?: CallOptions): Promise<Team> {
    return request(this.http, 'PUT', teamPath(id, '/members'), { ...options, body });
  }
}
