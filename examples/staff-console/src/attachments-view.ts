import type { MedChatAttachments, Attachment } from '@medchat/sdk/attachments';
import { h } from './dom';
import { errorText } from './format';

/** What the server takes (it checks the bytes; this only narrows the file picker). */
const ACCEPT = 'image/jpeg,image/png,image/webp,image/heic,image/heif,application/pdf';

/** A file's size as people read it: 512 B, 34 KB, 2.4 MB. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

interface Upload {
  file: File;
  clientId: string;
  item: HTMLLIElement;
  progress: HTMLProgressElement;
  status: HTMLElement;
  controller: AbortController;
  attachment?: Attachment;
  failed?: boolean;
}

/**
 * The files going with the next reply: picked with "Attach file", dropped on the composer or pasted. Each uploads
 * at once with a progress bar and can be cancelled; a failed one is retried with the same client id (never stored
 * twice) or removed. The reply goes when every file is up.
 */
export class AttachmentTray {
  readonly button = h('button', { type: 'button', class: 'attach' }, 'Attach file');
  readonly list = h('ul', { class: 'attachment-tray', 'aria-label': 'Files to send', hidden: true });
  private readonly input = h('input', { type: 'file', accept: ACCEPT, multiple: true, hidden: true, 'aria-label': 'Attach files' });
  private readonly uploads: Upload[] = [];

  constructor(
    private readonly files: MedChatAttachments,
    private readonly sessionId: string,
    dropZone: HTMLElement,
    pasteTarget: HTMLElement,
  ) {
    this.button.append(this.input);
    this.button.addEventListener('click', (event) => event.target === this.button && this.input.click());
    this.input.addEventListener('change', () => {
      this.add([...(this.input.files ?? [])]);
      this.input.value = '';
    });
    dropZone.addEventListener('dragover', (event) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      dropZone.classList.add('is-dropping');
    });
    dropZone.addEventListener('dragleave', () => dropZone.classList.remove('is-dropping'));
    dropZone.addEventListener('drop', (event) => {
      dropZone.classList.remove('is-dropping');
      if (!event.dataTransfer?.files.length) return;
      event.preventDefault();
      this.add([...event.dataTransfer.files]);
    });
    pasteTarget.addEventListener('paste', (event) => {
      const pasted = [...(event.clipboardData?.files ?? [])];
      if (!pasted.length) return;
      event.preventDefault();
      this.add(pasted);
    });
  }

  /** Files still uploading (the reply waits for them). */
  get isBusy(): boolean {
    return this.uploads.some((u) => !u.attachment && !u.failed);
  }

  /** Files that failed and were neither retried nor removed. */
  get hasFailed(): boolean {
    return this.uploads.some((u) => u.failed);
  }

  /** What the next reply carries, in the order added. */
  get ready(): Attachment[] {
    return this.uploads.flatMap((u) => (u.attachment ? [u.attachment] : []));
  }

  clear(): void {
    for (const upload of this.uploads.splice(0)) upload.item.remove();
    this.list.hidden = true;
  }

  add(files: File[]): void {
    for (const file of files) {
      const progress = h('progress', { max: 1, value: 0, 'aria-label': `Uploading ${file.name}` });
      const status = h('span', { class: 'attachment-status' }, 'Uploading…');
      const item = h('li', { class: 'attachment-chip' }, h('span', { class: 'attachment-name' }, h('bdi', {}, file.name)), ' ', progress, ' ', status);
      const upload: Upload = { file, clientId: crypto.randomUUID(), item, progress, status, controller: new AbortController() };
      this.uploads.push(upload);
      this.list.append(item);
      this.list.hidden = false;
      void this.start(upload);
    }
  }

  private async start(upload: Upload): Promise<void> {
    const { item, progress, status } = upload;
    upload.failed = false;
    upload.controller = new AbortController();
    const cancel = h('button', { type: 'button', class: 'link' }, 'Cancel');
    cancel.addEventListener('click', () => {
      upload.controller.abort();
      this.remove(upload);
    });
    status.replaceChildren('Uploading… ', cancel);
    progress.hidden = false;
    try {
      upload.attachment = await this.files.upload(this.sessionId, upload.file, {
        clientId: upload.clientId,
        signal: upload.controller.signal,
        onProgress: (share) => (progress.value = share),
      });
      progress.hidden = true;
      const remove = h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${upload.file.name}` }, 'Remove');
      remove.addEventListener('click', () => this.remove(upload));
      status.replaceChildren(`${formatSize(upload.attachment.size)} `, remove);
      item.classList.add('is-ready');
    } catch (error) {
      if (upload.controller.signal.aborted) return;
      upload.failed = true;
      progress.hidden = true;
      const retry = h('button', { type: 'button', class: 'link' }, 'Retry');
      const remove = h('button', { type: 'button', class: 'link' }, 'Remove');
      retry.addEventListener('click', () => void this.start(upload));
      remove.addEventListener('click', () => this.remove(upload));
      status.replaceChildren(h('span', { class: 'error' }, `Not uploaded: ${errorText(error)} `), retry, ' ', remove);
      item.classList.add('is-failed');
    }
  }

  private remove(upload: Upload): void {
    this.uploads.splice(this.uploads.indexOf(upload), 1);
    upload.item.remove();
    this.list.hidden = this.uploads.length === 0;
  }
}

/**
 * A message's files in the log: images as thumbnails that open full size in a new tab, PDFs as a card with a
 * download. Links last minutes, so each click asks for a fresh one.
 */
export function renderAttachments(files: MedChatAttachments, attachments: Attachment[]): HTMLElement {
  return h(
    'ul',
    { class: 'attachments', 'aria-label': 'Attached files' },
    ...attachments.map((a) => {
      const open = h('button', { type: 'button', class: 'attachment-open' });
      if (a.kind === 'image' && a.thumbnail) {
        const img = h('img', { alt: a.name, width: a.width ?? undefined, height: a.height ?? undefined, loading: 'lazy' });
        void files.link(a.id, 'thumbnail').then(
          (link) => (img.src = link.url),
          () => img.replaceWith(h('span', {}, a.name)),
        );
        open.append(img);
        open.setAttribute('aria-label', `Open ${a.name} full size`);
      } else {
        // Its name is its visible words, "Download referral.pdf, 34 KB" (the icon is decoration).
        open.append(
          h('span', { class: 'file-icon', 'aria-hidden': 'true' }, 'PDF'),
          h('span', { class: 'file-label' }, 'Download ', h('bdi', {}, a.name), h('span', { class: 'file-size' }, `, ${formatSize(a.size)}`)),
        );
      }
      open.addEventListener('click', async () => {
        if (a.kind === 'pdf') {
          const link = await files.link(a.id).catch(() => null);
          if (link) h('a', { href: link.url, download: a.name }).click();
          return;
        }
        // The tab is opened within the click (a popup blocker lets it through), then pointed at the fresh link.
        const tab = window.open('', '_blank');
        if (tab) tab.opener = null;
        try {
          const link = await files.link(a.id);
          if (tab) tab.location.href = link.url;
          else window.location.assign(link.url);
        } catch {
          tab?.close();
        }
      });
      return h('li', { class: `attachment attachment-${a.kind}` }, open);
    }),
  );
}
