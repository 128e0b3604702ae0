import { describe, expect, spyOn, test } from 'bun:test';

describe('define() of the conversation bundle', () => {
  test('importing defines every tag once; loading again (or calling define) changes nothing', async () => {
    const entry = await import('../../medchat-chat');
    const registry = globalThis.customElements;
    for (const [tag, element] of Object.entries(entry.TAGS)) expect(registry.get(tag)).toBe(element);
    expect(entry.define()).toEqual([]);
    expect(entry.define()).toEqual([]);
  });

  test('a fresh registry gets every tag, children before the widget', async () => {
    const { define } = await import('../../medchat-chat');
    const defined = new Map<string, CustomElementConstructor>();
    const registry = { get: (tag: string) => defined.get(tag), define: (tag: string, el: CustomElementConstructor) => void defined.set(tag, el) };
    expect(define(registry as unknown as CustomElementRegistry)).toEqual([
      'medchat-prechat-form',
      'medchat-queue-status',
      'medchat-message-list',
      'medchat-composer',
      'medchat-end-screen',
      'medchat-chat',
    ]);
    expect(define(registry as unknown as CustomElementRegistry)).toEqual([]);
  });

  test('the widget declares every public attribute as a reactive property', async () => {
    const { MedChatWidget } = await import('../../medchat-chat');
    const attributes = (MedChatWidget as unknown as { observedAttributes: string[] }).observedAttributes;
    for (const name of ['server', 'site', 'identity-token', 'locale', 'position', 'open', 'label', 'theme']) expect(attributes).toContain(name);
    expect(attributes).not.toContain('title'); // the browser's tooltip attribute stays the browser's
  });

  test('VERSION is the package version', async () => {
    const { VERSION } = await import('../../medchat-chat');
    expect(VERSION).toBe((await import('../../../package.json')).version);
  });

  test('a tag another version of the widget registered first is left alone, with one console warning for it', async () => {
    const { define } = await import('../../medchat-chat');
    class OtherVersion {
      static version = '0.0.1';
    }
    const defined = new Map<string, unknown>([['medchat-chat', OtherVersion]]);
    const registry = { get: (tag: string) => defined.get(tag), define: (tag: string, el: unknown) => void defined.set(tag, el) };
    const warn = spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(define(registry as unknown as CustomElementRegistry)).not.toContain('medchat-chat');
      expect(defined.get('medchat-chat')).toBe(OtherVersion);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain('medchat-chat');
      expect(String(warn.mock.calls[0]![0])).toContain('0.0.1');
      // The same version loaded twice (a module and a classic script) is no news: no warning.
      warn.mockClear();
      define(registry as unknown as CustomElementRegistry);
      expect(warn).toHaveBeenCalledTimes(1); // still only the other version's tag
    } finally {
      warn.mockRestore();
    }
  });
});
