// Which instances a scale-down kills (spec §8.2). Pure.
//
// Order: explicitly sentenced instances; then instances never launched ("Scheduled": killing them
// loses nothing — our choice, Marathon is silent); then by condition Unreachable → Staging →
// Starting → Running → others; within one condition by killSelection (YOUNGEST_FIRST kills the
// most recently started/staged first). Among otherwise equal instances the higher slot goes first,
// so surviving instances keep the low slots and the sticky per-slot addresses and MACs stay put.
// The fields of an instance it reads are declared here, not imported: plans sit below the
// scheduler that carries them out (an Instance is a KillCandidate; test/unit checks that
// RankedCondition names only conditions an Instance can have).

export type KillSelection = 'YOUNGEST_FIRST' | 'OLDEST_FIRST';

/** The conditions with a rank of their own; any other condition ranks last. */
export type RankedCondition = 'Scheduled' | 'Provisioned' | 'Unreachable' | 'UnreachableInactive' | 'Staging' | 'Starting' | 'Running';

export interface KillCandidate {
  instanceId: string;
  slot: number;
  condition: string;
  createdAt: string;
  stagedAt: string | null;
  startedAt: string | null;
}

const CONDITION_RANK: Readonly<Record<RankedCondition, number>> = {
  Scheduled: 0, Provisioned: 0,
  Unreachable: 1, UnreachableInactive: 1,
  Staging: 2,
  Starting: 3,
  Running: 4,
};
const OTHER_RANK = 5;

function rankOf(c: string): number {
  return Object.hasOwn(CONDITION_RANK, c) ? CONDITION_RANK[c as RankedCondition] : OTHER_RANK;
}

/** When the instance started (or staged, or was created): the age killSelection compares. */
function startTime(i: KillCandidate): string {
  return i.startedAt ?? i.stagedAt ?? i.createdAt;
}

/** Orders candidates so that the first ones are killed first. Does not mutate its input. */
export function orderForKill<T extends KillCandidate>(
  candidates: readonly T[], killSelection: KillSelection, sentenced: ReadonlySet<string> = new Set(),
): T[] {
  return [...candidates].sort((a, b) => {
    const sa = sentenced.has(a.instanceId) ? 0 : 1;
    const sb = sentenced.has(b.instanceId) ? 0 : 1;
    if (sa !== sb) return sa - sb;
    const ra = rankOf(a.condition);
    const rb = rankOf(b.condition);
    if (ra !== rb) return ra - rb;
    const ta = startTime(a);
    const tb = startTime(b);
    if (ta !== tb) {
      const youngerFirst = ta > tb ? -1 : 1;
      return killSelection === 'OLDEST_FIRST' ? -youngerFirst : youngerFirst;
    }
    return b.slot - a.slot;
  });
}

/** The `count` instances to kill; sentenced ones are always included even beyond `count`. */
export function selectInstancesToKill<T extends KillCandidate>(
  candidates: readonly T[], count: number, killSelection: KillSelection, sentenced: ReadonlySet<string> = new Set(),
): T[] {
  const ordered = orderForKill(candidates, killSelection, sentenced);
  const mustGo = ordered.filter((i) => sentenced.has(i.instanceId)).length;
  return ordered.slice(0, Math.max(count, mustGo, 0));
}

/** The lowest `count` slots not in `used` (nomad's allocNameIndex): new instances take these. */
export function freeSlots(used: Iterable<number>, count: number): number[] {
  const taken = new Set(used);
  const out: number[] = [];
  for (let s = 0; out.length < count; s++) if (!taken.has(s)) out.push(s);
  return out;
}
