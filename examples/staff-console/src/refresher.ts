/**
 * Runs an async reload, never two at once: a request made while one is running triggers exactly one more run
 * afterwards, so bursts of events (`queue.changed` ×10) cost at most two fetches and the last one wins. With
 * `minIntervalMs`, runs also start at least that far apart: a view that costs many requests per load (the admin
 * overview) stays under the server's per-user rate limit while events keep coming.
 */
export function refresher(load: () => Promise<void>, onError: (error: unknown) => void, minIntervalMs = 0): () => void {
  let running = false;
  let again = false;
  let lastStart = -Infinity;
  const run = async () => {
    if (running) return void (again = true);
    running = true;
    try {
      do {
        const wait = lastStart + minIntervalMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        // Asks made while waiting are answered by this load: only asks made during it call for another.
        again = false;
        lastStart = performance.now();
        await load().catch(onError);
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => void run();
}
