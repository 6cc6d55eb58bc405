// Capped exponential backoff: attempt 0 waits initialMs, each further attempt doubles, never more
// than maxMs. Deterministic (no jitter): one scheduler talks to one master, there is no herd.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 15_000 };

export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const initial = Math.max(1, policy.initialMs);
  const max = Math.max(initial, policy.maxMs);
  if (attempt <= 0) return initial;
  // 2^attempt overflows to Infinity long after it passed any sane cap; Math.min handles it.
  return Math.min(max, initial * 2 ** Math.min(attempt, 62));
}

/** Counts consecutive failures; `reset()` after a success. */
export class Backoff {
  private attempt = 0;
  constructor(private readonly policy: BackoffPolicy) {}

  /** The delay before the next try, advancing the attempt counter. */
  next(): number {
    const delay = backoffDelay(this.attempt, this.policy);
    this.attempt++;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
