import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { loadTranslation, resolveTranslation, type Translation } from '../translations';

/**
 * Picks the translation: the host's `locale` attribute, else the browser's language, else English. Re-renders
 * when the browser language changes. Languages other than English load on demand: the host awaits `pending`
 * before it updates, so a patient never sees the chat flash in English first.
 */
export class LocalizeController implements ReactiveController {
  constructor(private readonly host: ReactiveControllerHost & { locale?: string | null }) {
    host.addController(this);
  }

  get #tag(): string | undefined {
    return this.host.locale || globalThis.navigator?.language;
  }

  get t(): Translation {
    return resolveTranslation(this.#tag);
  }

  /** The current language's translation while it loads; undefined once it is ready. */
  get pending(): Promise<void> | undefined {
    return loadTranslation(this.#tag);
  }

  hostConnected(): void {
    window.addEventListener('languagechange', this.#onChange);
  }

  hostDisconnected(): void {
    window.removeEventListener('languagechange', this.#onChange);
  }

  #onChange = () => this.host.requestUpdate();
}
