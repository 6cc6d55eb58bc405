// Per-app facts about the stored instances, kept up to date as each instance is put or removed, so
// that per-offer, per-status and per-request work never scans every instance (issue 20): the task
// counts GET /v2/apps shows, the slots in use (the lowest free one for slot compaction), and the
// instances housekeeping has to look at (not Running, or a kill was sent).
//
// An instance is changed in place by the scheduler and then handed to put() again: the index keeps
// what it last recorded per instance (app, slot, kind) and moves the counts from the old to the new.
import type { Instance } from './instance';

/** The counts Marathon shows per app (tasksStaged, tasksRunning, tasksHealthy, tasksUnhealthy). */
export interface TaskCounts { tasksStaged: number; tasksRunning: number; tasksHealthy: number; tasksUnhealthy: number }

/** 0 other, 1 staged, 2 running (health unknown), 3 running healthy, 4 running unhealthy. */
type Kind = 0 | 1 | 2 | 3 | 4;

function kindOf(i: Instance): Kind {
  switch (i.condition) {
    case 'Provisioned': case 'Staging': case 'Starting': return 1;
    case 'Running': return i.healthy === true ? 3 : i.healthy === false ? 4 : 2;
    default: return 0;
  }
}

/** Needs a look from housekeeping every round: a kill was sent (resent when unanswered), or unreachable. */
function watched(i: Instance): boolean {
  return i.killRequested || i.condition === 'Unreachable' || i.condition === 'UnreachableInactive';
}

/** A launch in flight: its launch timeouts run from launchedAtMs. */
function launching(i: Instance): boolean {
  return i.launchedAtMs !== null && (i.condition === 'Provisioned' || i.condition === 'Staging' || i.condition === 'Starting');
}

interface Entry { appId: string; slot: number; kind: Kind; queuedLaunchAtMs: number | null }

/** A binary min-heap of launches by launch time. */
class LaunchHeap {
  private readonly at: number[] = [];
  private readonly ids: string[] = [];

  get size(): number {
    return this.at.length;
  }

  push(atMs: number, id: string): void {
    let k = this.at.length;
    this.at.push(atMs);
    this.ids.push(id);
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (this.at[p] <= atMs) break;
      this.at[k] = this.at[p]; this.ids[k] = this.ids[p];
      k = p;
    }
    this.at[k] = atMs; this.ids[k] = id;
  }

  peek(): number | undefined {
    return this.at[0];
  }

  pop(): { atMs: number; id: string } {
    const top = { atMs: this.at[0], id: this.ids[0] };
    const lastAt = this.at.pop() as number;
    const lastId = this.ids.pop() as string;
    const n = this.at.length;
    if (n > 0) {
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        if (l >= n) break;
        const c = l + 1 < n && this.at[l + 1] < this.at[l] ? l + 1 : l;
        if (this.at[c] >= lastAt) break;
        this.at[k] = this.at[c]; this.ids[k] = this.ids[c];
        k = c;
      }
      this.at[k] = lastAt; this.ids[k] = lastId;
    }
    return top;
  }

  clear(): void {
    this.at.length = 0;
    this.ids.length = 0;
  }
}

class AppFacts {
  /** Instances per kind (index = Kind). */
  readonly kinds = [0, 0, 0, 0, 0];
  /** Instances per slot. */
  readonly slots = new Map<number, number>();
  /** Slots below `end` that no instance holds. */
  readonly free = new Set<number>();
  /** One past the highest slot ever held. */
  end = 0;
  size = 0;

  useSlot(slot: number): void {
    const n = this.slots.get(slot) ?? 0;
    this.slots.set(slot, n + 1);
    if (n > 0) return;
    this.free.delete(slot);
    for (let s = this.end; s < slot; s++) if (!this.slots.has(s)) this.free.add(s);
    if (slot >= this.end) this.end = slot + 1;
  }

  releaseSlot(slot: number): void {
    const n = this.slots.get(slot) ?? 0;
    if (n > 1) { this.slots.set(slot, n - 1); return; }
    this.slots.delete(slot);
    this.free.add(slot);
    // Only holes below the highest slot held are kept.
    while (this.end > 0 && !this.slots.has(this.end - 1)) { this.end--; this.free.delete(this.end); }
  }
}

