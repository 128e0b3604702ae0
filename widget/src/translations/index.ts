import { en } from './en';
import { es } from './es';
import type { Translation } from './translation';

export type { Translation };

/** The shipped locales, by primary language subtag. */
export const translations: Readonly<Record<string, Translation>> = { en, es };

/** The translation for a BCP 47 tag (`es-MX` → es), English when the language is not shipped. */
export function resolveTranslation(tag: string | null | undefined): Translation {
  const language = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return translations[language] ?? en;
}
