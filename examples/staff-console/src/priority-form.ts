import type { MedChat, Session, SessionPriority } from '@medchat/sdk';
import { callApi } from './api';
import { h } from './dom';

/**
 * "Mark urgent" / "Mark routine" with the reason the session's trail keeps (required: the server refuses a change
 * without one). Used in the queue and in an open chat's header.
 */
export function priorityForm(client: MedChat, sessionId: string, current: SessionPriority, onChanged: (session: Session) => void): HTMLElement {
  const to: SessionPriority = current === 'urgent' ? 'routine' : 'urgent';
  const id = `priority-reason-${sessionId}`;
  const reason = h('input', { id, required: true, maxlength: 500, autocomplete: 'off' });
  const problem = h('span', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'priority-form' }, h('label', { for: id }, 'Why?'), reason, h('button', { type: 'submit' }, 'Save'), problem);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    problem.textContent = '';
    callApi<Session>(client, 'POST', `sessions/${encodeURIComponent(sessionId)}/priority`, { priority: to, reason: reason.value }).then(
      onChanged,
      (error: Error) => (problem.textContent = error.message),
    );
  });
  return h('details', { class: 'priority' }, h('summary', {}, to === 'urgent' ? 'Mark urgent' : 'Mark routine'), form);
}
