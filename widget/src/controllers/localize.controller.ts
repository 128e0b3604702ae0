import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { resolveTranslation, type Translation } from '../translations';

/**
 * Picks the translation: the host's `locale` attribute, else the browser's language, else English. Re-renders
 * when the browser language changes.
 */
export class LocalizeController implements ReactiveController {
  constructor(private readonly host: ReactiveControllerHost & { locale?: string | null }) {
    host.addController(this);
  }

  get t(): Translation {
    return resolveTranslation(this.host.locale || globalThis.navigator?.language);
  }

  hostConnected(): void {
    window.addEventListener('languagechange', this.#onChange);
  }

  hostDisconnected(): void {
    window.removeEventListener('languagechange', this.#onChange);
  }

  #onChange = () => this.host.requestUpdate();
}
