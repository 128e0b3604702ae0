export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. */
  initialDelayMs: number;
  /** Cap on any single delay. */
  maxDelayMs: number;
}

/**
 * Capped exponential backoff with jitter: attempt n waits between half and all of min(max, initial·2ⁿ),
 * so a fleet of clients that lost the server at the same moment does not come back at the same moment.
 */
export function backoff(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
