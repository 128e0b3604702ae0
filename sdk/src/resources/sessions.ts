import type { QueueStatus, Session } from '../protocol/models';
import type { SessionLeaveParams, SessionListParams, SessionStartParams, SessionTransferParams } from '../protocol/requests';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';

/** The address of a session, or of something under it. */
export const sessionPath = (id: string, rest = '') => `/sessions/${encodeURIComponent(id)}${rest}`;

export class Sessions {
  constructor(protected readonly http: HttpConfig) {}

  /** Patient: opens a chat, or returns the one already open. */
  start(body: SessionStartParams, options?: CallOptions): Promise<Session> {
    return request(this.http, 'POST', '/sessions', { ...options, body });
  }

  /** The sessions the caller may see: a patient's own, or the clinic's for staff. */
  async list(query: SessionListParams = {}, options?: CallOptions): Promise<Session[]> {
    const page = await request<{ sessions: Session[] }>(this.http, 'GET', '/sessions', { ...options, query });
    return page.sessions;
  }

  get(id: string, options?: CallOptions): Promise<Session> {
    return request(this.http, 'GET', sessionPath(id), options);
  }

  /** Patient: ends the chat. */
  end(id: string, options?: CallOptions): Promise<Session> {
    return request(this.http, 'POST', sessionPath(id, '/end'), options);
  }

  /** A waiting session's place in the queue (404 `not_found` once it is no longer waiting). */
  queue(id: string, options?: CallOptions): Promise<QueueStatus> {
    return request(this.http, 'GET', sessionPath(id, '/queue'), options);
  }

  /** Marks everything up to `seq` as read by the caller. */
  markRead(id: string, seq: number, options?: CallOptions): Promise<void> {
    return request(this.http, 'POST', sessionPath(id, '/read'), { ...options, body: { seq } });
  }
}

/** A staff client's sessions (`MedChat`): the patient's calls, and what only staff do with a session. */
export class StaffSessions extends Sessions {
  /** Assigned employee: hands the session back to the queue, with an optional note for the next one. */
  leave(id: string, body: SessionLeaveParams = {}, options?: CallOptions): Promise<Session> {
    return request(this.http, 'POST', sessionPath(id, '/leave'), { ...options, body });
  }

  /**
   * Assigned employee: hands the session to a colleague (`toEmployeeId`), to a team (`toTeamId`), or to a colleague
   * as a member of a team (both), with a note pushed to whoever takes it. A colleague who cannot take it now is a
   * 409 saying why (`colleague_unavailable`, `colleague_at_capacity`, `not_team_member`, `transfer_to_self`).
   */
  transfer(id: string, body: SessionTransferParams, options?: CallOptions): Promise<Session> {
    return request(this.http, 'POST', sessionPath(id, '/transfer'), { ...options, body });
  }
}
