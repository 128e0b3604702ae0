import type { MedChat, Person } from '@medchat/sdk';
import { MedChatAttachments } from '@medchat/sdk/attachments';
import { fillQuickReply, MedChatNotes, type QuickReplyLibrary, type QuickReplyVariable } from '@medchat/sdk/notes';
import type { Suggestion } from './autocomplete';

/**
 * What every chat's composer shares, loaded once per console: the SDK's notes entry, the clinic's quick replies
 * (for `/`) and the colleagues a note may mention (for `@`).
 */
export class StaffExtras {
  readonly api: MedChatNotes;
  /** Photos and PDFs in the chats: uploads, sends, links. */
  readonly files: MedChatAttachments;
  private replies: Promise<QuickReplyLibrary> | null = null;
  private people: Promise<Person[]> | null = null;

  constructor(client: MedChat) {
    this.api = new MedChatNotes(client);
    this.files = new MedChatAttachments(client);
  }

  /**
   * Quick replies whose shortcut or text holds the query. Read again each time a `/` opens the list, so an admin's
   * changes show without a reload; the letters typed after it filter what was read. Each is inserted with its
   * variables filled from `chat` (the patient's and my name) and the clinic's settings; the first one with no
   * value stays as written and is selected, for the nurse to type over.
   */
  async quickReplies(query: string, chat: { patientName: string; employeeName: string }): Promise<Suggestion[]> {
    if (query === '') this.replies = null;
    this.replies ??= this.api.quickReplies.library().catch(() => ((this.replies = null), { quickReplies: [], clinic: { name: '', phone: null } }));
    const { quickReplies, clinic } = await this.replies;
    const values: Record<QuickReplyVariable, string | null> = {
      'patient.name': chat.patientName,
      'employee.name': chat.employeeName,
      'clinic.name': clinic.name,
      'clinic.phone': clinic.phone,
    };
    return quickReplies
      .filter((r) => r.shortcut.toLowerCase().includes(query) || r.body.toLowerCase().includes(query))
      .map((r) => {
        const { text, gap } = fillQuickReply(r.body, values);
        return { id: r.id, label: `/${r.shortcut}`, detail: text, insert: text, select: gap };
      });
  }

  /** Colleagues (not me) whose name holds the query. */
  async colleagues(query: string, meId: string): Promise<Suggestion[]> {
    this.people ??= this.api.notes.colleagues().catch(() => ((this.people = null), []));
    return (await this.people)
      .filter((p) => p.id !== meId && p.displayName.toLowerCase().includes(query))
      .map((p) => ({ id: p.id, label: p.displayName, insert: `@${p.displayName} ` }));
  }

  /** An admin changed the quick replies: read them again on next use. */
  forgetQuickReplies(): void {
    this.replies = null;
  }
}
