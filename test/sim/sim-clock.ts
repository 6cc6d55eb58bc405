// Virtual time for the deterministic simulation: one ordered timer queue shared by the master,
// the agents and every serve "process" (each gets a TimerGroup it loses all at once on a crash).
import type { Clock, Timer } from '../../src/lib/clock';

interface Entry { at: number; seq: number; fn: () => void; cancelled: boolean }

/** Lets every pending promise callback run (the microtask queue is drained before setImmediate). */
export const drainMicrotasks = (): Promise<void> => new Promise((r) => setImmediate(r));

export class SimClock implements Clock {
  private time: number;
  private seq = 0;
  /** Sorted by (at, seq). */
  private queue: Entry[] = [];
  fired = 0;

  constructor(start = Date.parse('2030-01-01T00:00:00.000Z')) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const e: Entry = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    // Insert after every entry due at or before e.at (stable for equal times).
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.queue[mid] as Entry).at <= e.at) lo = mid + 1; else hi = mid;
    }
    this.queue.splice(lo, 0, e);
    return { cancel: () => { e.cancelled = true; } };
  }

  /** Fires due timers one at a time up to now+ms, letting promise chains settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await drainMicrotasks();
    for (;;) {
      const e = this.queue[0];
      if (e === undefined || e.at > target) break;
      this.queue.shift();
      if (e.cancelled) continue;
      this.time = Math.max(this.time, e.at);
      this.fired++;
      e.fn();
      // Promise callbacks run before the next timer, as in Node's own event loop; one
      // microtask checkpoint per group of timers due at the same instant keeps runs cheap.
      const next = this.queue[0];
      if (next === undefined || next.at !== e.at) await drainMicrotasks();
    }
    this.time = target;
  }

  group(): TimerGroup {
    return new TimerGroup(this);
  }
}

/**
 * The clock of one serve process: all its timers cancelled when it crashes. No `defer` (a 0 ms
 * timer instead) and no `monotonic` (work slices are bounded by count alone), so runs replay.
 */
export class TimerGroup implements Clock {
  private readonly live = new Set<{ cancelled: boolean; handle?: Timer }>();
  private dead = false;

  constructor(private readonly clock: SimClock) {}

  now(): number {
    return this.clock.now();
  }

  setTimer(fn: () => void, ms: number): Timer {
    const rec: { cancelled: boolean; handle?: Timer } = { cancelled: false };
    if (this.dead) return { cancel: () => undefined };
    rec.handle = this.clock.setTimer(() => { this.live.delete(rec); if (!rec.cancelled && !this.dead) fn(); }, ms);
    this.live.add(rec);
    return { cancel: () => { rec.cancelled = true; rec.handle?.cancel(); this.live.delete(rec); } };
  }

  /** The process is gone: nothing it scheduled runs any more. */
  kill(): void {
    this.dead = true;
    for (const rec of this.live) { rec.cancelled = true; rec.handle?.cancel(); }
    this.live.clear();
  }

  get isDead(): boolean {
    return this.dead;
  }
}
