/**
 * Attachments: photos and PDFs in a chat. A file is uploaded first (`POST /sessions/:id/attachments`, the raw
 * bytes), checked by its content and, for images, re-encoded without metadata; it then goes out with a message
 * (`attachmentIds` in the send). An attachment no message refers to is deleted after a while.
 */
import { type Static, Type } from '@sinclair/typebox';

export const ATTACHMENT_LIMITS = {
  /** Default largest file, in bytes; a clinic may set less or more (up to `maxBytesCeiling`). */
  maxBytes: 10 * 1024 * 1024,
  maxBytesCeiling: 25 * 1024 * 1024,
  /** Default, and most, files one message carries. */
  perMessage: 5,
  perMessageCeiling: 10,
  /** A file name as shown (the stored one is cleaned). */
  name: 200,
  /** Images larger than this many pixels are refused before they are decoded in full (decompression bombs). */
  maxPixels: 50_000_000,
  /** The longest side of a thumbnail, in pixels. */
  thumbnailSize: 320,
  /** Minutes an uploaded file waits for a message to refer to it before it is deleted. */
  unclaimedMinutes: 24 * 60,
  /** Seconds a download link works. */
  linkSeconds: 300,
} as const;

/** What a file is, decided from its bytes: never from its name or the type the sender declared. */
export const AttachmentKind = Type.Union([Type.Literal('image'), Type.Literal('pdf')]);
export type AttachmentKind = Static<typeof AttachmentKind>;

/** An attachment as a message carries it. */
export const Attachment = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: AttachmentKind,
  /** The type it is served with: `image/jpeg`, `image/png`, `image/webp` or `application/pdf`. */
  contentType: Type.String(),
  /** The sender's file name, cleaned (for display and downloads). */
  name: Type.String(),
  /** Bytes, as stored (after re-encoding). */
  size: Type.Integer({ minimum: 1 }),
  /** Pixels, for images; null for PDFs. */
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  /** An image has a thumbnail (`variant=thumbnail`). */
  thumbnail: Type.Boolean(),
});
export type Attachment = Static<typeof Attachment>;

/** Query of the upload: the idempotency key and the file's name. */
export const AttachmentUploadParams = Type.Object({
  /** The client's id for this upload: the same id again returns the same attachment, never a second copy. */
  clientId: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ minLength: 1, maxLength: ATTACHMENT_LIMITS.name }),
});
export type AttachmentUploadParams = Static<typeof AttachmentUploadParams>;

export const AttachmentVariant = Type.Union([Type.Literal('original'), Type.Literal('thumbnail')]);
export type AttachmentVariant = Static<typeof AttachmentVariant>;

/** The query of a link's download (`GET /attachments/:id/content`), as `GET /attachments/:id/link` wrote it. */
export const AttachmentLinkQuery = Type.Object({
  variant: AttachmentVariant,
  user: Type.String({ format: 'uuid' }),
  /** Unix seconds. */
  expires: Type.Integer({ minimum: 0 }),
  signature: Type.String({ maxLength: 64 }),
});
export type AttachmentLinkQuery = Static<typeof AttachmentLinkQuery>;

/** A short-lived link to the file, for an `<img src>` or a download: no token in a header needed. */
export const AttachmentLink = Type.Object({
  url: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
});
export type AttachmentLink = Static<typeof AttachmentLink>;
