/**
 * The one polling helper of the tests: calls `check` every `intervalMs` (50) until it returns something truthy,
 * which it returns. A check that throws counts as not yet (a server still starting refuses connections); after
 * `timeoutMs` the error names `what`, and the last error thrown, if any.
 */
export async function until<T>(check: () => Promise<T> | T, what: string, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    let value: T | undefined;
    try {
      value = await check();
    } catch (error) {
      lastError = error;
    }
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last: ${String(lastError)})` : ''}`);
    await Bun.sleep(intervalMs);
  }
}
