// The scheduler's only source of time and deferral. serve uses the real event loop; the seeded
// simulation (test/sim/) passes a virtual clock so every run replays exactly.
export interface TimerHandle { cancel(): void }

export interface SchedulerTimers {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms`. */
  after(ms: number, fn: () => void): TimerHandle;
  /** Runs `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): TimerHandle;
  /** Runs `fn` after the current work (I/O callbacks first): setImmediate. */
  soon(fn: () => void): void;
  /** A monotonic reading in ms used only to bound the length of a work slice. */
  sliceNow(): number;
}

export const realTimers: SchedulerTimers = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  },
  soon(fn) { setImmediate(fn); },
  sliceNow: () => performance.now(),
};
