// A MemoryStore over the shared backend (one "ZooKeeper") that injects the faults a real
// ensemble produces: writes refused (quorum lost), writes timing out with an unknown outcome
// (applied or not), a fenced store once the process is no longer the leader, and a dead one after
// a crash.
import { DocTree, type DocKey, type DocView } from '../../src/state/documents';
import { MemoryStore, type MemoryBackend } from '../../src/state/memory-store';
import { StoreFencedError, StoreTimeoutError, StoreUnavailableError, type StoreOp } from '../../src/state/store';
import type { Random } from '../../src/sim/mesos/rng';

export interface StoreFaultRates {
  /** refused before anything was applied */
  unavailable: number;
  /** timed out after it was applied */
  timeoutApplied: number;
  /** timed out and never applied */
  timeoutLost: number;
}

export const NO_STORE_FAULTS: StoreFaultRates = { unavailable: 0, timeoutApplied: 0, timeoutLost: 0 };

/** A copy of every document as it is now (what a lagging ZooKeeper server still serves later). */
export function snapshotOf(view: DocView): DocTree {
  const copy = new DocTree();
  const walk = (key: DocKey): void => {
    const v = view.get(key);
    if (v !== undefined) copy.set(key, structuredClone(v));
    for (const child of view.children(key)) walk([...key, child]);
  };
  walk([]);
  return copy;
}

export class FaultyStore extends MemoryStore {
  /** Reads come from this older copy (a new session on a lagging server), writes still go to the ensemble. */
  staleView: DocTree | undefined;
  rates: StoreFaultRates = NO_STORE_FAULTS;
  /** Quorum lost: every write is refused. */
  outage = false;
  /** The node writes are fenced with (set by the leadership controller each term). */
  private fence: string | undefined;
  /** The process crashed: nothing it sends arrives. */
  dead = false;
  readonly faults = { unavailable: 0, timeoutApplied: 0, timeoutLost: 0 };

  constructor(
    backend: MemoryBackend,
    private readonly random: Random,
    private readonly note: (line: string) => void,
    /** Whether an election node still exists (deposed: the fence node is gone, every write fails). */
    private readonly nodeExists: (node: string) => boolean = () => true,
  ) {
    super({ backend });
  }

  fenceWith(node: string | undefined): void {
    this.fence = node;
  }

  protected override view(): DocView {
    return this.staleView ?? super.view();
  }

  protected override async commit(ops: readonly StoreOp[]): Promise<void> {
    if (this.dead) throw new StoreUnavailableError('process is gone');
    if (this.fence !== undefined && !this.nodeExists(this.fence)) throw new StoreFencedError('fenced: not the leader');
    if (this.outage) throw new StoreUnavailableError('ZooKeeper quorum lost');
    const r = this.random();
    const { unavailable, timeoutApplied, timeoutLost } = this.rates;
    if (r < unavailable) { this.faults.unavailable++; throw new StoreUnavailableError('injected: unavailable'); }
    if (r < unavailable + timeoutLost) { this.faults.timeoutLost++; this.note(`store: ${ops.length} op(s) timed out, not applied`); throw new StoreTimeoutError('injected: timeout, not applied'); }
    await super.commit(ops);
    if (r < unavailable + timeoutLost + timeoutApplied) { this.faults.timeoutApplied++; this.note(`store: ${ops.length} op(s) timed out, applied`); throw new StoreTimeoutError('injected: timeout, applied'); }
  }
}
