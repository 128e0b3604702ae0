import { LitElement, html, nothing, svg } from 'lit';
import type { Attachment } from '@medchat/sdk/attachments';
import { isMedChatError } from '@medchat/sdk/patient';
import { emit } from '../../events/events';
import { base } from '../../styles/tokens.styles';
import type { Translation } from '../../translations';
import type { AttachmentKit } from './attachment-kit';
import { ACCEPT, attachmentText, fileErrorText, formatSize, refusal } from './attachments.text';
import { tray } from './attachments.styles';

const CLIP = svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5 8.6 14.4a1.8 1.8 0 0 0 2.5 2.5l8-8a3.6 3.6 0 0 0-5.1-5.1l-8 8a5.4 5.4 0 0 0 7.6 7.6l7.2-7.2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`;
const CAMERA = svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 7h3l2-3h6l2 3h3a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1Z" fill="none" stroke="currentColor" stroke-width="2"/><circle cx="12" cy="13" r="4" fill="none" stroke="currentColor" stroke-width="2"/></svg>`;

interface Upload {
  file: File;
  /** The upload's idempotency key, the same on every retry: a file is stored once however often it is retried. */
  clientId: string;
  share: number;
  attachment?: Attachment;
  /** Why it is not up: an error code. */
  error?: string;
  /** A retry may work (the connection dropped); otherwise only Remove. */
  canRetry?: boolean;
  /** The largest file the server said it takes, when it refused this one (the clinic may have changed it since the card). */
  maxBytes?: number;
  abort?: AbortController;
}

/** A message with files, taken from the composer, until the server stored it. */
interface Outgoing {
  body: string;
  clientMsgId: string;
  uploads: Upload[];
  failed?: boolean;
}

const codeOf = (e: unknown) => (isMedChatError(e) ? e.code : 'internal_error');

/**
 * The composer's files (in the attachments chunk): "Attach a file" (and, on touch screens, "Take a photo" with the
 * camera), files dropped on the chat or pasted into the message box. Each file uploads at once with a progress bar
 * and Cancel; a too-large or unsupported one is refused with the reason, a failed one can be retried with the same
 * client id (never stored twice) or removed. Send takes the files with the text as one message, once all are up.
 * Its host is `display: contents`, so the buttons and the list sit in the composer's own row.
 * @fires medchat-error - `{code, message}` when a file is refused or an upload or send fails.
 */
export class AttachmentTray extends LitElement {
  static override styles = [base, tray];
  static override properties = { kit: { attribute: false }, session: { attribute: false }, t: { attribute: false } };

  declare kit: AttachmentKit;
  declare session: string;
  declare t: Translation;
  #uploads: Upload[] = [];
  #outgoing: Outgoing | null = null;
  #notice = '';
  #zone: HTMLElement | null = null;

  /** Files are waiting to go with the next message (the composer then hands the text here). */
  get hasFiles(): boolean {
    return this.#uploads.length > 0;
  }

  /** Adds files to the next message, up to the clinic's limits; each starts uploading. */
  add(files: Iterable<File>): void {
    this.#notice = '';
    for (const file of files) {
      if (this.#uploads.filter((u) => !u.error || u.canRetry).length >= this.kit.perMessage) {
        this.#notice = attachmentText(this.t).tooMany(this.kit.perMessage);
        break;
      }
      const upload: Upload = { file, clientId: crypto.randomUUID(), share: 0 };
      this.#uploads.push(upload);
      const refused = refusal(file, this.kit.maxBytes);
      if (refused) this.#fail(upload, refused, false);
      else void this.#upload(upload);
    }
    this.requestUpdate();
  }

