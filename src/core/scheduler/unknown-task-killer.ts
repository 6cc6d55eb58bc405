// Which unknown tasks (live in Mesos, absent from the state) to kill now. Pure: time is passed in.
// A task is killed at once, then again only after a growing pause (1 s, 2 s, 4 s … 60 s) however
// many status updates it sends, and no more than `perSecond` kills go out in any second — after a
// leader reloads an older state, hundreds of tasks can be unknown at once (issue 21, repro 2).
export interface UnknownKillPolicy { firstPauseMs: number; maxPauseMs: number; perSecond: number; forgetAfterMs: number }

export const DEFAULT_UNKNOWN_KILL_POLICY: UnknownKillPolicy = { firstPauseMs: 1000, maxPauseMs: 60_000, perSecond: 50, forgetAfterMs: 600_000 };

export class UnknownTaskKiller {
  private readonly tasks = new Map<string, { attempts: number; nextAt: number; lastAt: number }>();
  private windowStart = 0;
  private inWindow = 0;

  constructor(private readonly policy: UnknownKillPolicy = DEFAULT_UNKNOWN_KILL_POLICY) {}

  /** True when a KILL should be sent for this task now (and records it). */
  shouldKill(taskId: string, nowMs: number): boolean {
    const t = this.tasks.get(taskId);
    if (t !== undefined && nowMs < t.nextAt) return false;
    if (nowMs - this.windowStart >= 1000) { this.windowStart = nowMs; this.inWindow = 0; }
    if (this.inWindow >= this.policy.perSecond) return false;
    this.inWindow++;
    const attempts = (t?.attempts ?? 0) + 1;
    const pause = Math.min(this.policy.maxPauseMs, this.policy.firstPauseMs * 2 ** (attempts - 1));
    this.tasks.set(taskId, { attempts, nextAt: nowMs + pause, lastAt: nowMs });
    return true;
  }

  /** The task reached a terminal state: nothing more to do for it. */
  gone(taskId: string): void {
    this.tasks.delete(taskId);
  }

  /** Drops entries not heard of for a long time (bounded memory). */
  prune(nowMs: number): void {
    for (const [id, t] of this.tasks) if (nowMs - t.lastAt >= this.policy.forgetAfterMs) this.tasks.delete(id);
  }

  get size(): number {
    return this.tasks.size;
  }
}
