import type { QueueStatus } from '@medchat/sdk/patient';

/** How often the queue position is refreshed while waiting, on top of live `session.waiting` events. */
export const QUEUE_POLL_MS = 10_000;

/**
 * Asks for a waiting session's place in the queue now and then every `intervalMs`, until stopped. Failures are
 * quiet: a 404 means the session is no longer waiting, and offline is shown elsewhere; live events catch up.
 */
export class QueuePoller {
  #timer: ReturnType<typeof setInterval> | undefined;
  #sessionId: string | null = null;

  constructor(
    private readonly fetchStatus: (sessionId: string) => Promise<QueueStatus>,
    private readonly onStatus: (status: QueueStatus) => void,
    private readonly intervalMs = QUEUE_POLL_MS,
  ) {}

  get isRunning(): boolean {
    return this.#sessionId !== null;
  }

  start(sessionId: string): void {
    if (this.#sessionId === sessionId) return;
    this.stop();
    this.#sessionId = sessionId;
    void this.#poll(sessionId);
    this.#timer = setInterval(() => void this.#poll(sessionId), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sessionId = null;
  }

  async #poll(sessionId: string): Promise<void> {
    try {
      const status = await this.fetchStatus(sessionId);
      if (this.#sessionId === sessionId) this.onStatus(status);
    } catch {
      // See the class comment.
    }
  }
}
