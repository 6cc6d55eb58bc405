// Time as src/ sees it: one injectable object for "now" and one-shot timers, so tests drive
// heartbeats, backoff, timeouts and whole simulations without waiting.

export interface Timer { cancel(): void }

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms` (negative counts as 0). */
  setTimer(fn: () => void, ms: number): Timer;
}

/** Wall time; its timers keep the process alive like setTimeout's. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

/** Wall time whose timers never keep the process alive on their own. */
export const unrefClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A promise settled after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => { clock.setTimer(resolve, ms); });
}
