import type { Translation } from '../../translations';

/**
 * The attachments' words, in the chunk with them (English readers do not carry them in the conversation bundle).
 * One entry per shipped language: a missing key, or a missing language (attachments.test.ts), fails.
 */
export interface AttachmentText {
  attach: string;
  camera: string;
  /** The list of files going with the next message. */
  toSend: string;
  /** The list of a message's files. */
  attached: string;
  uploading: (name: string) => string;
  cancel: string;
  remove: (name: string) => string;
  open: (name: string) => string;
  download: string;
  /** Send pressed while a file is still uploading, or one failed. */
  wait: string;
  tooMany: (n: number) => string;
  tooLarge: (max: string) => string;
  wrongType: string;
  unreadable: string;
}

const TEXT: Record<'en' | 'es', AttachmentText> = {
  en: {
    attach: 'Attach a file',
    camera: 'Take a photo',
    toSend: 'Files to send',
    attached: 'Attached files',
    uploading: (name) => `Uploading ${name}`,
    cancel: 'Cancel',
    remove: (name) => `Remove ${name}`,
    open: (name) => `Open ${name} full size`,
    download: 'Download',
    wait: 'Wait until every file is uploaded, or remove the ones that failed.',
    tooMany: (n) => `You can send up to ${n} files in one message.`,
    tooLarge: (max) => `Too large: files can be up to ${max}.`,
    wrongType: 'Only photos (JPEG, PNG, HEIC, WebP) and PDF documents can be sent.',
    unreadable: 'This file could not be read. It may be damaged.',
  },
  es: {
    attach: 'Adjuntar un archivo',
    camera: 'Hacer una foto',
    toSend: 'Archivos para enviar',
    attached: 'Archivos adjuntos',
    uploading: (name) => `Subiendo ${name}`,
    cancel: 'Cancelar',
    remove: (name) => `Quitar ${name}`,
    open: (name) => `Abrir ${name} a tamaño completo`,
    download: 'Descargar',
    wait: 'Espere a que se suban todos los archivos, o quite los que fallaron.',
    tooMany: (n) => `Puede enviar hasta ${n} archivos en un mensaje.`,
    tooLarge: (max) => `Demasiado grande: los archivos pueden tener hasta ${max}.`,
    wrongType: 'Solo se pueden enviar fotos (JPEG, PNG, HEIC, WebP) y documentos PDF.',
    unreadable: 'No se pudo leer este archivo. Puede estar dañado.',
  },
};

/** The attachments' words in the conversation's language (English for one without them). */
export const attachmentText = (t: Translation): AttachmentText => TEXT[t.locale.split('-')[0] as 'en'] ?? TEXT.en;

/** A file's size as people read it, in the reader's locale: 512 B, 34 KB, 2.4 MB. */
export function formatSize(bytes: number, locale: string): string {
  const [value, unit] = bytes < 1024 ? [bytes, 'B'] : bytes < 1024 * 1024 ? [Math.round(bytes / 1024), 'KB'] : [bytes / (1024 * 1024), 'MB'];
  return `${value.toLocaleString(locale, { maximumFractionDigits: 1 })} ${unit}`;
}

/** What the patient reads when a file is refused or its upload failed, by error code. */
export function fileErrorText(code: string, t: Translation, maxBytes: number): string {
  const s = attachmentText(t);
  if (code === 'file_too_large') return s.tooLarge(formatSize(maxBytes, t.locale));
  if (code === 'unsupported_file_type') return s.wrongType;
  if (code === 'file_unreadable') return s.unreadable;
  return t.error(code);
}

/** The types the file picker offers and the tray takes before asking the server (which decides from the bytes). */
export const ACCEPT = 'image/jpeg,image/png,image/heic,image/heif,image/webp,application/pdf';

/**
 * Refused before upload: larger than the clinic takes, or a type the browser names and the server never takes (a
 * file the browser cannot type, as HEIC often is, goes to the server, which reads its bytes).
 */
export function refusal(file: Pick<File, 'size' | 'type'>, maxBytes: number): 'file_too_large' | 'unsupported_file_type' | null {
  if (file.size > maxBytes) return 'file_too_large';
  if (file.type && !ACCEPT.split(',').includes(file.type)) return 'unsupported_file_type';
  return null;
}

/** A thumbnail's box in the conversation: the picture's proportions, at most 200 × 160 CSS pixels. */
export function thumbnailBox(width: number | null, height: number | null): { width: number; height: number } {
  if (!width || !height) return { width: 160, height: 160 };
  const scale = Math.min(1, 200 / width, 160 / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
