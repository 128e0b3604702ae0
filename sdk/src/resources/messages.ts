import type { Message, MessagePage } from '../protocol/models';
import { request, type HttpConfig } from '../core/http';
import { uuid } from '../core/ids';
import type { CallOptions } from './auth';
import { sessionPath } from './sessions';

export interface ListMessagesQuery {
  /** Messages with seq greater than this. */
  after?: number;
  /** Messages with seq less than this. */
  before?: number;
  /** 1..200; the server's default is 50. */
  limit?: number;
}

export class Messages {
  constructor(private readonly http: HttpConfig) {}

  list(sessionId: string, query: ListMessagesQuery = {}, options?: CallOptions): Promise<MessagePage> {
    return request(this.http, 'GET', sessionPath(sessionId, '/messages'), { ...options, query: { ...query } });
  }

  /**
   * Sends over HTTP. Idempotent: the `clientMsgId` (generated when absent) is reused on every retry, and the
   * server answers a repeat with the message it already stored.
   */
  send(sessionId: string, body: { body: string; clientMsgId?: string }, options?: CallOptions): Promise<Message> {
    return request(this.http, 'POST', sessionPath(sessionId, '/messages'), {
      ...options,
      body: { clientMsgId: body.clientMsgId ?? uuid(), body: body.body },
      idempotent: true,
    });
  }
}
