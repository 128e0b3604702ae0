/**
 * Runs an async reload, never two at once: a request made while one is running triggers exactly one more run
 * afterwards, so bursts of events (`queue.changed` ×10) cost at most two fetches and the last one wins.
 */
export function refresher(load: () => Promise<void>, onError: (error: unknown) => void): () => void {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) return void (again = true);
    running = true;
    try {
      do {
        again = false;
        await load().catch(onError);
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => void run();
}
