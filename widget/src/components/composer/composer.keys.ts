/** What a key press in the composer means: Enter sends, Shift+Enter (and IME composition) types a newline. */
export function composerKeyAction(e: Pick<KeyboardEvent, 'key' | 'shiftKey' | 'isComposing' | 'altKey' | 'ctrlKey' | 'metaKey'>): 'send' | 'none' {
  if (e.key !== 'Enter' || e.isComposing || e.shiftKey || e.altKey) return 'none';
  return 'send';
}

/** The text to send, or null when there is nothing to send (only whitespace). */
export function messageToSend(value: string): string | null {
  return value.trim() ? value.replace(/^\s*\n|\s+$/g, '') : null;
}
