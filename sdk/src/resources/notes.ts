import type { Person } from '../protocol/models';
import type { Note, NoteCreateParams, QuickReply, QuickReplyCreateParams, QuickReplyLibrary, QuickReplyPatchParams } from '../protocol/notes';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';
import { sessionPath } from './sessions';

/** Staff: a session's internal notes (never shown to its patient). */
export class Notes {
  constructor(private readonly http: HttpConfig) {}

  /** The session's notes, oldest first (audited as a read). */
  async list(sessionId: string, options?: CallOptions): Promise<Note[]> {
    return (await request<{ notes: Note[] }>(this.http, 'GET', sessionPath(sessionId, '/notes'), options)).notes;
  }

  /** The clinic's active staff by name: whom a note may mention. */
  async colleagues(options?: CallOptions): Promise<Person[]> {
    return (await request<{ colleagues: Person[] }>(this.http, 'GET', '/colleagues', options)).colleagues;
  }

  /** Writes a note; `mentions` (employee ids) each get a `note.mentioned` frame. */
  create(sessionId: string, body: NoteCreateParams, options?: CallOptions): Promise<Note> {
    return request(this.http, 'POST', sessionPath(sessionId, '/notes'), { ...options, body });
  }
}

const QUICK = '/quick-replies';

/** The clinic's quick replies: staff list them; admins also create, change and delete them. */
export class QuickReplies {
  constructor(private readonly http: HttpConfig) {}

  async list(options?: CallOptions): Promise<QuickReply[]> {
    return (await this.library(options)).quickReplies;
  }

  /** The replies with the clinic's name and phone, for filling their variables (`fillQuickReply`). */
  library(options?: CallOptions): Promise<QuickReplyLibrary> {
    return request(this.http, 'GET', QUICK, options);
  }

  /** Admin: a shortcut already taken in the clinic (whatever its case) is a 409 `conflict`. */
  create(body: QuickReplyCreateParams, options?: CallOptions): Promise<QuickReply> {
    return request(this.http, 'POST', QUICK, { ...options, body });
  }

  /** Admin. */
  update(id: string, body: QuickReplyPatchParams, options?: CallOptions): Promise<QuickReply> {
    return request(this.http, 'PATCH', `${QUICK}/${encodeURIComponent(id)}`, { ...options, body });
  }

  /** Admin. */
  remove(id: string, options?: CallOptions): Promise<void> {
    return request(this.http, 'DELETE', `${QUICK}/${encodeURIComponent(id)}`, options);
  }
}
