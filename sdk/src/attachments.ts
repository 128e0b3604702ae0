/**
 * `@medchat/sdk/attachments`: photos and PDFs in a chat, on top of a signed-in `MedChat` client. Upload a file
 * (with progress in browsers, cancel with a signal, and retries that never store it twice), send it with a
 * message, and get short-lived links to show or download what was sent. Its own entry, so pages that send only
 * text do not bundle it.
 *
 *   const files = new MedChatAttachments(client);
 *   const photo = await files.upload(sessionId, file, { onProgress: (share) => bar.value = share });
 *   await files.send(sessionId, { body: 'Here is the rash', attachments: [photo] });
 *   img.src = (await files.link(photo.id, 'thumbnail')).url;
 */
import type { MedChatPatient } from './client';
import { backoff } from './core/backoff';
import { AbortError, ConnectionError, errorFromResponse, type MedChatError } from './core/errors';
import { request, sleep, type HttpConfig } from './core/http';
import { uuid } from './core/ids';
import type { Attachment, AttachmentLink, AttachmentVariant } from './protocol/attachments';
import type { Message } from './protocol/models';

export interface UploadOptions {
  /** The name shown to the other side; defaults to the File's own name. */
  name?: string;
  /** The upload's idempotency key: pass the same one to retry an upload that failed (default: a new one). */
  clientId?: string;
  /** Called with the share sent so far, from 0 to 1 (in browsers as it goes; elsewhere once, at the end). */
  onProgress?: (share: number) => void;
  signal?: AbortSignal;
}

export class MedChatAttachments {
  private readonly http: HttpConfig;

  constructor(client: MedChatPatient) {
    this.http = client.http;
  }

  /**
   * Uploads one file into a session (the server reads its type from its bytes, and re-encodes images without
   * their metadata). Connection failures are retried with the same client id, so a file is stored once.
   */
  async upload(sessionId: string, file: Blob, options: UploadOptions = {}): Promise<Attachment> {
    const { clientId = uuid(), signal, onProgress } = options;
    const name = options.name ?? (file as File).name ?? 'file';
    const url = `${this.http.baseUrl}/sessions/${encodeURIComponent(sessionId)}/attachments?${new URLSearchParams({ clientId, name })}`;
    for (let attempt = 0; ; attempt++) {
      try {
        const { status, body } = await put(url, file, this.http.token(), onProgress, signal);
        if (status < 300) {
          onProgress?.(1);
          return body as Attachment;
        }
        throw errorFromResponse(status, body);
      } catch (e) {
        const error = e as MedChatError;
        if (!error.retryable || attempt >= this.http.retry.maxRetries) throw error;
        await sleep(backoff(attempt, this.http.retry), signal);
      }
    }
  }

  /** Sends a message carrying these uploads (and text, or none). Safe to repeat with the same `clientMsgId`. */
  send(sessionId: string, message: { body?: string; attachments: Attachment[]; clientMsgId?: string }): Promise<Message> {
    const body = { clientMsgId: message.clientMsgId ?? uuid(), body: message.body ?? '', attachmentIds: message.attachments.map((a) => a.id) };
    return request(this.http, 'POST', `/sessions/${encodeURIComponent(sessionId)}/messages`, { body, idempotent: true });
  }

  /** A link to a file (or its thumbnail) that works for five minutes, for an `<img src>` or a download. */
  async link(attachmentId: string, variant: AttachmentVariant = 'original'): Promise<AttachmentLink> {
    const link = await request<AttachmentLink>(this.http, 'GET', `/attachments/${encodeURIComponent(attachmentId)}/link`, { query: { variant } });
    return { ...link, url: new URL(link.url, this.http.baseUrl).href };
  }
}

/** One upload: XMLHttpRequest where there is one (it reports progress), fetch elsewhere. */
function put(url: string, file: Blob, token: string | undefined, onProgress?: (share: number) => void, signal?: AbortSignal) {
  if (signal?.aborted) return Promise.reject(new AbortError());
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (typeof XMLHttpRequest === 'undefined')
    return fetch(url, { method: 'POST', headers, body: file, signal }).then(
      async (res) => ({ status: res.status, body: await res.json().catch(() => {}) }),
      () => Promise.reject(signal?.aborted ? new AbortError() : new ConnectionError()),
    );
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    for (const [key, value] of Object.entries(headers)) xhr.setRequestHeader(key, value);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
    xhr.responseType = 'json';
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.response });
    xhr.onerror = () => reject(new ConnectionError());
    xhr.onabort = () => reject(new AbortError());
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

export type { Attachment, AttachmentLink, AttachmentVariant } from './protocol/attachments';
