import type { QueueEntry } from '../protocol/models';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';

export class Queue {
  constructor(private readonly http: HttpConfig) {}

  /** Staff: the clinic's waiting patients in the order they will be served. Refetch on `queue.changed`. */
  async list(options?: CallOptions): Promise<QueueEntry[]> {
    return (await request<{ waiting: QueueEntry[] }>(this.http, 'GET', '/queue', options)).waiting;
  }
}
