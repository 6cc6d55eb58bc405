// The Mesos health checker's bookkeeping (pure; Mesos 1.11 health_checker.cpp semantics, facts
// only): failures while the task is still initialising (no success yet) and inside the grace
// period are ignored; every other failure counts, is reported unhealthy and asks for a kill once
// `consecutive_failures` have followed each other; the first success, and the first success after
// failures, is reported healthy. Times are milliseconds on the caller's clock.
import type { HealthCheck } from '../../mesos/types';

export interface HealthVerdict {
  /** A health status to report now (TASK_RUNNING with `healthy`), if any. */
  report?: { healthy: boolean; consecutiveFailures: number };
  /** The executor kills the task (failures reached `consecutive_failures`). */
  kill: boolean;
}

export class HealthState {
  private initializing = true;
  private failures = 0;
  constructor(private readonly check: HealthCheck, private readonly startedAtMs: number) {}

  /** Mesos' defaults where the TaskInfo leaves a field out (mesos.proto). */
  static timing(check: HealthCheck): { delayMs: number; intervalMs: number; timeoutMs: number; graceMs: number; consecutiveFailures: number } {
    return {
      delayMs: (check.delay_seconds ?? 15) * 1000,
      intervalMs: (check.interval_seconds ?? 10) * 1000,
      timeoutMs: (check.timeout_seconds ?? 20) * 1000,
      graceMs: (check.grace_period_seconds ?? 10) * 1000,
      consecutiveFailures: check.consecutive_failures ?? 3,
    };
  }

  get consecutiveFailures(): number { return this.failures; }

  result(ok: boolean, nowMs: number): HealthVerdict {
    const t = HealthState.timing(this.check);
    if (ok) {
      const report = this.initializing || this.failures > 0;
      this.initializing = false;
      this.failures = 0;
      return report ? { report: { healthy: true, consecutiveFailures: 0 }, kill: false } : { kill: false };
    }
    if (this.initializing && t.graceMs > 0 && nowMs - this.startedAtMs <= t.graceMs) return { kill: false };
    this.failures += 1;
    return { report: { healthy: false, consecutiveFailures: this.failures }, kill: this.failures >= t.consecutiveFailures };
  }
}
