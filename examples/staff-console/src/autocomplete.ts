import { h, uid } from './dom';

export interface Suggestion {
  id: string;
  label: string;
  detail?: string;
  /** What replaces the trigger and the query typed after it. */
  insert: string;
  /** A part of `insert` to select once inserted (`[start, end)`), e.g. a quick reply's variable left to fill; else the caret goes after it. */
  select?: readonly [number, number] | null;
}

/**
 * A suggestion list under a textarea, opened by a trigger character typed at the start of a word (`/` for quick
 * replies, `@` for colleagues), filtered by what follows it. The ARIA combobox pattern: the textarea keeps focus
 * and points at the highlighted option (`aria-activedescendant`); ArrowUp/ArrowDown move, Enter or Tab inserts,
 * Escape closes. The count of matches is said to screen readers.
 */
export class Autocomplete {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly count = h('p', { class: 'visually-hidden', role: 'status' });
  private items: Suggestion[] = [];
  private active = 0;
  /** Where the trigger sits in the text, while the list is open. */
  private start = -1;

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly trigger: '/' | '@',
    label: string,
    private readonly source: (query: string) => Promise<Suggestion[]> | Suggestion[],
    private readonly onPick: (item: Suggestion) => void = () => {},
  ) {
    const id = uid('suggestions');
    this.list = h('ul', { id, role: 'listbox', class: 'suggestions', 'aria-label': label, hidden: true });
    this.element = h('div', { class: 'suggestions-frame' }, this.list, this.count);
    input.setAttribute('aria-autocomplete', 'list');
    input.addEventListener('input', () => void this.update());
    // Closed when focus leaves for good (not when a click on an option or a button hands it straight back).
    input.addEventListener('blur', () => setTimeout(() => document.activeElement !== input && this.close(), 150));
    // Before the composer's own Enter handler: registered on capture.
    input.addEventListener('keydown', (event) => this.onKey(event), { capture: true });
    this.list.addEventListener('mousedown', (event) => event.preventDefault());
    this.list.addEventListener('click', (event) => {
      const option = (event.target as HTMLElement).closest('li');
      if (option) this.pick(Number(option.dataset.index));
    });
  }

  get isOpen(): boolean {
    return !this.list.hidden;
  }

  private query(): string | null {
    const before = this.input.value.slice(0, this.input.selectionStart ?? this.input.value.length);
    const match = new RegExp(`(^|\\s)\\${this.trigger}([^\\s${this.trigger}]*)$`).exec(before);
    if (!match) return null;
    this.start = before.length - match[2]!.length - 1;
    return match[2]!;
  }

  private async update(): Promise<void> {
    const query = this.query();
    if (query === null) return this.close();
    const items = await this.source(query.toLowerCase());
    if (this.query() !== query) return;
    this.items = items.slice(0, 8);
    this.active = 0;
    this.render();
  }

  private render(): void {
    const options = this.items.map((item, i) =>
      h(
        'li',
        { id: `${this.list.id}-${i}`, role: 'option', 'data-index': i, 'aria-selected': i === this.active ? 'true' : 'false' },
        h('span', { class: 'suggestion-label' }, item.label),
        item.detail ? h('span', { class: 'suggestion-detail muted' }, item.detail) : null,
      ),
    );
    this.list.replaceChildren(...options);
    const open = options.length > 0;
    this.list.hidden = !open;
    this.input.setAttribute('aria-expanded', String(open));
    if (open) {
      this.input.setAttribute('aria-controls', this.list.id);
      this.input.setAttribute('aria-activedescendant', `${this.list.id}-${this.active}`);
    } else this.input.removeAttribute('aria-activedescendant');
    this.count.textContent = open ? `${options.length} suggestion${options.length === 1 ? '' : 's'}: arrows to choose, Enter to insert.` : '';
  }

  private onKey(event: KeyboardEvent): void {
    if (!this.isOpen || event.isComposing) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const n = this.items.length;
      this.active = (this.active + (event.key === 'ArrowDown' ? 1 : n - 1)) % n;
      this.render();
      this.list.children[this.active]?.scrollIntoView({ block: 'nearest' });
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      event.stopImmediatePropagation();
      this.pick(this.active);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      this.close();
    }
  }

  private pick(index: number): void {
    const item = this.items[index];
    if (!item || this.start < 0) return;
    const caret = this.input.selectionStart ?? this.input.value.length;
    const value = this.input.value;
    this.input.value = value.slice(0, this.start) + item.insert + value.slice(caret);
    const [from, to] = item.select ?? [item.insert.length, item.insert.length];
    this.input.setSelectionRange(this.start + from, this.start + to);
    this.close();
    this.onPick(item);
    this.input.dispatchEvent(new Event('input'));
    this.input.focus();
  }

  /** Closes the list; the textarea's combobox state is touched only when this list had it (two lists share one textarea). */
  close(): void {
    if (this.list.hidden) return;
    this.list.hidden = true;
    this.items = [];
    this.start = -1;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    this.count.textContent = '';
  }
}
