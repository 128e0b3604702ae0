import type { Assignment } from '@medchat/sdk';
import { h, isolate } from './dom';
import { clock, END_REASONS, START_REASONS } from './format';

/** Who held a session, oldest first: "Nurse Joy 10:02–10:05 · new chat → left", and the handover note if one was left. */
export function renderTrail(assignments: readonly Assignment[]): HTMLElement {
  if (!assignments.length) return h('p', { class: 'muted' }, 'Not assigned yet.');
  return h(
    'ol',
    { class: 'trail' },
    ...assignments.map((a) =>
      h(
        'li',
        {},
        h('strong', {}, isolate(a.employee.displayName)),
        ` ${clock(a.startedAt)}–${a.endedAt ? clock(a.endedAt) : 'now'}`,
        h('span', { class: 'muted' }, ` · ${START_REASONS[a.startReason]}${a.endReason ? ` → ${END_REASONS[a.endReason]}` : ''}`),
        ...(a.leaveNote ? [h('blockquote', { class: 'handover', dir: 'auto' }, a.leaveNote)] : []),
      ),
    ),
  );
}
