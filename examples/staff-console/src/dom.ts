/**
 * A tiny element builder. Strings always become text nodes, never HTML: patient text can't inject markup.
 * Attributes are set with setAttribute; `true` sets an empty boolean attribute, false/undefined leaves it out.
 */
export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(
    ...children.filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false).map((c) => (typeof c === 'number' ? String(c) : c)),
  );
  return element;
}

/** A unique id for label/aria wiring. */
let nextId = 0;
export const uid = (prefix: string) => `${prefix}-${++nextId}`;

/**
 * Text someone typed (a name, a reason, an email), isolated from the text around it: a right-to-left override
 * in a patient's name must not reorder the times and words that follow it (`\u202EyoJ esruN` must not turn
 * "12:52 PM" into "MP 25:21"). In elements, `<bdi>`; in plain strings (aria-label, confirm()), FSI…PDI.
 */
export const isolate = (text: string) => h('bdi', {}, text);
export const isolated = (text: string) => `\u2068${text}\u2069`;
