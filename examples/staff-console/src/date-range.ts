import { h } from './dom';

/** A local date as `YYYY-MM-DD`, what `<input type="date">` holds. */
const isoDate = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** A form's From and To days (ids `<prefix>-from`, `<prefix>-to`), the last seven days to begin with, today included. */
export function dateRange(prefix: string): { from: HTMLInputElement; to: HTMLInputElement; fields: HTMLElement[] } {
  const from = h('input', { type: 'date', id: `${prefix}-from`, required: true });
  const to = h('input', { type: 'date', id: `${prefix}-to`, required: true });
  const today = new Date();
  to.value = isoDate(today);
  from.value = isoDate(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6));
  return { from, to, fields: [h('label', { for: from.id }, 'From'), from, h('label', { for: to.id }, 'To'), to] };
}
