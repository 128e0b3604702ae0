import type { MedChat, QueueEntry, WaitingOnPatientEntry } from '@medchat/sdk';
import { h } from './dom';
import { elapsed, errorText } from './format';
import { priorityForm } from './priority-form';
import { refresher } from './refresher';

/**
 * How often the queue may be fetched at most. A shift change sends a `queue.changed` for every chat that moves
 * (50 when a nurse at full capacity goes offline): one fetch a second shows the same queue for one request.
 */
const RELOAD_EVERY_MS = 1000;

/** `GET /api/v1/queue`: the queue, and apart from it the chats waiting on their patient. */
interface QueueResponse {
  waiting: QueueEntry[];
  waitingOnPatient: WaitingOnPatientEntry[];
}

/**
 * The clinic's waiting patients, in the order the engine will serve them; apart from them the messages left while
 * the clinic was closed ("Left overnight", oldest first: in the queue too, served in the same order, urgent first),
 * and the chats waiting on their patient (the patient went quiet after staff wrote; they return to the queue when
 * the patient writes). Refetch on `queue.changed`, which covers all three.
 */
export class QueueView {
  readonly element: HTMLElement;
  readonly refresh: () => void;
  private readonly count = h('span', { class: 'count' });
  // A long queue scrolls: keyboard users reach it (tabindex) and hear what it is (its heading).
  private readonly list = h('ol', { class: 'queue-list', tabindex: '0', 'aria-labelledby': 'queue-title' });
  private readonly status = h('p', { class: 'muted', role: 'status' });
  private readonly leftCount = h('span', { class: 'count' });
  private readonly leftList = h('ol', { class: 'queue-list left-list', tabindex: '0', 'aria-labelledby': 'left-title' });
  private readonly leftStatus = h('p', { class: 'muted' });
  private readonly idleCount = h('span', { class: 'count' });
  private readonly idleList = h('ul', { class: 'queue-list idle-list', tabindex: '0', 'aria-labelledby': 'idle-title' });
  private readonly idleStatus = h('p', { class: 'muted' });
  private entries: QueueEntry[] = [];
  private idle: WaitingOnPatientEntry[] = [];
  private readonly ticker = setInterval(() => this.render(), 30_000);

  constructor(private readonly client: MedChat) {
    this.element = h(
      'section',
      { class: 'queue card', 'aria-labelledby': 'queue-title' },
      h('h2', { id: 'queue-title' }, 'Waiting queue ', this.count),
      this.status,
      this.list,
      h('h3', { id: 'left-title', class: 'idle-title' }, 'Left overnight ', this.leftCount),
      this.leftStatus,
      this.leftList,
      h('h3', { id: 'idle-title', class: 'idle-title' }, 'Waiting on patient ', this.idleCount),
      this.idleStatus,
      this.idleList,
    );
    this.refresh = refresher(
      async () => {
        ({ waiting: this.entries, waitingOnPatient: this.idle } = await fetchQueue(client));
        this.render();
      },
      (e) => (this.status.textContent = `Could not load the queue: ${errorText(e)}`),
      RELOAD_EVERY_MS,
    );
  }

  dispose(): void {
    clearInterval(this.ticker);
  }

  private render(): void {
    // Not while someone types a reason in it: the new order shows once they are done.
    if (this.element.querySelector('form:focus-within')) return;
    const live = this.entries.filter((e) => !e.leftWhileClosed);
    const left = this.entries.filter((e) => e.leftWhileClosed).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const urgent = live.filter((e) => e.priority === 'urgent').length;
    this.count.textContent = urgent ? `(${live.length}, ${urgent} urgent)` : `(${live.length})`;
    this.status.textContent = live.length ? '' : 'Nobody is waiting.';
    // The server's order: urgent first, then oldest first.
    this.list.replaceChildren(...live.map((entry) => this.item(entry, 'waiting ')));
    this.leftCount.textContent = `(${left.length})`;
    this.leftStatus.textContent = left.length
      ? 'Left while the clinic was closed; served before later chats, urgent first.'
      : 'No message was left while the clinic was closed.';
    this.leftList.replaceChildren(...left.map((entry) => this.item(entry, 'left ')));
    this.idleCount.textContent = `(${this.idle.length})`;
    this.idleStatus.textContent = this.idle.length ? 'Back in the queue when the patient writes.' : 'No chat is waiting on its patient.';
    this.idleList.replaceChildren(
      ...this.idle.map((entry) =>
        h(
          'li',
          { class: 'queue-entry', 'data-session-id': entry.sessionId },
          h('bdi', { class: 'patient' }, entry.patient.displayName),
          h('bdi', { class: 'reason' }, entry.reason),
          h(
            'span',
            { class: 'muted' },
            'quiet for ',
            h('time', { datetime: entry.idleSince }, elapsed(entry.idleSince)),
            ...(entry.employee ? [' · last with ', h('bdi', {}, entry.employee.displayName)] : []),
          ),
        ),
      ),
    );
  }

  /** One waiting patient: name, reason, how long ago (`since`: "waiting ", "left "), and the priority form. */
  private item(entry: QueueEntry, since: string): HTMLElement {
    return h(
      'li',
      { class: `queue-entry${entry.priority === 'urgent' ? ' urgent' : ''}`, 'data-session-id': entry.sessionId, 'data-priority': entry.priority },
      entry.priority === 'urgent' ? h('span', { class: 'badge-urgent' }, 'Urgent') : null,
      h('bdi', { class: 'patient' }, entry.patient.displayName),
      h('bdi', { class: 'reason' }, entry.reason),
      h('span', { class: 'muted' }, since, h('time', { datetime: entry.createdAt }, elapsed(entry.createdAt))),
      this.priorityForm(entry),
    );
  }

  /** Raise or lower a waiting patient's priority, with the reason the trail keeps. */
  private priorityForm(entry: QueueEntry): HTMLElement {
    return priorityForm(this.client, entry.sessionId, entry.priority, () => {
      // Out of the form (which held the list still), onto the list, which now shows the new order.
      (this.leftList.contains(document.activeElement) ? this.leftList : this.list).focus();
      this.refresh();
    });
  }
}

/**
 * Both lists in one request. The SDK's `queue.list()` returns the queue alone (its main entry has no room for
 * more), so the console reads the response itself, with the signed-in token, as the reports view does.
 */
async function fetchQueue(client: MedChat): Promise<QueueResponse> {
  const res = await fetch(`${location.origin}/api/v1/queue`, { headers: { authorization: `Bearer ${client.auth.token ?? ''}` } });
  const body = (await res.json().catch(() => null)) as (QueueResponse & { error?: { message: string } }) | null;
  if (!res.ok || !body) throw new Error(body?.error?.message ?? `The server answered ${res.status}.`);
  return { waiting: body.waiting, waitingOnPatient: body.waitingOnPatient ?? [] };
}
