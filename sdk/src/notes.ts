/**
 * `@medchat/sdk/notes`: what staff use beside the chat — a session's internal notes (staff only, never shown to its
 * patient; colleagues mentioned get `note.mentioned` on their socket) and the clinic's quick replies — on top of a
 * signed-in `MedChat` client. Its own entry, so patient apps and the widget never bundle it.
 *
 *   const extras = new MedChatNotes(client);
 *   await extras.notes.create(sessionId, { body: 'Allergic to penicillin', mentions: [samId] });
 *   client.on('note.mentioned', ({ note }) => toast(note));
 *   const { quickReplies, clinic } = await extras.quickReplies.library();
 *   fillQuickReply(quickReplies[0].body, { 'patient.name': 'Ana', 'clinic.name': clinic.name, 'clinic.phone': clinic.phone });
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

export { fillQuickReply, type FilledQuickReply } from './resources/quick-reply-fill';
export type { Notes, QuickReplies };
export type {
  Note,
  NoteCreateParams,
  QuickReply,
  QuickReplyClinic,
  QuickReplyCreateParams,
  QuickReplyLibrary,
  QuickReplyPatchParams,
  QuickReplyVariable,
} from './protocol/notes';
