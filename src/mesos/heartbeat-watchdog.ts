// Fires once when no record arrived for `limit` ms. feed() is called for every record, so it only
// stores a timestamp; the single timer re-arms itself for the remaining time when it wakes early.
import type { Clock, Timer } from '../lib/clock';

export function heartbeatTimeoutMs(intervalSeconds: number, missLimit: number): number {
  const interval = Number.isFinite(intervalSeconds) && intervalSeconds > 0 ? intervalSeconds : 15;
  const misses = Number.isFinite(missLimit) && missLimit >= 1 ? missLimit : 5;
  return Math.ceil(interval * misses * 1000);
}

export class HeartbeatWatchdog {
  private timer: Timer | undefined;
  private lastSeen = 0;
  private limitMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (silentMs: number) => void,
  ) {}

  arm(limitMs: number): void {
    this.disarm();
    this.limitMs = limitMs;
    this.lastSeen = this.clock.now();
    this.schedule(limitMs);
  }

  feed(): void {
    this.lastSeen = this.clock.now();
  }

  disarm(): void {
    if (this.timer !== undefined) this.timer.cancel();
    this.timer = undefined;
  }

  get armed(): boolean {
    return this.timer !== undefined;
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimer(() => this.check(), ms);
  }

  private check(): void {
    this.timer = undefined;
    const silent = this.clock.now() - this.lastSeen;
    if (silent >= this.limitMs) {
      this.onExpire(silent);
      return;
    }
    this.schedule(this.limitMs - silent);
  }
}
