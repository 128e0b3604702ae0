/**
 * Entry point of the embed snippet (dist/medchat-widget.js, and dist/medchat-widget.iife.js for sites without
 * modules): defines <medchat-widget>, the small loader a clinic's page holds (embed/embed.element.ts). The
 * conversation itself is another bundle, dist/medchat-chat.js, loaded by the chat frame (the default) or, with
 * `isolation="none"`, from beside this script. Loading this script twice (two snippets, a tag manager replaying
 * tags) is harmless: a tag already defined is left alone, and another version defined first is kept, with a warning.
 */
import { MedChatEmbed } from './embed/embed.element';

export { MedChatEmbed };

/** This build's version (package.json's; medchat-widget.test.ts keeps them equal). */
export const VERSION = '0.1.0';

declare global {
  interface HTMLElementTagNameMap {
    'medchat-widget': MedChatEmbed;
  }
}

// In the classic script, the bundler turns this into the script element's own address.
if (!MedChatEmbed.scriptUrl) MedChatEmbed.scriptUrl = import.meta.url;

/** Defines <medchat-widget> unless it is already; returns whether it did. Safe to call any number of times. */
export function define(registry: CustomElementRegistry | undefined = globalThis.customElements): boolean {
  if (!registry) return false;
  const existing = registry.get('medchat-widget') as { version?: string } | undefined;
  if (existing) {
    if (existing !== MedChatEmbed && existing.version !== VERSION)
      console.warn(`MedChat: <medchat-widget> is already widget ${existing.version ?? '?'}, kept instead of ${VERSION}. Load one widget script.`);
    return false;
  }
  Object.defineProperty(MedChatEmbed, 'version', { value: VERSION, configurable: true });
  registry.define('medchat-widget', MedChatEmbed);
  return true;
}

define();
