// Marathon's launch backoff (spec §9), as pure functions over a small value.
//
// Interpretation where the spec is terse: launches are held back until `failedAtMs + delayMs`;
// the "reference time" only decides expiry (a delay is forgotten `maxLaunchDelaySeconds` after it)
// and is moved to now whenever a task of that config reaches Staging/Starting/Running, so a
// config that keeps failing soon after starting keeps growing its delay.

export interface BackoffPolicy {
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
}

export interface Delay {
  delayMs: number;
  failedAtMs: number;
  referenceMs: number;
}

/** The key a delay is kept under: per app and config version, so a config change starts clean. */
export function backoffKey(appId: string, lastConfigChangeAt: string): string {
  return `${appId}@${lastConfigChangeAt}`;
}

/** A terminal failure: first delay is backoffSeconds, then × backoffFactor, capped. */
export function increaseDelay(current: Delay | undefined, policy: BackoffPolicy, nowMs: number): Delay {
  const maxMs = policy.maxLaunchDelaySeconds * 1000;
  const live = current !== undefined && !isExpired(current, policy, nowMs) ? current : undefined;
  const next = live === undefined
    ? policy.backoffSeconds * 1000
    : live.delayMs * Math.max(policy.backoffFactor, 1);
  return { delayMs: Math.min(next, maxMs), failedAtMs: nowMs, referenceMs: nowMs };
}

/** A task of this config staged, started or runs: restart the expiry clock, keep the value. */
export function advanceDelay(current: Delay | undefined, nowMs: number): Delay | undefined {
  return current === undefined ? undefined : { ...current, referenceMs: nowMs };
}

export function isExpired(d: Delay, policy: BackoffPolicy, nowMs: number): boolean {
  return nowMs >= d.referenceMs + policy.maxLaunchDelaySeconds * 1000;
}

/** Milliseconds until launching is allowed again (0 = overdue, may launch). */
export function timeLeftMs(d: Delay | undefined, policy: BackoffPolicy, nowMs: number): number {
  if (d === undefined || isExpired(d, policy, nowMs)) return 0;
  return Math.max(0, d.failedAtMs + d.delayMs - nowMs);
}
