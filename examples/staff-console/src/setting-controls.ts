import type { ClinicSettingsPatchParams } from '@medchat/sdk/admin';
import { h } from './dom';

/**
 * How a setting is edited:
 * - `text`: one line (or `long`, a few lines of text);
 * - `lines`: a list, one item per line;
 * - `number`: a whole number of `unit`;
 * - `limit`: a whole number of `unit`, or off (null);
 * - `colour`: `#rrggbb`, or empty for none (null);
 * - `text` with `nullable`: empty is sent as null (off, or the default);
 * - `switch`: on or off;
 * - `choice`: one of `options` (value and its words).
 */
export type SettingKind =
  | { type: 'text'; long?: boolean; nullable?: boolean }
  | { type: 'lines' }
  | { type: 'number'; unit: string }
  | { type: 'limit'; unit: string }
  | { type: 'colour' }
  | { type: 'switch' }
  | { type: 'choice'; options: ReadonlyArray<readonly [value: string, label: string]> };

export interface SettingField {
  key: keyof ClinicSettingsPatchParams;
  label: string;
  hint: string;
  kind: SettingKind;
}

/** One setting's part of the form: reads and writes its value and shows a problem beside it. */
export interface SettingControl {
  readonly field: SettingField;
  readonly element: HTMLElement;
  /** The value to send, or why it cannot be sent (a number that is not one). */
  read(): { value: unknown } | { problem: string };
  write(value: unknown): void;
  showProblem(problem: string | null): void;
  focus(): void;
}

/** A whole number typed in an input, or why not. */
function wholeNumber(input: HTMLInputElement): { value: number } | { problem: string } {
  const text = input.value.trim();
  if (!/^-?\d+$/.test(text)) return { problem: text ? 'Must be a whole number.' : 'Enter a number, or turn it off.' };
  return { value: Number(text) };
}

export function buildControl(field: SettingField): SettingControl {
  const id = `setting-${field.key}`;
  const hintId = `${id}-hint`;
  const problemId = `${id}-problem`;
  const hint = h('p', { class: 'muted hint', id: hintId }, field.hint);
  const problem = h('p', { class: 'error', id: problemId });
  const describe = (input: HTMLElement) => input.setAttribute('aria-describedby', `${hintId} ${problemId}`);
  let inputs: HTMLElement[];
  let element: HTMLElement;
  let read: SettingControl['read'];
  let write: SettingControl['write'];
  const { kind } = field;

  switch (kind.type) {
    case 'text':
    case 'lines': {
      const input =
        kind.type === 'text' && !kind.long ? h('input', { id, autocomplete: 'off' }) : h('textarea', { id, rows: 3, spellcheck: kind.type === 'text' });
      inputs = [input];
      element = h('div', { class: 'setting' }, h('label', { for: id }, field.label), input, hint, problem);
      read = () =>
        kind.type === 'lines'
          ? {
              value: input.value
                .split('\n')
                .map((l) => l.trim())
                .filter(Boolean),
            }
          : { value: kind.nullable && !input.value.trim() ? null : input.value };
      write = (value) => void (input.value = Array.isArray(value) ? value.join('\n') : String(value ?? ''));
      break;
    }
    case 'colour': {
      const input = h('input', { id, placeholder: '#0f766e', autocomplete: 'off', spellcheck: false, size: 9 });
      inputs = [input];
      element = h('div', { class: 'setting' }, h('label', { for: id }, field.label), input, hint, problem);
      read = () => ({ value: input.value.trim() || null });
      write = (value) => void (input.value = typeof value === 'string' ? value : '');
      break;
    }
    case 'switch': {
      const input = h('input', { id, type: 'checkbox' });
      inputs = [input];
      element = h('div', { class: 'setting' }, h('label', { class: 'check' }, input, ` ${field.label}`), hint, problem);
      read = () => ({ value: input.checked });
      write = (value) => void (input.checked = value === true);
      break;
    }
    case 'choice': {
      const input = h('select', { id }, ...kind.options.map(([value, label]) => h('option', { value }, label)));
      inputs = [input];
      element = h('div', { class: 'setting' }, h('label', { for: id }, field.label), input, hint, problem);
      read = () => ({ value: input.value });
      write = (value) => void (input.value = String(value ?? ''));
      break;
    }
    case 'number': {
      const input = h('input', { id, inputmode: 'numeric', autocomplete: 'off', size: 8 });
      inputs = [input];
      element = h(
        'fieldset',
        { class: 'setting' },
        h('legend', {}, field.label),
        h('span', { class: 'setting-row' }, h('label', { for: id }, kind.unit), input),
        hint,
        problem,
      );
      read = () => wholeNumber(input);
      write = (value) => void (input.value = String(value ?? ''));
      break;
    }
    case 'limit': {
      const on = h('input', { id: `${id}-on`, type: 'checkbox' });
      const input = h('input', { id, inputmode: 'numeric', autocomplete: 'off', size: 8 });
      const sync = () => void (input.disabled = !on.checked);
      on.addEventListener('change', () => {
        sync();
        if (on.checked) input.focus();
      });
      inputs = [on, input];
      element = h(
        'fieldset',
        { class: 'setting' },
        h('legend', {}, field.label),
        h('span', { class: 'setting-row' }, h('label', { class: 'check' }, on, ' On'), h('label', { for: id }, kind.unit), input),
        hint,
        problem,
      );
      read = () => (on.checked ? wholeNumber(input) : { value: null });
      write = (value) => {
        on.checked = value !== null && value !== undefined;
        // Off keeps the last number shown, greyed out, so turning it back on starts from something sensible.
        if (on.checked) input.value = String(value);
        sync();
      };
      break;
    }
  }
  for (const input of inputs) describe(input);
  const main = inputs.at(-1)!;
  return {
    field,
    element,
    read,
    write,
    showProblem(text) {
      problem.textContent = text ?? '';
      for (const input of inputs) text === null ? input.removeAttribute('aria-invalid') : input.setAttribute('aria-invalid', 'true');
    },
    focus: () => ((main as HTMLInputElement).disabled ? inputs[0]!.focus() : main.focus()),
  };
}
