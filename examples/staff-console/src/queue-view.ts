import type { MedChat, QueueEntry } from '@medchat/sdk';
import { h } from './dom';
import { elapsed, errorText } from './format';
import { refresher } from './refresher';

/**
 * How often the queue may be fetched at most. A shift change sends a `queue.changed` for every chat that moves
 * (50 when a nurse at full capacity goes offline): one fetch a second shows the same queue for one request.
 */
const RELOAD_EVERY_MS = 1000;

/** The clinic's waiting patients, in the order the engine will serve them. Refetch on `queue.changed`. */
export class QueueView {
  readonly element: HTMLElement;
  readonly refresh: () => void;
  private readonly count = h('span', { class: 'count' });
  // A long queue scrolls: keyboard users reach it (tabindex) and hear what it is (its heading).
  private readonly list = h('ol', { class: 'queue-list', tabindex: '0', 'aria-labelledby': 'queue-title' });
  private readonly status = h('p', { class: 'muted', role: 'status' });
  private entries: QueueEntry[] = [];
  private readonly ticker = setInterval(() => this.render(), 30_000);

  constructor(client: MedChat) {
    this.element = h(
      'section',
      { class: 'queue card', 'aria-labelledby': 'queue-title' },
      h('h2', { id: 'queue-title' }, 'Waiting queue ', this.count),
      this.status,
      this.list,
    );
    this.refresh = refresher(
      async () => {
        this.entries = await client.queue.list();
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
    this.count.textContent = `(${this.entries.length})`;
    this.status.textContent = this.entries.length ? '' : 'Nobody is waiting.';
    this.list.replaceChildren(
      ...this.entries.map((entry) =>
        h(
          'li',
          { class: 'queue-entry', 'data-session-id': entry.sessionId },
          h('bdi', { class: 'patient' }, entry.patient.displayName),
          h('bdi', { class: 'reason' }, entry.reason),
          h('span', { class: 'muted' }, 'waiting ', h('time', { datetime: entry.createdAt }, elapsed(entry.createdAt))),
        ),
      ),
    );
  }
}
