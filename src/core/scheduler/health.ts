// Task health as Marathon reports it (pure): Mesos says `healthy` on status updates of tasks
// with an executor-run check (TaskInfo.health_check); we keep Marathon's Health record per task
// (first/last success, last failure and its cause, consecutive failures) for `healthCheckResults`.
// Whether an app's instances must be healthy to count as up is `hasReportedHealth`; the reconciler
// (reconcile.ts, isUp) applies it.
import type { AppDefinition } from '../apps/types';

export interface HealthRecord {
  firstSuccess: string | null;
  lastSuccess: string | null;
  lastFailure: string | null;
  lastFailureCause: string | null;
  consecutiveFailures: number;
}

/** The record after one `healthy` verdict from Mesos at `nowIso`. */
export function nextHealth(prev: HealthRecord | undefined, healthy: boolean, nowIso: string, cause?: string): HealthRecord {
  const base: HealthRecord = prev ?? { firstSuccess: null, lastSuccess: null, lastFailure: null, lastFailureCause: null, consecutiveFailures: 0 };
  if (healthy) return { ...base, firstSuccess: base.firstSuccess ?? nowIso, lastSuccess: nowIso, consecutiveFailures: 0 };
  return { ...base, lastFailure: nowIso, lastFailureCause: cause ?? 'Mesos health check failed', consecutiveFailures: base.consecutiveFailures + 1 };
}

/** Marathon's `healthCheckResults` entry of a task. */
export function healthCheckResultJson(instanceId: string, healthy: boolean | null, h: HealthRecord | undefined): Record<string, unknown>[] {
  if (h === undefined || healthy === null) return [];
  return [{
    alive: healthy, consecutiveFailures: h.consecutiveFailures, firstSuccess: h.firstSuccess, lastFailure: h.lastFailure,
    lastSuccess: h.lastSuccess, lastFailureCause: h.lastFailureCause, instanceId,
  }];
}

/** The app has health checks: Mesos runs COMMAND/MESOS_*, serve runs HTTP/HTTPS/TCP (marathon-health.ts). */
export function hasReportedHealth(app: AppDefinition): boolean {
  return app.healthChecks.length > 0;
}
