import type fc from 'fast-check';

/**
 * How many cases each fuzz file runs: a few hundred in every `bun test` (CI), FUZZ_RUNS in the full mode
 * (`npm run fuzz` sets 10,000 per file).
 *
 * A failure names the request or frame that failed and prints fast-check's seed and path. Replay it with
 *   FUZZ_RUNS=<same count> FUZZ_SEED=<seed> bun test tests/fuzz/http.test.ts
 * which sends the same inputs in the same order to a fresh database (ids and tokens differ, the inputs do not).
 * FUZZ_PATH=<path> as well skips straight to the failing batch; it then meets a fresh world rather than the one
 * earlier batches left, so it may pass (fast-check then carries on with the batches after it).
 */
export function fuzzRuns(ciDefault: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}

export function fuzzParameters<T>(numRuns: number): fc.Parameters<T> {
  const seed = Number(process.env.FUZZ_SEED);
  return {
    numRuns,
    ...(process.env.FUZZ_SEED && Number.isInteger(seed) ? { seed } : {}),
    ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
    // No shrinking: each failure message names the request that failed, and a shrink step would replay a whole
    // batch against a database that earlier cases already changed.
    endOnFailure: true,
  };
}
