/**
 * Token buckets by key (a user id, a client address), kept in this process: each instance limits what reaches it.
 * A bucket holds up to `burst` tokens and refills at `perSecond`; a request takes one.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    /** Above this many keys, buckets that have refilled are forgotten (they hold nothing a new one would not). */
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes a token for `key`: 0 when there was one, else the whole seconds until there is. */
  take(key: string, now = performance.now()): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.prune(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = this.level(bucket, now);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.perSecond);
  }

  get size(): number {
    return this.buckets.size;
  }

  private level(bucket: { tokens: number; at: number }, now: number): number {
    return Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
  }

  private prune(now: number) {
    for (const [key, bucket] of this.buckets) if (this.level(bucket, now) >= this.burst) this.buckets.delete(key);
    // Every bucket still in use (a flood of new keys): start over rather than grow without bound.
    if (this.buckets.size >= this.maxKeys) this.buckets.clear();
  }
}
