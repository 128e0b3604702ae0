import { describe, expect, test } from 'bun:test';

describe('define()', () => {
  test('importing defines every tag once; loading again (or calling define) changes nothing', async () => {
    const entry = await import('../../medchat-widget');
    const registry = globalThis.customElements;
    for (const [tag, element] of Object.entries(entry.TAGS)) expect(registry.get(tag)).toBe(element);
    expect(entry.define()).toEqual([]);
    expect(entry.define()).toEqual([]);
  });

  test('a fresh registry gets every tag, children before the widget', async () => {
    const { define } = await import('../../medchat-widget');
    const defined = new Map<string, CustomElementConstructor>();
    const registry = { get: (tag: string) => defined.get(tag), define: (tag: string, el: CustomElementConstructor) => void defined.set(tag, el) };
    expect(define(registry as unknown as CustomElementRegistry)).toEqual([
      'medchat-prechat-form',
      'medchat-queue-status',
      'medchat-message-list',
      'medchat-composer',
      'medchat-end-screen',
      'medchat-widget',
    ]);
    expect(define(registry as unknown as CustomElementRegistry)).toEqual([]);
  });

  test('the widget declares every public attribute as a reactive property', async () => {
    const { MedChatWidget } = await import('../../medchat-widget');
    const attributes = (MedChatWidget as unknown as { observedAttributes: string[] }).observedAttributes;
    for (const name of ['server', 'site', 'identity-token', 'locale', 'position', 'open', 'title', 'theme']) expect(attributes).toContain(name);
  });
});
