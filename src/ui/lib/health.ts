// Health, ports, capacity and queue reasons as the app page shows them (pure; issue 14): a task's
// health from its healthCheckResults (all alive = healthy), its host ports as `host:p1,p2`, how many
// tasks an app runs beyond its instances (the stock UI's "over capacity"), and why a launch waits,
// from the queue entry's offer summary (the reasons Marathon names, in words).
import type { App, QueueItem, Task } from './types';

export type TaskHealth = 'healthy' | 'unhealthy' | 'unknown';

export function taskHealth(t: Task): TaskHealth | undefined {
  const results = t.healthCheckResults ?? [];
  if (results.length === 0) return undefined;
  if (results.every((r) => r.alive === true)) return 'healthy';
  if (results.some((r) => r.alive === false)) return 'unhealthy';
  return 'unknown';
}

/** `host:31000,31001`, or just the host when the task has no host ports. */
export function hostWithPorts(t: Task): string {
  const host = t.host ?? '';
  const ports = t.ports ?? [];
  return ports.length === 0 ? host : `${host}:${ports.join(',')}`;
}

/** Tasks beyond the app's instance count (e.g. during a rolling restart), 0 when none. */
export function overCapacity(app: App): number {
  const live = (app.tasksRunning ?? 0) + (app.tasksStaged ?? 0);
  return Math.max(0, live - (app.instances ?? 0));
}

const REASON_TEXT: Record<string, string> = {
  InsufficientCpus: 'no agent offers enough CPUs',
  InsufficientMemory: 'no agent offers enough memory',
  InsufficientDisk: 'no agent offers enough disk',
  InsufficientGpus: 'no agent offers enough GPUs',
  InsufficientPorts: 'no agent offers the ports',
  UnfulfilledRole: 'no offer in an accepted role',
  UnfulfilledConstraint: 'no agent meets the constraints',
  StaticIpHeld: 'a static address is held elsewhere',
  StaticPoolExhausted: 'no address left in the static pool',
  DeclinedScarceResources: 'agents with scarce resources declined',
  NoCorrespondingReservationFound: 'no matching reservation',
  AgentMaintenance: 'agents in maintenance',
};

/** Why the app's launch waits: the reason most of the last offers were declined for. */
export function queueReason(app: App, queue: readonly QueueItem[]): string | undefined {
  const entry = queue.find((q) => q.app?.id === app.id);
  const reasons = entry?.processedOffersSummary?.rejectSummaryLastOffers ?? [];
  const top = reasons.filter((r) => (r.declined ?? 0) > 0).sort((a, b) => (b.declined ?? 0) - (a.declined ?? 0))[0];
  if (top === undefined) return undefined;
  return REASON_TEXT[top.reason] ?? top.reason;
}
