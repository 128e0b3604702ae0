import type { ClinicHours, WeeklyInterval } from '@medchat/sdk';
import type { MedChatAdmin } from '@medchat/sdk/admin';
import { h } from './dom';
import { errorText } from './format';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** "09:00-12:00, 14:00-18:00" ↔ that day's intervals. */
const formatDay = (weekly: WeeklyInterval[], day: number) =>
  weekly
    .filter((i) => i.day === day)
    .map((i) => `${i.open}-${i.close}`)
    .join(', ');

function parseDay(text: string, day: number): WeeklyInterval[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$/.exec(part);
      if (!match) throw new Error(`${DAYS[day - 1]}: write times as 09:00-17:00 ("${part}")`);
      const pad = (t: string) => t.padStart(5, '0');
      return { day, open: pad(match[1]!), close: pad(match[2]!) };
    });
}

/**
 * Admins only: the clinic's opening hours (time zone, a line of intervals per weekday), closed dates and the
 * text patients read while it is closed. Loaded once; saving replaces the whole schedule (the server checks it).
 */
export class HoursEditor {
  readonly element: HTMLElement;
  private readonly hasSchedule = h('input', { type: 'checkbox', id: 'hours-on' });
  private readonly timeZone = h('input', { id: 'hours-zone', list: 'hours-zones', autocomplete: 'off', spellcheck: false });
  private readonly days = DAYS.map((_, i) => h('input', { id: `hours-day-${i + 1}`, placeholder: 'closed', spellcheck: false }));
  private readonly closures = h('textarea', { id: 'hours-closures', rows: 3, spellcheck: false });
  private readonly afterHours = h('textarea', { id: 'hours-after', rows: 3, maxlength: 1000 });
  private readonly status = h('p', { role: 'status', class: 'muted' });

  constructor(private readonly admin: MedChatAdmin) {
    const zones = h('datalist', { id: 'hours-zones' }, ...Intl.supportedValuesOf('timeZone').map((z) => h('option', { value: z })));
    const form = h(
      'form',
      { class: 'hours-form', 'aria-labelledby': 'hours-title' },
      h('label', { class: 'check' }, this.hasSchedule, ' Use these opening hours (off: open around the clock)'),
      h('label', { for: 'hours-zone' }, 'Time zone'),
      this.timeZone,
      zones,
      h(
        'fieldset',
        {},
        h('legend', {}, 'Weekly hours, e.g. 09:00-13:00, 15:00-19:00 (empty: closed that day)'),
        ...DAYS.flatMap((day, i) => [h('label', { for: `hours-day-${i + 1}` }, day), this.days[i]!]),
      ),
      h('label', { for: 'hours-closures' }, 'Closed dates, one YYYY-MM-DD per line (holidays)'),
      this.closures,
      h('label', { for: 'hours-after' }, 'What patients read while the clinic is closed'),
      this.afterHours,
      h('button', { type: 'submit', class: 'primary' }, 'Save opening hours'),
      this.status,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    this.element = h('section', { 'aria-labelledby': 'hours-title' }, h('h3', { id: 'hours-title' }, 'Opening hours'), form);
  }

  async load(): Promise<void> {
    try {
      this.show(await this.admin.hours.get());
    } catch (e) {
      this.status.textContent = `Could not load the opening hours: ${errorText(e)}`;
    }
  }

  private show(hours: ClinicHours): void {
    this.hasSchedule.checked = hours.hasSchedule;
    this.timeZone.value = hours.timeZone;
    for (const [i, input] of this.days.entries()) input.value = formatDay(hours.weekly, i + 1);
    this.closures.value = hours.closures.join('\n');
    this.afterHours.value = hours.afterHoursText;
  }

  private async save(): Promise<void> {
    let hours: ClinicHours;
    try {
      hours = {
        hasSchedule: this.hasSchedule.checked,
        timeZone: this.timeZone.value.trim(),
        weekly: this.days.flatMap((input, i) => parseDay(input.value, i + 1)),
        closures: this.closures.value
          .split(/[\s,]+/)
          .map((d) => d.trim())
          .filter(Boolean),
        afterHoursText: this.afterHours.value,
      };
    } catch (e) {
      this.status.textContent = (e as Error).message;
      return;
    }
    this.status.textContent = 'Saving…';
    try {
      this.show(await this.admin.hours.set(hours));
      this.status.textContent = 'Saved.';
    } catch (e) {
      this.status.textContent = `Not saved: ${errorText(e)}`;
    }
  }
}
