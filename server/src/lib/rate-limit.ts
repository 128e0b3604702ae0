/**
 * Token buckets by key (a user id, a client address), kept in this process: each instance limits what reaches it.
 * A bucket holds up to `burst` tokens and refills at `perSecond`; a request takes one.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    /** Above this many keys, the least recently used bucket is forgotten for each new one. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes a token for `key`: 0 when there was one, else the whole seconds until there is. */
  take(key: string, now = performance.now()): number {
    let bucket = this.buckets.get(key);
    if (bucket) {
      // A Map iterates in insertion order: moved to the end, the first entry is always the least recently used.
      this.buckets.delete(key);
    } else {
      if (this.buckets.size >= this.maxKeys) this.evictOldest();
      bucket = { tokens: this.burst, at: now };
    }
    this.buckets.set(key, bucket);
    bucket.tokens = this.level(bucket, now);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.wait(key, now);
  }

  /** The whole seconds until `key` has a token, without taking it (0: it has one). */
  wait(key: string, now = performance.now()): number {
    const bucket = this.buckets.get(key);
    const tokens = bucket ? this.level(bucket, now) : this.burst;
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.perSecond);
  }

  get size(): number {
    return this.buckets.size;
  }

  private level(bucket: { tokens: number; at: number }, now: number): number {
    return Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
  }

  /**
   * A flood of new keys (addresses are cheap) pushes out the buckets used longest ago, one per new key: a key being
   * limited now stays limited, where clearing every bucket gave everyone, the flooder too, a fresh burst.
   */
  private evictOldest() {
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}
