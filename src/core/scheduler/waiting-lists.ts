// The launch queue of each app in slot order, kept between offer rounds: a round no longer
// collects and sorts every waiting instance (issue 20: the cost of a round was the number of
// instances waiting, and a storm runs hundreds of rounds). A list is rebuilt only when an
// instance joined the app's waiting set (the repository's scheduled stamp); instances that left
// it (launched, killed) are skipped from the front as rounds go by.
import type { Instance } from './instance';

/** One round's view of an app's list: `first()`/`shift()` do not change the kept list. */
export class WaitingCursor {
  constructor(private readonly list: readonly Instance[], private pos: number) {}

  get length(): number {
    return this.list.length - this.pos;
  }

  first(): Instance {
    return this.list[this.pos];
  }

  shift(): void {
    this.pos++;
  }
}

export class WaitingLists {
  private readonly kept = new Map<string, { stamp: number; list: Instance[]; from: number }>();

  /**
   * The app's waiting instances from the lowest slot. `stamp` changes whenever an instance joined
   * the app's waiting set; `build` lists them (any order); `waiting` tells whether one still waits.
   */
  cursor(appId: string, stamp: number, build: () => Instance[], waiting: (i: Instance) => boolean): WaitingCursor {
    let k = this.kept.get(appId);
    if (k === undefined || k.stamp !== stamp) {
      k = { stamp, list: build().sort((a, b) => a.slot - b.slot), from: 0 };
      this.kept.set(appId, k);
    }
    while (k.from < k.list.length && !waiting(k.list[k.from])) k.from++;
    return new WaitingCursor(k.list, k.from);
  }

  /** Drops the lists of apps not in `appIds` (nothing waits there any more). */
  keepOnly(appIds: ReadonlySet<string>): void {
    for (const appId of this.kept.keys()) if (!appIds.has(appId)) this.kept.delete(appId);
  }
}
