import type { MedChat, Person } from '@medchat/sdk';
import { MedChatAttachments } from '@medchat/sdk/attachments';
import { MedChatNotes, type QuickReply } from '@medchat/sdk/notes';
import type { Suggestion } from './autocomplete';

/**
 * What every chat's composer shares, loaded once per console: the SDK's notes entry, the clinic's quick replies
 * (for `/`) and the colleagues a note may mention (for `@`).
 */
export class StaffExtras {
  readonly api: MedChatNotes;
  /** Photos and PDFs in the chats: uploads, sends, links. */
  readonly files: MedChatAttachments;
  private replies: Promise<QuickReply[]> | null = null;
  private people: Promise<Person[]> | null = null;

  constructor(client: MedChat) {
    this.api = new MedChatNotes(client);
    this.files = new MedChatAttachments(client);
  }

  /**
   * Quick replies whose shortcut or text holds the query. Read again each time a `/` opens the list, so an admin's
   * changes show without a reload; the letters typed after it filter what was read.
   */
  async quickReplies(query: string): Promise<Suggestion[]> {
    if (query === '') this.replies = null;
    this.replies ??= this.api.quickReplies.list().catch(() => ((this.replies = null), []));
    return (await this.replies)
      .filter((r) => r.shortcut.toLowerCase().includes(query) || r.body.toLowerCase().includes(query))
      .map((r) => ({ id: r.id, label: `/${r.shortcut}`, detail: r.body, insert: r.body }));
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
