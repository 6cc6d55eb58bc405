// Marathon's instance-update resolver as a pure function: what one TaskStatus does to one
// instance. No I/O, no clock (time is passed in); the scheduler shell stores, publishes and acts
// on the returned effect.
import type { NetworkInfo, TaskStatus } from '../../mesos/types';
import { nextHealth } from './health';
import {
  conditionOf, isFailureCondition, isTerminalCondition, type Instance, type InstanceCondition, type TaskIpAddress,
} from './instance';

export interface UpdateContext {
  nowMs: number;
  /** Name of the agent-link network (left out of the reported addresses); null = none. */
  agentLink: string | null;
  /** lastConfigChangeAt of the app's current version (undefined: app gone). */
  currentConfigVersion: string | undefined;
  unreachableStrategy: 'disabled' | { inactiveAfterSeconds: number; expungeAfterSeconds: number };
}

export type UpdateEffect =
  /** A late duplicate (an earlier lifecycle state than the one known): changes nothing. */
  | { kind: 'ignore'; reason: 'stale' }
  | {
    kind: 'update';
    instance: Instance;
    previous: InstanceCondition;
    /** Written to the store (false: transient or confirming, memory only). */
    durable: boolean;
    /** A killed instance came back from Unreachable: send the KILL again. */
    resendKill: boolean;
    /** Just became UnreachableInactive: a replacement is due. */
    becameInactive: boolean;
    backoff: 'progress' | 'failure' | null;
  }
  | {
    kind: 'expunge';
    instance: Instance;
    previous: InstanceCondition;
    /** Counts as the app's last task failure. */
    failure: boolean;
    /** A launch that never reached the master: replaced without backoff. */
    lostLaunch: boolean;
    backoff: 'progress' | 'failure' | null;
  };

/** Order of the non-terminal Mesos lifecycle; a lower rank after a higher one is a late duplicate. */
const LIFECYCLE: Partial<Record<InstanceCondition, number>> = { Provisioned: 0, Staging: 1, Starting: 2, Running: 3, Killing: 4 };

export function ipAddressesOf(infos: readonly NetworkInfo[]): TaskIpAddress[] {
  const out: TaskIpAddress[] = [];
  for (const n of infos) {
    for (const a of n.ip_addresses ?? []) {
      if (a.ip_address !== undefined && a.ip_address !== '') out.push({ ipAddress: a.ip_address, protocol: a.protocol ?? 'IPv4' });
    }
  }
  return out;
}

export function applyUpdate(current: Readonly<Instance>, status: TaskStatus, ctx: UpdateContext): UpdateEffect {
  const condition = conditionOf(status.state, status.reason);
  const previous = current.condition;
  const rankNow = LIFECYCLE[previous];
  const rankNew = LIFECYCLE[condition];
  if (rankNow !== undefined && rankNew !== undefined && rankNew < rankNow) return { kind: 'ignore', reason: 'stale' };

  const nowIso = new Date(ctx.nowMs).toISOString();
  const inst: Instance = { ...current, state: status.state, condition };
  if (status.agent_id !== undefined) inst.agentId = status.agent_id.value;
  // Reconciliation answers say only "Latest task state": keep the agent's own last words.
  if (status.message !== undefined && status.reason !== 'REASON_RECONCILIATION') inst.message = status.message;
  if (typeof status.healthy === 'boolean') {
    // Marathon's Health record (healthCheckResults); reconciliation answers repeat the latest
    // verdict and do not count as another check.
    if (status.reason !== 'REASON_RECONCILIATION' || current.healthy !== status.healthy) {
      inst.health = nextHealth(current.health, status.healthy, nowIso, status.healthy ? undefined : status.message);
    }
    inst.healthy = status.healthy;
  }
  const started = condition === 'Staging' || condition === 'Starting' || condition === 'Running';
  if (started && inst.stagedAt === null) inst.stagedAt = nowIso;
  if (condition === 'Running' && inst.startedAt === null) inst.startedAt = nowIso;
  const infos = status.container_status?.network_infos;
  if (infos !== undefined && infos.length > 0) {
    inst.statusNetworkInfos = infos.filter((n) => ctx.agentLink === null || n.name !== ctx.agentLink);
    inst.ipAddresses = ipAddressesOf(inst.statusNetworkInfos);
  }
  inst.unreachableSince = condition === 'Unreachable' ? (inst.unreachableSince ?? nowIso) : null;

  // A launch that never reached the master (its leader died before the ACCEPT, or the ACCEPT's
  // outcome was unknown) comes back from reconciliation as unknown: replaced, no backoff.
  const lostLaunch = previous === 'Provisioned' && status.reason === 'REASON_RECONCILIATION' && isTerminalCondition(condition);
  let backoff: 'progress' | 'failure' | null = null;
  if (ctx.currentConfigVersion !== undefined && inst.configVersion === ctx.currentConfigVersion) {
    if (started) backoff = 'progress';
    // A kill by the executor's health check (TASK_KILLED, healthy=false) is a failure too: relaunch with backoff.
    const unhealthyKill = condition === 'Killed' && status.healthy === false;
    if ((isFailureCondition(condition) || unhealthyKill) && !inst.killRequested && !lostLaunch) backoff = 'failure';
  }

  if (isTerminalCondition(condition)) {
    const failure = !lostLaunch && (isFailureCondition(condition) || (condition === 'Killed' && !inst.killRequested));
    return { kind: 'expunge', instance: inst, previous, failure, lostLaunch, backoff };
  }
  let becameInactive = false;
  if (condition === 'Unreachable' && ctx.unreachableStrategy !== 'disabled' && inst.unreachableSince !== null) {
    if (ctx.nowMs - Date.parse(inst.unreachableSince) >= ctx.unreachableStrategy.inactiveAfterSeconds * 1000) {
      inst.condition = 'UnreachableInactive';
      becameInactive = previous !== 'UnreachableInactive' && !inst.killRequested;
    }
  }
  // A reconciliation answer that confirms what we know changes nothing durable, and Staging /
  // Starting are recovered by reconciliation anyway: keep the store quiet for those.
  const confirmsKnownState = status.reason === 'REASON_RECONCILIATION' && previous === condition;
  const durable = !(((condition === 'Staging' || condition === 'Starting') && !inst.killRequested) || confirmsKnownState);
  const resendKill = inst.killRequested && started && previous === 'Unreachable';
  return { kind: 'update', instance: inst, previous, durable, resendKill, becameInactive, backoff };
}
