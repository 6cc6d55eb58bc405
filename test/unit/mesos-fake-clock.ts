// A manual clock for the Mesos client's timers: time moves only when a test calls advance().
import type { Clock, Timer } from '../../src/lib/clock';

export class FakeClock implements Clock {
  private t = 1_000_000;
  private seq = 0;
  private timers: Array<{ handle: Timer; at: number; fn: () => void; seq: number }> = [];
  readonly scheduled: number[] = [];

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const handle: Timer = { cancel: () => { this.timers = this.timers.filter((x) => x.handle !== handle); } };
    ++this.seq;
    this.scheduled.push(ms);
    this.timers.push({ handle, at: this.t + ms, fn, seq: this.seq });
    return handle;
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward, running due timers in time order (timers they set run too if due). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}
