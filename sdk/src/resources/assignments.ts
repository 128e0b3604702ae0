import type { Assignment } from '../protocol/models';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';

export class Assignments {
  constructor(private readonly http: HttpConfig) {}

  /** Staff: who held the session, when, and why it changed hands (oldest first). */
  async list(sessionId: string, options?: CallOptions): Promise<Assignment[]> {
    const path = `/api/v1/sessions/${encodeURIComponent(sessionId)}/assignments`;
    return (await request<{ assignments: Assignment[] }>(this.http, 'GET', path, options)).assignments;
  }
}
