import type { Message, MessagePage } from '../protocol/models';
import type { MessageListParams, MessageSendParams } from '../protocol/requests';
import { request, type HttpConfig } from '../core/http';
import { uuid } from '../core/ids';
import type { CallOptions } from './auth';
import { sessionPath } from './sessions';

/** @deprecated The same type as `MessageListParams`. */
export type ListMessagesQuery = MessageListParams;

export class Messages {
  constructor(private readonly http: HttpConfig) {}

  list(sessionId: string, query: MessageListParams = {}, options?: CallOptions): Promise<MessagePage> {
    return request(this.http, 'GET', sessionPath(sessionId, '/messages'), { ...options, query: { ...query } });
  }

  /**
   * Sends over HTTP. Idempotent: the `clientMsgId` (generated when absent) is reused on every retry, and the
   * server answers a repeat with the message it already stored.
   */
  send(sessionId: string, body: Omit<MessageSendParams, 'clientMsgId'> & Partial<MessageSendParams>, options?: CallOptions): Promise<Message> {
    return request(this.http, 'POST', sessionPath(sessionId, '/messages'), {
      ...options,
      body: { clientMsgId: body.clientMsgId ?? uuid(), body: body.body },
      idempotent: true,
    });
  }
}
