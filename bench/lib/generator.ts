/**
 * The shared start of every load generator: its config from BENCH_CONFIG, JSON lines on stdout
 * ({progress} … {result} | {error}), and a hard deadline (BENCH_MAX_MS, default 180 s) after which it reports an
 * error and exits, so a stuck generator never outlives the suite.
 */
export function startGenerator<C>(name: string) {
  const config = JSON.parse(process.env.BENCH_CONFIG!) as C;
  const out = (o: unknown) => console.log(JSON.stringify(o));
  const deadline = Date.now() + Number(process.env.BENCH_MAX_MS ?? 180_000);
  setTimeout(() => {
    out({ error: `${name} load generator ran out of time` });
    process.exit(2);
  }, deadline - Date.now()).unref();
  return { config, out, progress: (text: string) => out({ progress: text }), deadline };
}

/** Waiting for the orchestrator's words on stdin ("next", "done"): `await waitFor('next')`, in the order they come. */
export function stdinWords(): (word: string) => Promise<void> {
  const lines = (async function* () {
    for await (const line of console) yield line.trim();
  })();
  return async (word) => {
    for (;;) {
      const next = await lines.next();
      if (next.done || next.value === word) return;
    }
  };
}
