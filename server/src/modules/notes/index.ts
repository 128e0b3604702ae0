import { Elysia, t } from 'elysia';
import { NOTE_LIMITS, Note, NoteCreateParams, Person } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { storedBodyText } from '../../lib/text';
import { authPlugin } from '../auth/plugin';
import { errors } from '../openapi/responses';
import { createNote, listColleagues, listNotes } from './service';

const params = t.Object({ id: t.String({ format: 'uuid' }) });

export const notesModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1', tags: ['notes'] })
    .use(authPlugin(ctx))
    .get('/colleagues', async ({ actor }) => ({ colleagues: await listColleagues(ctx, actor) }), {
      auth: ['employee', 'admin'],
      response: { 200: t.Object({ colleagues: t.Array(Person) }) },
      detail: { summary: 'The clinic’s active staff by name, whom an internal note may mention (staff)', responses: errors() },
    })
    .get('/sessions/:id/notes', async ({ actor, params, ip }) => ({ notes: await listNotes(ctx, actor, params.id, ip) }), {
      auth: ['employee', 'admin'],
      params,
      response: { 200: t.Object({ notes: t.Array(Note) }) },
      detail: {
        summary:
          'The session’s internal notes, oldest first (staff who may read the session, and colleagues a note mentions; never patients); audited as notes.read',
        responses: errors('session_not_found'),
      },
    })
    .post(
      '/sessions/:id/notes',
      async ({ actor, params, body, ip, set }) => {
        set.status = 201;
        return createNote(ctx, actor, params.id, body, ip);
      },
      {
        auth: ['employee', 'admin'],
        params,
        transform: storedBodyText(NOTE_LIMITS.noteBody),
        body: NoteCreateParams,
        response: { 201: Note },
        detail: {
          summary:
            'Write an internal note in a session (staff who may read it): never shown to the patient; the colleagues it mentions get note.mentioned, 400 when one is not staff of the clinic',
          responses: errors('session_not_found', 'message_too_long'),
        },
      },
    );
