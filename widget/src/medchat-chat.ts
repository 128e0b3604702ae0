/**
 * Entry point of the conversation bundle (dist/medchat-chat.js): defines <medchat-chat>, the whole chat (the
 * element documented as <medchat-widget>: components/medchat-widget/), and its parts. The chat frame's page loads it
 * (the default, isolated embed), and so does <medchat-widget isolation="none"> in the page itself. Loading it twice
 * is harmless: a tag already defined is left alone. When another version defined it first, that version is the one
 * the page gets, and the console says so.
 */
import { Composer } from './components/composer/composer.component';
import { EndScreen } from './components/end-screen/end-screen.component';
import { MedChatWidget } from './components/medchat-widget/medchat-widget.component';
import { MessageList } from './components/message-list/message-list.component';
import { PrechatForm } from './components/prechat-form/prechat-form.component';
import { QueueStatusView } from './components/queue-status/queue-status.component';

export { MedChatWidget, MessageList, Composer, PrechatForm, QueueStatusView, EndScreen };
export type { WidgetEventMap } from './events/events';
export type { Translation } from './translations';

/** This build's version (package.json's; medchat-widget.test.ts keeps them equal). */
export const VERSION = '0.1.0';

/** Every element of the widget by tag. Children first, so the widget's first render finds them upgraded. */
export const TAGS = {
  'medchat-prechat-form': PrechatForm,
  'medchat-queue-status': QueueStatusView,
  'medchat-message-list': MessageList,
  'medchat-composer': Composer,
  'medchat-end-screen': EndScreen,
  'medchat-chat': MedChatWidget,
} as const;

declare global {
  interface HTMLElementTagNameMap {
    'medchat-chat': MedChatWidget;
    'medchat-prechat-form': PrechatForm;
    'medchat-queue-status': QueueStatusView;
    'medchat-message-list': MessageList;
    'medchat-composer': Composer;
    'medchat-end-screen': EndScreen;
  }
}

/** Defines every tag not defined yet; returns the tags it defined. Safe to call any number of times. */
export function define(registry: CustomElementRegistry | undefined = globalThis.customElements): string[] {
  const defined: string[] = [];
  if (!registry) return defined;
  for (const [tag, element] of Object.entries(TAGS)) {
    const existing = registry.get(tag) as { version?: string } | undefined;
    if (existing) {
      if (existing !== element && existing.version !== VERSION) {
        console.warn(`MedChat: <${tag}> is already widget ${existing.version ?? '?'}, kept instead of ${VERSION}. Load one widget script.`);
      }
      continue;
    }
    Object.defineProperty(element, 'version', { value: VERSION, configurable: true });
    registry.define(tag, element);
    defined.push(tag);
  }
  return defined;
}

define();
