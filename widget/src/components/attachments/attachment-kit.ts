import type { MedChatAttachments } from '@medchat/sdk/attachments';

/**
 * What the attachments chunk hands the conversation once loaded (attachments.ts#createKit): the SDK's uploads and
 * links on the patient's client, and the clinic's limits from its public card. The conversation imports this type
 * only, so none of the chunk's code lands in its bundle.
 */
export interface AttachmentKit {
  files: MedChatAttachments;
  /** Largest file, in bytes. */
  maxBytes: number;
  /** Most files one message carries. */
  perMessage: number;
}
