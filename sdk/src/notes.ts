/**
 * `@medchat/sdk/notes`: what staff use beside the chat — a session's internal notes (staff only, never shown to its
 * patient; colleagues mentioned get `note.mentioned` on their socket) and the clinic's quick replies — on top of a
 * signed-in `MedChat` client. Its own entry, so patient apps and the widget never bundle it.
 *
 *   const extras = new MedChatNotes(client);
 *   await extras.notes.create(sessionId, { body: 'Allergic to penicillin', mentions: [samId] });
 *   client.on('note.mentioned', ({ note }) => toast(note));
 *   extras.view(sessionId); // colleagues see who has the chat open
 *   client.on('session.viewers', ({ sessionId, viewers }) => show(viewers));
 *   const { quickReplies, clinic } = await extras.quickReplies.library();
 *   fillQuickReply(quickReplies[0].body, { 'patient.name': 'Ana', 'clinic.name': clinic.name, 'clinic.phone': clinic.phone });
 */
import type { MedChat } from './client';
import { Notes, QuickReplies } from './resources/notes';

export class MedChatNotes {
  readonly notes: Notes;
  readonly quickReplies: QuickReplies;
  private viewed: string | null = null;

  constructor(private readonly client: MedChat) {
    this.notes = new Notes(client.http);
    this.quickReplies = new QuickReplies(client.http);
    // The server forgets what a closed socket showed: said again on every new one.
    client.on('state', ({ state }) => state === 'open' && this.viewed && this.frame('viewing.start', this.viewed));
  }

  /**
   * This console shows the session now (one at a time): colleagues following or viewing it get `session.viewers`,
   * as does this client, for as long as it views it.
   */
  view(sessionId: string): void {
    if (this.viewed !== sessionId) this.frame('viewing.start', (this.viewed = sessionId));
  }

  /** It stopped showing the session (nothing happens if it shows another one now). */
  unview(sessionId: string): void {
    if (this.viewed === sessionId) this.frame('viewing.stop', sessionId), (this.viewed = null);
  }

  private frame(type: 'viewing.start' | 'viewing.stop', sessionId: string): void {
    this.client.socket.send({ type, sessionId });
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
