import type { Assignment } from '../protocol/models';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';
import { sessionPath } from './sessions';

export class Assignments {
  constructor(private readonly http: HttpConfig) {}

  /** Staff: who held the session, when, and why it changed hands (oldest first). */
  async list(sessionId: string, options?: CallOptions): Promise<Assignment[]> {
    return (await request<{ assignments: Assignment[] }>(this.http, 'GET', sessionPath(sessionId, '/assignments'), options)).assignments;
  }
}
