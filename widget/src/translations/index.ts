import { en } from './en';
import type { Translation } from './translation';

export type { Translation };

/**
 * Locales other than English, by primary language subtag, each in its own chunk (dist/medchat-chat-<tag>.js):
 * only a patient who reads that language downloads it, which keeps the conversation bundle within its budget.
 */
const LAZY: Readonly<Record<string, () => Promise<Translation>>> = {
  es: () => import('./es').then((m) => m.es),
};

/** Translations ready to use; a language whose chunk failed to load is English (so it is not retried per render). */
const loaded: Record<string, Translation> = { en };

/** The shipped locales' tags, English first. */
export const SHIPPED = ['en', ...Object.keys(LAZY)] as const;

const languageOf = (tag: string | null | undefined) => (tag ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';

/** The translation for a BCP 47 tag (`es-MX` → es), English when the language is not shipped or not loaded yet. */
export function resolveTranslation(tag: string | null | undefined): Translation {
  return loaded[languageOf(tag)] ?? en;
}

/**
 * Loads the tag's translation if it is shipped and not loaded yet: the promise settles once `resolveTranslation`
 * returns it (or English, when its chunk cannot be loaded). Undefined when there is nothing to wait for.
 */
export function loadTranslation(tag: string | null | undefined): Promise<void> | undefined {
  const language = languageOf(tag);
  const load = !loaded[language] && LAZY[language];
  if (!load) return;
  return load().then(
    (t) => void (loaded[language] = t),
    () => void (loaded[language] = en),
  );
}
