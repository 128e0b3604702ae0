/**
 * `@medchat/sdk/notes`: what staff use beside the chat — a session's internal notes (staff only, never shown to its
 * patient; colleagues mentioned get `note.mentioned` on their socket) and the clinic's quick replies — on top of a
 * signed-in `MedChat` client. Its own entry, so patient apps and the widget never bundle it.
 *
 *   const extras = new MedChatNotes(client);
 *   await extras.notes.create(sessionId, { body: 'Allergic to penicillin', mentions: [samId] });
 *   client.on('note.mentioned', ({ note }) => toast(note));
 */
import type { MedChat } from './client';
import { Notes, QuickReplies } from './resources/notes';

export class MedChatNotes {
  readonly notes: Notes;
  readonly quickReplies: QuickReplies;

  constructor(client: MedChat) {
    this.notes = new Notes(client.http);
    this.quickReplies = new QuickReplies(client.http);
  }
}

export type { Notes, QuickReplies };
export type { Note, NoteCreateParams, QuickReply, QuickReplyCreateParams, QuickReplyPatchParams } from './protocol/notes';
