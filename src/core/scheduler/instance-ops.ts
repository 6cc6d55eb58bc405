// The scheduler's own operations on one instance as pure functions (Marathon's
// InstanceUpdateOperation: launch, revert, kill, expunge …): each returns the effect the
// repository applies (`Repository.apply`), the one writer of instance state. No I/O, no clock.
import type { HealthRecord } from './health';
import { nextHealth } from './health';
import type { NetworkInfo } from '../../mesos/types';
import { isLaunched, type Instance } from './instance';

export type InstanceEffect =
  /** The instance's next value: stored in memory, and written behind when durable. */
  | { kind: 'put'; instance: Instance; durable: boolean }
  /** The instance ends (memory and store). */
  | { kind: 'expunge'; instance: Instance };

export type ExpungeEffect = Extract<InstanceEffect, { kind: 'expunge' }>;

function put(instance: Instance, durable: boolean): InstanceEffect {
  return { kind: 'put', instance, durable };
}

/** A new instance waiting for an offer. */
export function created(instance: Instance): InstanceEffect {
  return put({ ...instance, condition: 'Scheduled' }, true);
}

/** A never-launched instance moves down to the lowest free slot (sticky addresses stay dense). */
export function compactedSlot(current: Readonly<Instance>, used: ReadonlySet<number>): number {
  if (current.incarnation > 0) return current.slot;
  for (let s = 0; s < current.slot; s++) if (!used.has(s)) return s;
  return current.slot;
}

export interface LaunchFacts {
  slot: number;
  taskId: string;
  agentId: string;
  host: string;
  nowMs: number;
  ports: number[];
  servicePorts: number[];
  runSpecVersion: string;
  configVersion: string;
  launchedNetworkInfos: NetworkInfo[];
}

/** The launch of a new task for the instance was decided: durable before the ACCEPT is sent. */
export function launched(current: Readonly<Instance>, f: LaunchFacts): InstanceEffect {
  const next: Instance = {
    ...current, slot: f.slot, incarnation: current.incarnation + 1, taskId: f.taskId, agentId: f.agentId, host: f.host,
    condition: 'Provisioned', state: null, launchedAtMs: f.nowMs,
    // Marathon stamps stagedAt at launch: a real agent sends no TASK_STAGING update.
    stagedAt: new Date(f.nowMs).toISOString(), startedAt: null, ports: f.ports, servicePorts: f.servicePorts,
    runSpecVersion: f.runSpecVersion, configVersion: f.configVersion, launchedNetworkInfos: f.launchedNetworkInfos,
    ipAddresses: [], statusNetworkInfos: [], killRequested: false, killSentAtMs: null, message: '', healthy: null,
  };
  delete next.health;
  return put(next, true);
}

/**
 * The launch never reached Mesos (store write failed, offer gone, ACCEPT refused): back to the
 * queue; or, when it was killed meanwhile, it ends here as a never-launched instance does.
 */
export function launchReverted(current: Readonly<Instance>): InstanceEffect | null {
  if (current.condition !== 'Provisioned') return null;
  if (current.killRequested || current.decommissioned) {
    return { kind: 'expunge', instance: { ...current, killRequested: false, killSentAtMs: null, condition: 'Killed' } };
  }
  return put({ ...current, condition: 'Scheduled', taskId: null, agentId: null, host: null, launchedAtMs: null }, true);
}

/**
 * A kill is decided. `decommission` = not to be replaced. A never-launched instance simply ends;
 * a launched one is marked (durably) and the shell sends the KILL.
 */
export function killed(current: Readonly<Instance>, decommission: boolean): InstanceEffect {
  const decommissioned = current.decommissioned || decommission;
  if (!isLaunched(current) || current.taskId === null) return { kind: 'expunge', instance: { ...current, decommissioned, condition: 'Killed' } };
  return put({ ...current, decommissioned, killRequested: true }, true);
}

/** A KILL was sent at `sentAtMs`, or (null) it failed to go out (memory only: after a reload every requested kill is sent again). */
export function killSent(current: Readonly<Instance>, sentAtMs: number | null): InstanceEffect {
  return put({ ...current, killSentAtMs: sentAtMs }, false);
}

/** Forgotten without waiting for Mesos (wipe=true): the slot may be refilled at once. */
export function wiped(current: Readonly<Instance>): ExpungeEffect {
  return { kind: 'expunge', instance: { ...current, decommissioned: false } };
}

/** A result of a check serve runs itself; `durable` when stored with the instance (a new verdict or a failure). */
export function healthNoted(current: Readonly<Instance>, healthy: boolean, nowIso: string, cause: string | undefined, durable: boolean): InstanceEffect {
  const health: HealthRecord = nextHealth(current.health, healthy, nowIso, cause);
  return put({ ...current, health, healthy }, durable);
}

/** Unreachable past the strategy's inactiveAfterSeconds: a replacement is due. */
export function becameInactive(current: Readonly<Instance>): InstanceEffect {
  return put({ ...current, condition: 'UnreachableInactive' }, true);
}

/** Unreachable past expungeAfterSeconds: forgotten; if the task comes back it is unknown and killed. */
export function unreachableExpunged(current: Readonly<Instance>): ExpungeEffect {
  return { kind: 'expunge', instance: { ...current, decommissioned: true } };
}
