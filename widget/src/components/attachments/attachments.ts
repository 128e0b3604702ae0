/**
 * The attachments chunk (dist/medchat-chat-attachments.js): what a patient needs to send and see files, loaded by
 * the conversation once the clinic's public card gives its limits (chat.controller.ts), so the conversation bundle
 * carries none of it. The chat frame's page preloads it (server/src/modules/assets/frame.ts).
 */
import { MedChatAttachments } from '@medchat/sdk/attachments';
import type { ClinicPublic, MedChatPatient } from '@medchat/sdk/patient';
import type { AttachmentKit } from './attachment-kit';
import { AttachmentList } from './attachment-list.component';
import { AttachmentTray } from './attachment-tray.component';

declare global {
  interface HTMLElementTagNameMap {
    'medchat-attachment-tray': AttachmentTray;
    'medchat-attachment-list': AttachmentList;
  }
}

/** Defines the chunk's elements (once: a second widget on the page finds them defined) and wraps the patient's client. */
export function createKit(client: MedChatPatient, clinic: Pick<ClinicPublic, 'attachmentMaxBytes' | 'attachmentsPerMessage'>): AttachmentKit {
  for (const [tag, element] of [
    ['medchat-attachment-tray', AttachmentTray],
    ['medchat-attachment-list', AttachmentList],
  ] as const)
    if (!customElements.get(tag)) customElements.define(tag, element);
  return { files: new MedChatAttachments(client), maxBytes: clinic.attachmentMaxBytes, perMessage: clinic.attachmentsPerMessage };
}
