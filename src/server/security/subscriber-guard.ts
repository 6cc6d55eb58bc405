// A counting guard for long-lived streams (/v2/events): at most `limit` at once. `tryAcquire`
// hands out an idempotent release function, or undefined when full.

export const DEFAULT_MAX_EVENT_SUBSCRIBERS = 64;

export class SubscriberGuard {
  private count = 0;
  constructor(readonly limit: number = DEFAULT_MAX_EVENT_SUBSCRIBERS) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`subscriber limit must be a non-negative integer, not ${limit}`);
  }

  get active(): number { return this.count; }

  tryAcquire(): (() => void) | undefined {
    if (this.count >= this.limit) return undefined;
    this.count++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.count--;
    };
  }
}