  /**
   * Takes the text and the files as one message: false (and the patient is told why) while a file is uploading or
   * failed. A send that fails stays here, "Not sent" with Retry, under the same message id.
   */
  send(body: string): boolean {
    if (this.#outgoing || this.#uploads.some((u) => !u.attachment)) {
      this.#notice = attachmentText(this.t).wait;
      this.requestUpdate();
      return false;
    }
    this.#outgoing = { body, clientMsgId: crypto.randomUUID(), uploads: this.#uploads };
    this.#uploads = [];
    this.#notice = '';
    void this.#deliver(this.#outgoing);
    return true;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Files dropped anywhere on the chat (the composer's parent: the log and the composer), pasted in the composer.
    const composer = (this.getRootNode() as ShadowRoot).host as HTMLElement;
    this.#zone = composer.parentElement ?? composer;
    for (const type of ['dragover', 'dragleave', 'drop']) this.#zone.addEventListener(type, this.#onDrag);
    composer.addEventListener('paste', this.#onPaste);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const type of ['dragover', 'dragleave', 'drop']) this.#zone?.removeEventListener(type, this.#onDrag);
    ((this.getRootNode() as ShadowRoot).host as HTMLElement | undefined)?.removeEventListener('paste', this.#onPaste);
    for (const upload of this.#uploads) upload.abort?.abort();
  }

  override render() {
    const { t } = this;
    const s = attachmentText(t);
    const outgoing = this.#outgoing;
    return html`
      <button id="attach" class="icon secondary" type="button" aria-label=${s.attach} title=${s.attach} @click=${() => this.#pick('#files')}>${CLIP}</button>
      <input id="files" type="file" accept=${ACCEPT} multiple hidden @change=${this.#onPicked} />
      <button class="icon secondary camera" type="button" aria-label=${s.camera} title=${s.camera} @click=${() => this.#pick('#camera')}>${CAMERA}</button>
      <input id="camera" type="file" accept="image/*" capture="environment" hidden @change=${this.#onPicked} />
      <div class="tray" aria-live="polite">
        ${
          outgoing
            ? html`<p class="outgoing">${outgoing.uploads.map((u) => html`<bdi>${u.file.name}</bdi> `)}
              ${outgoing.failed ? html`<span class="error">${t.statusFailed}</span> <button class="link" type="button" @click=${() => this.#deliver(outgoing)}>${t.retry}</button>` : t.statusSending}</p>`
            : nothing
        }
        ${this.#uploads.length ? html`<ul aria-label=${s.toSend}>${this.#uploads.map((u) => this.#renderUpload(u))}</ul>` : nothing}
        ${this.#notice ? html`<p class="error">${this.#notice}</p>` : nothing}
      </div>
    `;
  }

  #renderUpload(u: Upload) {
    const { t } = this;
    const s = attachmentText(t);
    const name = u.file.name;
    const isUploading = !u.attachment && !u.error;
    return html`<li class=${u.error ? 'failed' : ''}>
      <bdi class="name">${name}</bdi>
      ${isUploading ? html`<progress max="1" .value=${u.share} aria-label=${s.uploading(name)}></progress>` : nothing}
      ${u.attachment ? html`<span class="size">${formatSize(u.attachment.size, t.locale)}</span>` : nothing}
      ${u.error ? html`<span class="error">${fileErrorText(u.error, t, u.maxBytes ?? this.kit.maxBytes)}</span>` : nothing}
      ${u.canRetry ? html`<button class="link" type="button" @click=${() => this.#upload(u)}>${t.retry}</button>` : nothing}
      ${
        isUploading
          ? html`<button class="link" type="button" @click=${() => this.#remove(u)}>${s.cancel}</button>`
          : html`<button class="link" type="button" aria-label=${s.remove(name)} @click=${() => this.#remove(u)}>×</button>`
      }
    </li>`;
  }

  #pick(input: string) {
    this.renderRoot.querySelector<HTMLInputElement>(input)!.click();
  }

  #onPicked(e: Event) {
    const input = e.target as HTMLInputElement;
    this.add([...(input.files ?? [])]);
    input.value = '';
  }

  #onDrag = (e: Event) => {
    const drag = e as DragEvent;
    if (!drag.dataTransfer?.types.includes('Files')) return;
    const isOver = e.type === 'dragover';
    this.#zone!.style.outline = isOver ? '2px dashed var(--medchat-color-primary)' : '';
    this.#zone!.style.outlineOffset = '-4px';
    if (e.type === 'dragleave') return;
    e.preventDefault();
    if (e.type === 'drop') this.add(drag.dataTransfer.files);
  };

  #onPaste = (e: Event) => {
    const files = (e as ClipboardEvent).clipboardData?.files;
    if (!files?.length) return;
    e.preventDefault();
    this.add(files);
  };

  async #upload(u: Upload) {
    const abort = (u.abort = new AbortController());
    u.error = undefined;
    u.canRetry = false;
    u.share = 0;
    this.requestUpdate();
    try {
      u.attachment = await this.kit.files.upload(this.session, u.file, {
        clientId: u.clientId,
        signal: abort.signal,
        onProgress: (share) => ((u.share = share), this.requestUpdate()),
      });
    } catch (e) {
      if (!abort.signal.aborted) this.#fail(u, codeOf(e), isMedChatError(e) && e.retryable, e);
    }
    this.requestUpdate();
  }

  async #deliver(outgoing: Outgoing) {
    outgoing.failed = false;
    this.requestUpdate();
    try {
      const attachments = outgoing.uploads.map((u) => u.attachment!);
      await this.kit.files.send(this.session, { body: outgoing.body, attachments, clientMsgId: outgoing.clientMsgId });
      this.#outgoing = null;
    } catch (e) {
      outgoing.failed = true;
      emit(this, 'medchat-error', { code: codeOf(e), message: e instanceof Error ? e.message : String(e) });
    }
    this.requestUpdate();
  }

  #fail(u: Upload, code: string, canRetry: boolean, cause?: unknown) {
    u.error = code;
    u.canRetry = canRetry;
    u.maxBytes = isMedChatError(cause) ? (cause.details as { maxBytes?: number } | undefined)?.maxBytes : undefined;
    emit(this, 'medchat-error', { code, message: cause instanceof Error ? cause.message : fileErrorText(code, this.t, this.kit.maxBytes) });
  }

  /** Takes a file out; focus, which was on its button, goes to "Attach a file" rather than the page. */
  async #remove(u: Upload) {
    u.abort?.abort();
    this.#uploads = this.#uploads.filter((x) => x !== u);
    this.#notice = '';
    this.requestUpdate();
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#attach')?.focus();
  }
}
