// Rolling restart (spec §8.3), as a pure "what to do now" function the deployment runner calls
// whenever an instance of the app changes. Idempotent: it looks at the current instances only.
//
// Slots and sticky addresses: a new instance takes the lowest free slot, so while old instances
// still hold their slots the new ones land in higher slots. When the app's static pool has no
// room for extra instances (`capacityLimit`), over-capacity is impossible: we then kill one more
// old instance first (as Marathon does for resident apps), and the new instance takes the freed
// slot — keeping that slot's address and MAC.
import type { KillSelection } from './kill-selection';
import { orderForKill, type KillCandidate } from './kill-selection';

export interface UpgradeStrategyLike { minimumHealthCapacity: number; maximumOverCapacity: number }

export interface RestartInstance extends KillCandidate {
  /** True when the instance runs the target configuration. */
  isNew: boolean;
  /** Counts as healthy/ready: Running and, for an app with health checks, healthy. */
  ready: boolean;
  /** A kill was already sent. */
  killing: boolean;
}

export interface RestartInput {
  instances: readonly RestartInstance[];
  target: number;
  strategy: UpgradeStrategyLike;
  killSelection: KillSelection;
  /** Most instances that can exist at once (static address pool size); Infinity when unbounded. */
  capacityLimit: number;
}

export interface RestartDecision {
  kill: string[];
  launch: number;
  done: boolean;
}

export function restartBounds(target: number, strategy: UpgradeStrategyLike, capacityLimit: number): { minHealthy: number; maxCapacity: number } {
  let minHealthy = Math.ceil(target * strategy.minimumHealthCapacity);
  let maxCapacity = Math.floor(target * (1 + strategy.maximumOverCapacity));
  if (maxCapacity > capacityLimit) maxCapacity = Math.max(capacityLimit, target === 0 ? 0 : 1);
  if (target > 0 && minHealthy >= maxCapacity) {
    if (maxCapacity < capacityLimit) maxCapacity = minHealthy + 1; // one extra instance temporarily
    else minHealthy = Math.max(0, maxCapacity - 1); // no room: kill one more old instance instead
  }
  return { minHealthy, maxCapacity };
}

export function decideRestart(input: RestartInput): RestartDecision {
  const { minHealthy, maxCapacity } = restartBounds(input.target, input.strategy, input.capacityLimit);
  const old = input.instances.filter((i) => !i.isNew);
  const liveOld = old.filter((i) => !i.killing);
  const liveNew = input.instances.filter((i) => i.isNew && !i.killing);
  const readyNew = liveNew.filter((i) => i.ready).length;

  // Keep just enough old instances to stay at minHealthy together with the ready new ones.
  const keepOld = Math.max(0, Math.min(liveOld.length, minHealthy - readyNew));
  const toKill = orderForKill(liveOld, input.killSelection).slice(0, liveOld.length - keepOld).map((i) => i.instanceId);
  // More new instances than wanted (a replacement started while an earlier deployment was
  // superseded, or the target dropped): the surplus goes, not-ready ones first. Without this the
  // step could never finish (it waits for exactly `target`).
  const surplusNew = liveNew.length - input.target;
  if (surplusNew > 0) toKill.push(...orderForKill(liveNew, input.killSelection).slice(0, surplusNew).map((i) => i.instanceId));

  // Everything still alive (killing ones included: they hold their slots) counts against capacity.
  const alive = input.instances.length;
  const room = Math.max(0, maxCapacity - alive);
  const wanted = Math.max(0, input.target - liveNew.length);
  const launch = Math.min(wanted, room);

  const done = old.length === 0 && readyNew >= input.target && liveNew.length <= input.target;
  return { kill: toKill, launch, done };
}
