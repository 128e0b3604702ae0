import type { Note } from '@medchat/sdk/notes';
import { h, isolate } from './dom';

/** Longest part of a note a toast shows; the chat shows the whole of it. */
const PREVIEW = 160;

/**
 * "Nurse Joy mentioned you": one toast per note that mentions me, at the top of the console, said to screen readers
 * (a polite live region) and kept until dismissed, so nobody has to catch it in time.
 */
export class MentionToasts {
  readonly element = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite', 'aria-label': 'Mentions' });

  show(note: Note): void {
    const dismiss = h('button', { type: 'button', class: 'toast-dismiss' }, 'Dismiss');
    const preview = note.body.length > PREVIEW ? `${note.body.slice(0, PREVIEW)}…` : note.body;
    const toast = h(
      'div',
      { class: 'toast', 'data-note': note.id },
      h('p', {}, h('strong', {}, isolate(note.author.displayName), ' mentioned you in an internal note')),
      h('p', { class: 'toast-body', dir: 'auto' }, preview),
      dismiss,
    );
    dismiss.addEventListener('click', () => toast.remove());
    this.element.append(toast);
  }

  dispose(): void {
    this.element.replaceChildren();
  }
}
