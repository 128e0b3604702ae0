import { LitElement, html, nothing } from 'lit';
import type { Attachment } from '@medchat/sdk/attachments';
import { isMedChatError } from '@medchat/sdk/patient';
import { emit } from '../../events/events';
import { base } from '../../styles/tokens.styles';
import type { Translation } from '../../translations';
import type { AttachmentKit } from './attachment-kit';
import { attachmentText, formatSize, thumbnailBox } from './attachments.text';
import { list } from './attachments.styles';

/**
 * A message's files (in the attachments chunk): a photo as its thumbnail, which opens full size in a new tab; a PDF
 * as a card that downloads it. Links last five minutes, so each is asked for when needed: a thumbnail's when it is
 * shown (again if it has expired), the original's on each click.
 * @fires medchat-error - `{code, message}` when a file cannot be opened.
 */
export class AttachmentList extends LitElement {
  static override styles = [base, list];
  static override properties = { kit: { attribute: false }, files: { attribute: false }, t: { attribute: false } };

  declare kit: AttachmentKit | null;
  declare files: readonly Attachment[];
  declare t: Translation;
  /** Thumbnail links by attachment id; undefined while asked for. */
  #thumbnails = new Map<string, string | undefined>();

  override render() {
    const { t } = this;
    const s = attachmentText(t);
    return html`<ul aria-label=${s.attached}>
      ${this.files.map((a) => {
        if (a.kind === 'image' && a.thumbnail) {
          const box = thumbnailBox(a.width, a.height);
          return html`<li><button class="thumb" type="button" aria-label=${s.open(a.name)} @click=${() => this.#open(a)}>
            <img alt=${a.name} width=${box.width} height=${box.height} src=${this.#thumbnail(a.id) ?? nothing} @error=${() => this.#expired(a.id)} />
          </button></li>`;
        }
        return html`<li><button class="file" type="button" @click=${() => this.#open(a)}>
          <span class="badge" aria-hidden="true">${a.kind === 'pdf' ? 'PDF' : '•'}</span>
          <span>${s.download} <bdi>${a.name}</bdi>, ${formatSize(a.size, t.locale)}</span>
        </button></li>`;
      })}
    </ul>`;
  }

  /** The thumbnail's link, asked for once (the image shows its name until it is there). */
  #thumbnail(id: string): string | undefined {
    if (!this.kit || this.#thumbnails.has(id)) return this.#thumbnails.get(id);
    this.#thumbnails.set(id, undefined);
    this.kit.files.link(id, 'thumbnail').then(
      (link) => (this.#thumbnails.set(id, link.url), this.requestUpdate()),
      // The name stays in its place (the image's alt); the next render asks again.
      () => this.#thumbnails.delete(id),
    );
    return undefined;
  }

  /** A link that no longer works (shown again after five minutes): ask for a new one, once per failure. */
  #expired(id: string) {
    if (!this.#thumbnails.get(id)) return;
    this.#thumbnails.delete(id);
    this.requestUpdate();
  }

  /**
   * Photos open full size in a new tab: the tab is opened within the click, so no popup blocker stops it, then sent to
   * the fresh link. PDFs download (the server sends them as attachments, never to show).
   */
  async #open(a: Attachment) {
    const tab = a.kind === 'image' ? open('', '_blank') : null;
    if (tab) tab.opener = null;
    try {
      const { url } = await this.kit!.files.link(a.id);
      if (tab) tab.location.href = url;
      else Object.assign(document.createElement('a'), { href: url, download: a.name }).click();
    } catch (e) {
      tab?.close();
      emit(this, 'medchat-error', { code: isMedChatError(e) ? e.code : 'internal_error', message: String(e) });
    }
  }
}
