import { describe, expect, test } from 'bun:test';
import { SHIPPED, resolveTranslation, loadTranslation } from '../../translations';
import { en } from '../../translations/en';
import { es } from '../../translations/es';
import { ACCEPT, attachmentText, fileErrorText, formatSize, refusal, thumbnailBox } from './attachments.text';

describe('attachments: words, limits and sizes', () => {
  test('every shipped language has its own words for files', async () => {
    for (const tag of SHIPPED) {
      await loadTranslation(tag);
      const t = resolveTranslation(tag);
      expect(t.locale).toBe(tag);
      const words = attachmentText(t);
      expect(tag === 'en' || words !== attachmentText(en)).toBe(true);
      expect(words.attach.length).toBeGreaterThan(0);
    }
  });

  test('a refusal says why, in the reader language, with the clinic limit', () => {
    expect(fileErrorText('file_too_large', en, 10 * 1024 * 1024)).toBe('Too large: files can be up to 10 MB.');
    expect(fileErrorText('file_too_large', es, 2.5 * 1024 * 1024)).toBe('Demasiado grande: los archivos pueden tener hasta 2,5 MB.');
    expect(fileErrorText('unsupported_file_type', en, 1)).toBe('Only photos (JPEG, PNG, HEIC, WebP) and PDF documents can be sent.');
    expect(fileErrorText('file_unreadable', es, 1)).toBe('No se pudo leer este archivo. Puede estar dañado.');
    // Anything else is the conversation's own text for the code.
    expect(fileErrorText('connection_error', en, 1)).toBe(en.error('connection_error'));
  });

  test('too large or a type the server never takes is refused before upload; an untyped file goes to the server', () => {
    expect(refusal({ size: 11, type: 'image/jpeg' }, 10)).toBe('file_too_large');
    expect(refusal({ size: 10, type: 'image/jpeg' }, 10)).toBeNull();
    expect(refusal({ size: 5, type: 'text/plain' }, 10)).toBe('unsupported_file_type');
    expect(refusal({ size: 5, type: '' }, 10)).toBeNull();
    for (const type of ACCEPT.split(',')) expect(refusal({ size: 1, type }, 10)).toBeNull();
  });

  test('sizes read as people read them; thumbnails keep their proportions within 200 × 160', () => {
    expect([formatSize(512, 'en'), formatSize(34 * 1024, 'en'), formatSize(2.44 * 1024 * 1024, 'en')]).toEqual(['512 B', '34 KB', '2.4 MB']);
    expect(thumbnailBox(320, 240)).toEqual({ width: 200, height: 150 });
    expect(thumbnailBox(240, 320)).toEqual({ width: 120, height: 160 });
    expect(thumbnailBox(20, 10)).toEqual({ width: 20, height: 10 });
    expect(thumbnailBox(null, null)).toEqual({ width: 160, height: 160 });
  });
});
