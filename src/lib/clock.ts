// Time as src/ sees it: one injectable object for "now" and one-shot timers, so tests drive
// heartbeats, backoff, timeouts, the scheduler and whole simulations without waiting. Repeating
// timers, deferral and work-slice readings are built on it below.

export interface Timer { cancel(): void }

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms` (negative counts as 0). */
  setTimer(fn: () => void, ms: number): Timer;
  /** Runs `fn` after the current work, I/O callbacks first (setImmediate); absent: a 0 ms timer. */
  defer?(fn: () => void): void;
  /**
   * A monotonic reading in ms, used only to bound the length of a work slice; absent (virtual
   * time): always 0, so slices end by their amount of work alone and a simulation replays exactly.
   */
  monotonic?(): number;
}

/** Wall time; its timers keep the process alive like setTimeout's. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
  defer: (fn) => { setImmediate(fn); },
  monotonic: () => performance.now(),
};

/** Wall time whose timers never keep the process alive on their own. */
export const unrefClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  defer: (fn) => { setImmediate(fn); },
  monotonic: () => performance.now(),
};

/** A promise settled after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => { clock.setTimer(resolve, ms); });
}

/** Runs `fn` every `ms` until cancelled: each run first sets the next timer, as setInterval does. */
export function every(clock: Clock, ms: number, fn: () => void): Timer {
  let current: Timer | undefined;
  let stopped = false;
  const arm = (): void => {
    current = clock.setTimer(() => {
      if (stopped) return;
      arm();
      fn();
    }, ms);
  };
  arm();
  return { cancel: () => { stopped = true; current?.cancel(); } };
}

/** Runs `fn` after the current work: `clock.defer`, else a 0 ms timer. */
export function defer(clock: Clock, fn: () => void): void {
  if (clock.defer !== undefined) clock.defer(fn);
  else clock.setTimer(fn, 0);
}

/** `clock.monotonic()`, or 0 on a clock without one (virtual time). */
export function monotonic(clock: Clock): number {
  return clock.monotonic?.() ?? 0;
}
