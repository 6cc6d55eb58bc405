// At most `limit` scheduler calls of one kind on the wire at once; the others wait here, in order.
// Without it thousands of ACKNOWLEDGEs queued inside Node's http.Agent, whose per-origin queue
// costs a shift of the whole array per freed socket (quadratic in a launch storm), and a call's
// deadline ran while it still waited for a socket (issue 20). A call's deadline now starts when it
// leaves the gate, and each call still follows its own retry policy (call-policy.ts).
// ACKNOWLEDGEs wait in a lane of their own that is served only while no other call waits: in a
// 30k launch storm thousands of them were queued, and every ACCEPT waited behind them (issue 20).

import Denque from 'denque';

interface Waiter { grant: () => void; withdrawn: boolean }

/** Waiters in request order (a double-ended queue: taking one never shifts an array). */
class Lane {
  private readonly waiting = new Denque<Waiter>();

  get empty(): boolean {
    return this.waiting.isEmpty();
  }

  get queued(): number {
    let n = 0;
    for (let k = 0; k < this.waiting.length; k++) if (!(this.waiting.peekAt(k) as Waiter).withdrawn) n++;
    return n;
  }

  push(w: Waiter): void {
    this.waiting.push(w);
  }

  /** The next waiter not withdrawn, taken out of the lane. */
  take(): Waiter | undefined {
    for (let w = this.waiting.shift(); w !== undefined; w = this.waiting.shift()) {
      if (!w.withdrawn) return w;
    }
    return undefined;
  }
}

export class CallGate {
  private active = 0;
  private readonly first = new Lane();
  /** Served only while no call waits in `first` (ACKNOWLEDGEs: an ACCEPT must not wait behind thousands of them). */
  private readonly background = new Lane();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`call gate limit must be a positive integer, got ${limit}`);
  }

  /** Calls holding a place now. */
  get running(): number {
    return this.active;
  }

  /** Calls waiting for a place. */
  get queued(): number {
    return this.first.queued + this.background.queued;
  }

  /**
   * Resolves with a release function once a place is free (in request order; a `background`
   * request only when no other waits). `onAbort` receives a function that withdraws the waiting
   * request (it then rejects with the given error) and returns an untrack function, called once
   * the request got its place or was withdrawn.
   */
  acquire(onAbort?: (abort: (err: Error) => void) => () => void, background = false): Promise<() => void> {
    const lane = background ? this.background : this.first;
    if (this.active < this.limit && this.first.empty && lane.empty) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<() => void>((resolve, reject) => {
      let untrack = (): void => undefined;
      const w: Waiter = {
        withdrawn: false,
        grant: () => {
          untrack();
          resolve(this.releaser());
        },
      };
      lane.push(w);
      if (onAbort !== undefined) {
        untrack = onAbort((err) => {
          if (w.withdrawn) return;
          w.withdrawn = true;
          untrack();
          reject(err);
        });
      }
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.next();
    };
  }

  private next(): void {
    while (this.active < this.limit) {
      const w = this.first.take() ?? this.background.take();
      if (w === undefined) return;
      w.withdrawn = true; // granted: a later abort does nothing
      this.active++;
      w.grant();
    }
  }
}
