/**
 * A counting semaphore: at most `size` callers run their work at once, the others wait their turn in arrival order.
 * The attachments module bounds its image decodes and blob writes with one (modules/attachments/service.ts), so 50
 * uploads at once hold a few decoded images in memory, not 50.
 */
export class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Slots: size must be a positive integer, got ${size}`);
    this.#free = size;
  }

  /** Callers waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** No caller running or waiting. */
  get idle(): boolean {
    return this.#free === this.size && this.#waiting.length === 0;
  }

  /** Runs `work` in a slot, once one is free; the slot is given back however `work` ends. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot goes straight to the next caller in line, so a newcomer cannot take it first.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
