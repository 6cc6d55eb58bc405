// The agent-side status update manager of Mesos, kept by the local master for all its agents:
// updates of one task form a queue; only the head is sent, and it is re-sent with exponential
// backoff (10 s, 20 s, 40 s … in Mesos; the base is configurable) until the scheduler
// acknowledges its uuid. A later update for the task waits behind an unacknowledged one.
import type { TaskStatus } from '../../mesos/types';
import type { Clock, Timer } from '../../lib/clock';

export interface StatusUpdateManagerOptions {
  clock: Clock;
  /** first retry delay, ms (Mesos: 10000) */
  baseRetryMs: number;
  /** retry delay cap, ms (Mesos: 600000) */
  maxRetryMs: number;
  /** delivers the update to the framework (a no-op while it is disconnected) */
  forward(frameworkId: string, status: TaskStatus): void;
}

interface Stream {
  frameworkId: string;
  taskId: string;
  queue: TaskStatus[];
  timer?: Timer;
  delayMs: number;
}

export type AckResult =
  | { kind: 'acknowledged'; status: TaskStatus; remaining: number }
  | { kind: 'unexpected' };

function key(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

export class StatusUpdateManager {
  private readonly streams = new Map<string, Stream>();
  private closed = false;

  constructor(private readonly opts: StatusUpdateManagerOptions) {}

  /** Queues an update that carries a uuid; sends it now if nothing is ahead of it. */
  enqueue(frameworkId: string, status: TaskStatus): void {
    if (this.closed) return;
    const k = key(frameworkId, status.task_id.value);
    let stream = this.streams.get(k);
    if (stream === undefined) {
      stream = { frameworkId, taskId: status.task_id.value, queue: [], delayMs: this.opts.baseRetryMs };
      this.streams.set(k, stream);
    }
    stream.queue.push(status);
    if (stream.queue.length === 1) this.sendHead(stream, true);
  }

  acknowledge(frameworkId: string, taskId: string, uuid: string): AckResult {
    const stream = this.streams.get(key(frameworkId, taskId));
    const head = stream?.queue[0];
    if (stream === undefined || head === undefined || head.uuid !== uuid) return { kind: 'unexpected' };
    stream.timer?.cancel();
    stream.timer = undefined;
    stream.queue.shift();
    if (stream.queue.length === 0) this.streams.delete(key(frameworkId, taskId));
    else this.sendHead(stream, true);
    return { kind: 'acknowledged', status: head, remaining: stream.queue.length };
  }

  /** Updates not yet acknowledged for a task, head first. */
  pending(frameworkId: string, taskId: string): readonly TaskStatus[] {
    return this.streams.get(key(frameworkId, taskId))?.queue ?? [];
  }

  pendingCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.queue.length;
    return n;
  }

  /** Forgets everything of a removed framework. */
  dropFramework(frameworkId: string): void {
    for (const [k, s] of this.streams) {
      if (s.frameworkId !== frameworkId) continue;
      s.timer?.cancel();
      this.streams.delete(k);
    }
  }

  /** Forgets one task's queue (its framework or agent went away). */
  dropTask(frameworkId: string, taskId: string): void {
    const k = key(frameworkId, taskId);
    this.streams.get(k)?.timer?.cancel();
    this.streams.delete(k);
  }

  close(): void {
    this.closed = true;
    for (const s of this.streams.values()) s.timer?.cancel();
    this.streams.clear();
  }

  private sendHead(stream: Stream, fresh: boolean): void {
    const head = stream.queue[0];
    if (head === undefined || this.closed) return;
    if (fresh) stream.delayMs = this.opts.baseRetryMs;
    this.opts.forward(stream.frameworkId, head);
    const delay = stream.delayMs;
    stream.delayMs = Math.min(stream.delayMs * 2, this.opts.maxRetryMs);
    stream.timer = this.opts.clock.setTimer(() => {
      stream.timer = undefined;
      if (this.streams.get(key(stream.frameworkId, stream.taskId)) === stream && stream.queue[0] === head) {
        this.sendHead(stream, false);
      }
    }, delay);
  }
}
