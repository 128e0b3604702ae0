import { describe, expect, test } from 'bun:test';
import { composerKeyAction, messageToSend } from './composer.keys';

const key = (over: Partial<KeyboardEvent>) => ({ key: 'Enter', shiftKey: false, isComposing: false, altKey: false, ctrlKey: false, metaKey: false, ...over });

describe('composer keys', () => {
  test('Enter sends; Shift+Enter, Alt+Enter and IME composition do not', () => {
    expect(composerKeyAction(key({}))).toBe('send');
    expect(composerKeyAction(key({ ctrlKey: true }))).toBe('send');
    expect(composerKeyAction(key({ shiftKey: true }))).toBe('none');
    expect(composerKeyAction(key({ altKey: true }))).toBe('none');
    expect(composerKeyAction(key({ isComposing: true }))).toBe('none');
    expect(composerKeyAction(key({ key: 'a' }))).toBe('none');
  });

  test('blank messages are not sent; inner newlines and leading indentation on the first line stay', () => {
    expect(messageToSend('   \n ')).toBeNull();
    expect(messageToSend('hi\nthere\n\n')).toBe('hi\nthere');
    expect(messageToSend('  indented')).toBe('  indented');
  });
});
