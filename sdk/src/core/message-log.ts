import type { Message } from '../protocol/models';

/**
 * A session's messages as a gap-free run of seqs, `firstSeq..lastSeq`. Duplicates are ignored; messages that
 * arrive beyond a gap wait in `ahead` until the gap is filled, so the visible list never skips a seq.
 */
export class MessageLog {
  private items: readonly Message[] = [];
  private first = 1;
  private readonly ahead = new Map<number, Message>();

  get messages(): readonly Message[] {
    return this.items;
  }

  get firstSeq(): number {
    return this.first;
  }

  /** The highest seq held without a gap before it; `firstSeq - 1` when empty. */
  get lastSeq(): number {
    return this.first - 1 + this.items.length;
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** True when messages beyond a gap are waiting: the missing range should be fetched. */
  get hasGap(): boolean {
    return this.ahead.size > 0;
  }

  /** Adds new messages (any order, duplicates allowed) and returns those that became visible, in seq order. */
  add(messages: readonly Message[]): Message[] {
    for (const m of messages) if (m.seq > this.lastSeq) this.ahead.set(m.seq, m);
    const appended: Message[] = [];
    for (let next = this.lastSeq + 1; this.ahead.has(next); next++) {
      appended.push(this.ahead.get(next)!);
      this.ahead.delete(next);
    }
    if (appended.length) this.items = [...this.items, ...appended];
    return appended;
  }

  /** Adds an older page; only the part that joins `firstSeq` without a gap is kept. Returns how many were added. */
  prepend(messages: readonly Message[]): number {
    const older = new Map(messages.filter((m) => m.seq < this.first).map((m) => [m.seq, m]));
    const added: Message[] = [];
    while (older.has(this.first - 1)) added.unshift(older.get(--this.first)!);
    if (added.length) this.items = [...added, ...this.items];
    return added.length;
  }

  /** Starts over at `firstSeq` (history before it is unavailable), keeping waiting messages that still apply. */
  reset(firstSeq: number): void {
    this.items = [];
    this.first = Math.max(1, firstSeq);
    for (const seq of this.ahead.keys()) if (seq < this.first) this.ahead.delete(seq);
  }
}