export class InstanceIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly apps = new Map<string, AppFacts>();
  private readonly watchedIds = new Set<string>();
  private readonly launches = new LaunchHeap();
  /** Instances per kind over all apps. */
  private readonly allKinds = [0, 0, 0, 0, 0];

  clear(): void {
    this.launches.clear();
    this.allKinds.fill(0);
    this.entries.clear();
    this.apps.clear();
    this.watchedIds.clear();
  }

  /** Records the instance as it is now (new, or changed in place since the last put). */
  put(i: Instance): void {
    const kind = kindOf(i);
    const prev = this.entries.get(i.instanceId);
    if (prev === undefined) {
      const facts = this.factsOf(i.appId);
      facts.size++;
      facts.kinds[kind]++;
      this.allKinds[kind]++;
      facts.useSlot(i.slot);
      this.entries.set(i.instanceId, { appId: i.appId, slot: i.slot, kind, queuedLaunchAtMs: null });
    } else if (prev.appId !== i.appId) {
      this.remove(i.instanceId);
      this.put(i);
      return;
    } else if (prev.kind !== kind || prev.slot !== i.slot) {
      const facts = this.factsOf(i.appId);
      facts.kinds[prev.kind]--;
      facts.kinds[kind]++;
      this.allKinds[prev.kind]--;
      this.allKinds[kind]++;
      if (prev.slot !== i.slot) { facts.releaseSlot(prev.slot); facts.useSlot(i.slot); }
      prev.kind = kind;
      prev.slot = i.slot;
    }
    const entry = this.entries.get(i.instanceId) as Entry;
    if (launching(i) && entry.queuedLaunchAtMs !== i.launchedAtMs) {
      entry.queuedLaunchAtMs = i.launchedAtMs;
      this.launches.push(i.launchedAtMs as number, i.instanceId);
    }
    if (watched(i)) this.watchedIds.add(i.instanceId);
    else this.watchedIds.delete(i.instanceId);
  }

  remove(instanceId: string): void {
    const prev = this.entries.get(instanceId);
    if (prev === undefined) return;
    this.entries.delete(instanceId);
    this.watchedIds.delete(instanceId);
    this.allKinds[prev.kind]--;
    const facts = this.apps.get(prev.appId);
    if (facts === undefined) return;
    facts.kinds[prev.kind]--;
    facts.releaseSlot(prev.slot);
    if (--facts.size === 0) this.apps.delete(prev.appId);
  }

  counts(appId: string): TaskCounts {
    const k = this.apps.get(appId)?.kinds ?? [0, 0, 0, 0, 0];
    return { tasksStaged: k[1], tasksRunning: k[2] + k[3] + k[4], tasksHealthy: k[3], tasksUnhealthy: k[4] };
  }

  /** Instances launched and not running yet (Provisioned, Staging, Starting), over all apps. */
  stagedTotal(): number {
    return this.allKinds[1];
  }

  /** The lowest slot of the app no instance holds, when it is below `below`. */
  lowestFreeSlotBelow(appId: string, below: number): number | undefined {
    const facts = this.apps.get(appId);
    if (facts === undefined || facts.free.size === 0) return undefined;
    let low: number | undefined;
    for (const s of facts.free) if (s < below && (low === undefined || s < low)) low = s;
    return low;
  }

  /** Ids of the instances housekeeping looks at (cost: their number, not the number stored). */
  watched(): Iterable<string> {
    return this.watchedIds;
  }

  /**
   * Ids of the instances whose launch (as last put) was sent at or before `cutoffMs`, each launch
   * once (cost: the launches returned, plus a log factor). The caller checks what they are now.
   */
  launchesSentBy(cutoffMs: number): string[] {
    const out: string[] = [];
    while (this.launches.size > 0 && (this.launches.peek() as number) <= cutoffMs) {
      const { atMs, id } = this.launches.pop();
      const entry = this.entries.get(id);
      if (entry === undefined || entry.queuedLaunchAtMs !== atMs) continue;
      entry.queuedLaunchAtMs = null;
      out.push(id);
    }
    return out;
  }

  /** Instances of the app (for consistency checks). */
  sizeOf(appId: string): number {
    return this.apps.get(appId)?.size ?? 0;
  }

  private factsOf(appId: string): AppFacts {
    let f = this.apps.get(appId);
    if (f === undefined) { f = new AppFacts(); this.apps.set(appId, f); }
    return f;
  }
}
