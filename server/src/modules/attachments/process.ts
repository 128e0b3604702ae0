/**
 * What is stored of an upload. Images are decoded and encoded again (sharp): what is stored is pixels only, without
 * the EXIF, XMP and IPTC metadata a phone writes (GPS position, device, times), turned upright, and a file that is
 * also something else (a polyglot) comes out as a plain image. An image with more pixels than the limit is refused
 * from its header, before it is decoded. PDFs are stored as sent, once checked to be complete PDFs; they are only
 * ever served as downloads.
 *
 * The input is the spooled file (./spool.ts), which libvips reads itself. Memory: the caller runs this in one of a
 * few slots (`AppContext.uploadSlots`); libvips' operation cache is off (an upload's image is never decoded twice, and
 * the cache would keep up to 50 MB of pixels per process); the encoders use their plain settings (mozjpeg's trellis
 * and progressive scans held the whole image's coefficients and took several times longer).
 */
import { open } from 'node:fs/promises';
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
sharp.cache(false);

const OUTPUT = { 'image/jpeg': 'jpeg', 'image/heic': 'jpeg', 'image/heif': 'jpeg', 'image/avif': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' } as const;

/** What to store of the upload spooled at `file`, whose type `sniffed` is. */
export async function processUpload(file: string, sniffed: Sniffed): Promise<Processed> {
  if (sniffed.mime === 'application/pdf') return { bytes: await checkedPdf(file), contentType: 'application/pdf', width: null, height: null, thumbnail: null };
  const format = OUTPUT[sniffed.mime];
  const source = () => sharp(file, { limitInputPixels: ATTACHMENT_LIMITS.maxPixels, failOn: 'error' }).rotate();
  try {
    const input = source();
    const encoded = format === 'jpeg' ? input.jpeg({ quality: 85 }) : format === 'png' ? input.png() : input.webp({ quality: 85 });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    // From the file again rather than from `data`: a JPEG is then shrunk while it is decoded, never held at full size.
    const thumbnail = await source()
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
async function checkedPdf(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const read = async (position: number) => {
      const buffer = Buffer.alloc(Math.min(1024, size));
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position);
      return buffer.subarray(0, bytesRead).toString('latin1');
    };
    const [head, tail] = [await read(0), await read(Math.max(0, size - 1024))];
    if (!head.startsWith(PDF_HEADER) || !tail.includes(PDF_END)) throw new AppError('file_unreadable', { problem: 'incomplete_pdf' });
  } finally {
    await handle.close();
  }
  return Bun.file(file).bytes();
}
