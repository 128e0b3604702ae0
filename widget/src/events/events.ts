import type { Message } from '@medchat/sdk/patient';

/**
 * The public DOM events of <medchat-widget>. All bubble and are composed, so a page can listen on the element or
 * on `document`. Detail types are part of the API.
 */
export interface WidgetEventMap {
  /** The clinic is loaded and the widget is usable (a previous chat, if any, is resumed). */
  'medchat-ready': { clinic: { id: string; name: string }; resumed: boolean };
  'medchat-open': Record<string, never>;
  'medchat-close': Record<string, never>;
  /** A message became visible in the conversation (yours, the staff's, or a system line), once each. */
  'medchat-message': { message: Message };
  'medchat-session-ended': { sessionId: string };
  /** Something failed; `code` is the stable code from the protocol's error table. */
  'medchat-error': { code: string; message: string };
}

export type WidgetEventName = keyof WidgetEventMap;

export function emit<K extends WidgetEventName>(target: EventTarget, type: K, detail: WidgetEventMap[K]): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

/** What the pre-chat form hands over once valid: everything a chat starts with. */
export interface PrechatAnswers {
  name: string;
  reason: string;
  redFlags: Array<{ id: string; answer: boolean }>;
  /** The id of the clinic topic chosen; undefined: none offered, or "anything else". */
  topic?: string;
  /** An address to be emailed of replies, given under the clinic's consent text. */
  notifyEmail?: string;
  /** The consent box as the patient left it, when the clinic asks (false: no email, not even to an identity token's address). */
  notify?: boolean;
}

/**
 * Events between the widget's own components. They bubble only inside the widget's shadow tree (not composed),
 * so a host page never sees them.
 */
export interface InternalEventMap {
  'medchat-prechat-submit': PrechatAnswers;
  'medchat-compose-send': { body: string };
  'medchat-compose-typing': { isTyping: boolean };
  'medchat-retry': { clientMsgId: string };
  'medchat-new-chat': Record<string, never>;
}

export function emitInternal<K extends keyof InternalEventMap>(target: EventTarget, type: K, detail: InternalEventMap[K]): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: false }));
}

declare global {
  interface HTMLElementEventMap {
    'medchat-ready': CustomEvent<WidgetEventMap['medchat-ready']>;
    'medchat-open': CustomEvent<WidgetEventMap['medchat-open']>;
    'medchat-close': CustomEvent<WidgetEventMap['medchat-close']>;
    'medchat-message': CustomEvent<WidgetEventMap['medchat-message']>;
    'medchat-session-ended': CustomEvent<WidgetEventMap['medchat-session-ended']>;
    'medchat-error': CustomEvent<WidgetEventMap['medchat-error']>;
  }
}
