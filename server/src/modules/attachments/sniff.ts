/**
 * What a file is, from its bytes alone (file-type reads the magic numbers): the name and the type a client declares
 * are never trusted. Only what a clinic's chat needs is accepted: photos and PDF documents.
 */
import { fileTypeFromBuffer } from 'file-type';
import type { AttachmentKind } from '@medchat/sdk/protocol';
import { AppError } from '../../lib/errors';

export interface Sniffed {
  kind: AttachmentKind;
  /** The detected type: the image formats are re-encoded (./process.ts), so the served type may differ. */
  mime: 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic' | 'image/heif' | 'image/avif' | 'application/pdf';
}

const ACCEPTED: Record<string, Sniffed> = {
  'image/jpeg': { kind: 'image', mime: 'image/jpeg' },
  'image/png': { kind: 'image', mime: 'image/png' },
  'image/webp': { kind: 'image', mime: 'image/webp' },
  'image/heic': { kind: 'image', mime: 'image/heic' },
  'image/heif': { kind: 'image', mime: 'image/heif' },
  'image/avif': { kind: 'image', mime: 'image/avif' },
  'application/pdf': { kind: 'pdf', mime: 'application/pdf' },
};

/** The kind of file `bytes` holds, or 415 `unsupported_file_type` (422 `file_unreadable` for an empty file). */
export async function sniff(bytes: Uint8Array): Promise<Sniffed> {
  if (bytes.byteLength === 0) throw new AppError('file_unreadable', { problem: 'empty' }, 'The file is empty.');
  const detected = await fileTypeFromBuffer(bytes);
  const accepted = detected && ACCEPTED[detected.mime];
  if (!accepted) throw new AppError('unsupported_file_type', { detected: detected?.mime ?? null });
  return accepted;
}
