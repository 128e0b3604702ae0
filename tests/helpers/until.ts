/** Polls `check` every 50 ms until it returns something truthy, which it returns; throws after `timeoutMs`. */
export async function until<T>(check: () => Promise<T> | T, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined;
    try {
      value = await check();
    } catch {
      // not there yet (a server still starting refuses connections)
    }
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}
