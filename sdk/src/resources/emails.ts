import type { EmailNotification } from '../protocol/emails';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';

/** Admin: the clinic's reply emails (`GET /api/v1/emails`, docs/emails.md): each due email and what became of it, no addresses. */
export class Emails {
  constructor(private readonly http: HttpConfig) {}

  /** The latest ones, newest first (50 unless `limit`, at most 200). */
  async list(limit?: number, options?: CallOptions): Promise<EmailNotification[]> {
    return (await request<{ emails: EmailNotification[] }>(this.http, 'GET', `/emails${limit ? `?limit=${limit}` : ''}`, options)).emails;
  }
}
