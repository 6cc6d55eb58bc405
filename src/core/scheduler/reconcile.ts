// The reconciler, pure (after Nomad's reconciler and Marathon's deployment actors): given what is
// declared for one app (and the deployment step that manages it, if any) and its instances, what
// to launch and kill now, whether the step is done, and why it waits. No I/O, no clock: the shell
// (scheduler.ts, deployment-runner.ts) carries the decision out.
import { selectInstancesToKill, type KillSelection } from '../deploy/kill-selection';
import { decideRestart, type UpgradeStrategyLike } from '../deploy/restart';
import { isTerminalCondition, type Instance } from './instance';

export type ReconcileStep = 'none' | 'scale' | 'restart' | 'stop';

export type InstanceView = Pick<Instance,
  'instanceId' | 'slot' | 'condition' | 'createdAt' | 'stagedAt' | 'startedAt' | 'killRequested' | 'decommissioned' | 'configVersion'>
  & { healthy?: boolean | null };

export interface ReconcileInput {
  /** Instances declared; null when the app is gone. */
  target: number | null;
  step: ReconcileStep;
  /** lastConfigChangeAt of the declared version: instances with another one are "old" in a restart. */
  configVersion: string;
  strategy: UpgradeStrategyLike;
  killSelection: KillSelection;
  /** Most instances that can exist at once (static address pool); Infinity when unbounded. */
  capacityLimit: number;
  instances: readonly InstanceView[];
  /** The app has health checks: an instance is up only when Running and healthy (Marathon). */
  healthChecked?: boolean;
}

export interface ReconcileDecision {
  /** New instances to schedule. */
  launch: number;
  /** Instance ids to kill (decommissioned: not replaced). */
  kill: string[];
  /** The step's goal holds (always false for 'none', which has no end). */
  done: boolean;
  /** What it waits for when not done, for /v2/deployments and logs. */
  waitReason: string | null;
}

/** Counts toward the target: not being killed, not given up as unreachable. */
export function isActive(i: InstanceView): boolean {
  return !i.killRequested && !i.decommissioned && i.condition !== 'UnreachableInactive';
}

/** Up for a deployment: Running, no kill sent, and healthy when the app has health checks. */
export function isUp(i: InstanceView, healthChecked: boolean): boolean {
  return i.condition === 'Running' && !i.killRequested && (!healthChecked || i.healthy === true);
}

export function reconcile(input: ReconcileInput): ReconcileDecision {
  const all = input.instances;
  const checked = input.healthChecked === true;
  if (input.target === null || input.step === 'stop') {
    const kill = all.filter((i) => !i.killRequested).map((i) => i.instanceId);
    const done = all.length === 0;
    return { launch: 0, kill, done, waitReason: done ? null : `${all.length} instance(s) to stop` };
  }
  const target = input.target;
  if (input.step === 'restart') {
    const d = decideRestart({
      instances: all.map((i) => ({
        instanceId: i.instanceId, slot: i.slot, condition: i.condition, createdAt: i.createdAt, stagedAt: i.stagedAt, startedAt: i.startedAt,
        isNew: i.configVersion === input.configVersion,
        ready: isUp(i, checked),
        killing: !isActive(i),
      })),
      target, strategy: input.strategy, killSelection: input.killSelection, capacityLimit: input.capacityLimit,
    });
    const kill = [...strays(all), ...d.kill];
    const done = d.done && kill.length === 0 && d.launch === 0 && all.every((i) => !i.killRequested);
    return { launch: d.launch, kill, done, waitReason: done ? null : waitReason(all, target, checked) };
  }
  const active = all.filter(isActive);
  const surplus = active.length > target ? selectInstancesToKill(active, active.length - target, input.killSelection).map((i) => i.instanceId) : [];
  // A decommissioned instance with no kill in flight (its kill was lost with a launch or a
  // failover) is killed again: it counts for nothing, so nothing else would ever end it.
  const kill = [...strays(all), ...surplus];
  const launch = Math.max(0, target - active.length);
  const done = input.step === 'scale' && launch === 0 && kill.length === 0
    && all.length === target && all.every((i) => isUp(i, checked));
  return { launch, kill, done, waitReason: done || input.step === 'none' ? null : waitReason(all, target, checked) };
}

/** Decommissioned instances that no kill is ending. */
function strays(all: readonly InstanceView[]): string[] {
  return all.filter((i) => i.decommissioned && !i.killRequested && !isTerminalCondition(i.condition) && i.condition !== 'UnreachableInactive')
    .map((i) => i.instanceId);
}

function waitReason(all: readonly InstanceView[], target: number, checked: boolean): string {
  const killing = all.filter((i) => !isActive(i)).length;
  const notRunning = all.filter((i) => isActive(i) && i.condition !== 'Running').length;
  const notHealthy = checked ? all.filter((i) => isActive(i) && i.condition === 'Running' && i.healthy !== true).length : 0;
  const parts: string[] = [];
  if (killing > 0) parts.push(`${killing} being killed`);
  if (notRunning > 0) parts.push(`${notRunning} not running yet`);
  if (notHealthy > 0) parts.push(`${notHealthy} not healthy yet`);
  if (all.length - killing < target) parts.push(`${target - (all.length - killing)} to launch`);
  return parts.length > 0 ? parts.join(', ') : 'old instances to replace';
}
