/**
 * The messages between a clinic's page and the chat frame (`postMessage`), when `<medchat-widget>` isolates the
 * conversation in a frame served by the MedChat server (the default). Versioned: each message carries `medchat:
 * EMBED_VERSION`, and a side ignores any message of another version or shape. Both sides check the sender exactly:
 * the page takes messages only from its own frame's window on the server's origin, the frame only from its parent
 * on one of the clinic's allowed origins, and each posts to the other's exact origin, never to `*`.
 *
 * Nothing a patient or staff member wrote, and no token, goes from the frame to the page: the frame tells the page
 * only that something happened (ready, a message of some kind, the chat ended, an error code), how tall it wants to
 * be and how many messages are unread. The page hands the frame what it owns: theme, language, the clinic's identity
 * token for a signed-in patient, and a resume link's token from the page's address.
 */

/** The protocol's version; a message of any other version is ignored. */
export const EMBED_VERSION = 1;

/** The `medchat-*` custom properties and attributes the page's element passes on to the frame. */
export interface EmbedTheme {
  /** `light`, `dark` or `auto` (null: the default). */
  theme: string | null;
  /** `--medchat-*` custom properties set on the element, by name (`--medchat-color-primary` → `#00695c`). */
  tokens: Record<string, string>;
  /** The panel heading (`label`), empty for the default. */
  label: string;
}

/** Page → frame. */
export type PageToFrame =
  | ({
      type: 'init';
      /** The panel is open now. */
      open: boolean;
      locale: string | null;
      /** The clinic's signed identity token (`identity-token`), when the page has one. */
      identityToken: string | null;
      /** The `medchat_resume` token of the page's address (an emailed resume link), when there is one. */
      resume: string | null;
    } & EmbedTheme)
  | { type: 'open' }
  | { type: 'close' }
  | ({ type: 'theme' } & EmbedTheme)
  | { type: 'locale'; locale: string | null }
  | { type: 'identity'; identityToken: string | null };

/** The kind of a message that appeared, all the page learns of it. */
export type EmbedMessageKind = 'own' | 'staff' | 'system';

/** Frame → page. */
export type FrameToPage =
  /**
   * The clinic is loaded (`resumed`: an open chat was picked up again). `brand`: the clinic's brand colour and the
   * text colour picked for it, for the page's launcher.
   */
  | { type: 'ready'; clinic: { id: string; name: string }; resumed: boolean; brand: { color: string; onColor: string } | null }
  /** The patient closed the panel from inside the frame (× or Escape). */
  | { type: 'close' }
  /** The height the panel's content wants, in CSS pixels (the page caps it). */
  | { type: 'size'; height: number }
  /** Messages the patient has not seen while the panel was closed. */
  | { type: 'unread'; count: number }
  | { type: 'message'; kind: EmbedMessageKind }
  | { type: 'session-ended' }
  | { type: 'error'; code: string; message: string };

export type EmbedMessage<M extends PageToFrame | FrameToPage> = M & { medchat: typeof EMBED_VERSION };

export type PageToFrameType = PageToFrame['type'];
export type FrameToPageType = FrameToPage['type'];

/** Whether `data` is a message of this protocol's version naming one of `types` (its other fields are the sender's). */
export function isEmbedMessage<M extends PageToFrame | FrameToPage>(data: unknown, types: readonly M['type'][]): data is EmbedMessage<M> {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as { medchat?: unknown; type?: unknown };
  return m.medchat === EMBED_VERSION && typeof m.type === 'string' && (types as readonly string[]).includes(m.type);
}

export const PAGE_TO_FRAME_TYPES: readonly PageToFrameType[] = ['init', 'open', 'close', 'theme', 'locale', 'identity'];
export const FRAME_TO_PAGE_TYPES: readonly FrameToPageType[] = ['ready', 'close', 'size', 'unread', 'message', 'session-ended', 'error'];

/** The frame's path on the MedChat server (`?site=<key>`). */
export const EMBED_FRAME_PATH = '/widget/frame';
