/**
 * What is stored of an upload. Images are decoded and encoded again (sharp): what is stored is pixels only, without
 * the EXIF, XMP and IPTC metadata a phone writes (GPS position, device, times), turned upright, and a file that is
 * also something else (a polyglot) comes out as a plain image. An image with more pixels than the limit is refused
 * from its header, before it is decoded. PDFs are stored as sent, once checked to be complete PDFs; they are only
 * ever served as downloads.
 */
import sharp from 'sharp';
import { ATTACHMENT_LIMITS } from '@medchat/sdk/protocol';
import { AppError } from '../../lib/errors';
import type { Sniffed } from './sniff';

export interface Processed {
  bytes: Uint8Array;
  contentType: 'image/jpeg' | 'image/png' | 'image/webp' | 'application/pdf';
  width: number | null;
  height: number | null;
  /** A small WebP of an image; null for PDFs. */
  thumbnail: Uint8Array | null;
}

/** HEIC, HEIF and AVIF are stored as JPEG (what every browser shows); PNG keeps its transparency; WebP stays WebP. */
const OUTPUT = { 'image/jpeg': 'jpeg', 'image/heic': 'jpeg', 'image/heif': 'jpeg', 'image/avif': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' } as const;

export async function processUpload(bytes: Uint8Array, sniffed: Sniffed): Promise<Processed> {
  if (sniffed.mime === 'application/pdf') return { bytes: checkedPdf(bytes), contentType: 'application/pdf', width: null, height: null, thumbnail: null };
  const format = OUTPUT[sniffed.mime];
  try {
    const input = sharp(bytes, { limitInputPixels: ATTACHMENT_LIMITS.maxPixels, failOn: 'error' }).rotate();
    const encoded =
      format === 'jpeg' ? input.jpeg({ quality: 85, mozjpeg: true }) : format === 'png' ? input.png({ compressionLevel: 8 }) : input.webp({ quality: 85 });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    const thumbnail = await sharp(data)
      .resize(ATTACHMENT_LIMITS.thumbnailSize, ATTACHMENT_LIMITS.thumbnailSize, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer();
    return { bytes: data, contentType: `image/${format}`, width: info.width, height: info.height, thumbnail };
  } catch (error) {
    throw imageError(error, sniffed);
  }
}

function imageError(error: unknown, sniffed: Sniffed): AppError {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message))
    return new AppError('file_unreadable', { problem: 'too_many_pixels', maxPixels: ATTACHMENT_LIMITS.maxPixels }, 'The image is too large to open.');
  // This build of the image library cannot decode HEVC-coded HEIC (a licensing matter): say so, as for any type it does not take.
  if (sniffed.mime === 'image/heic' || sniffed.mime === 'image/heif')
    return new AppError(
      'unsupported_file_type',
      { detected: sniffed.mime, problem: 'not_decodable_here' },
      'This server cannot open HEIC photos: send it as JPEG.',
    );
  return new AppError('file_unreadable', { problem: 'corrupt_image' });
}

const PDF_HEADER = '%PDF-';
const PDF_END = '%%EOF';

/** A PDF whose header and end marker are both there: a cut-off upload is refused, not stored. */
function checkedPdf(bytes: Uint8Array): Uint8Array {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.byteLength - 1024))).toString('latin1');
  if (!head.startsWith(PDF_HEADER) || !tail.includes(PDF_END)) throw new AppError('file_unreadable', { problem: 'incomplete_pdf' });
  return bytes;
}
