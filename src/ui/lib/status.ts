// App status as the stock Marathon UI shows it (spec/marathon-api.md §6.2): the app decides
// Deploying / Suspended / Running, then a launch-queue entry with a delay overrides it with
// Delayed (backed off) or Waiting (overdue, i.e. waiting for offers).
import type { App, QueueItem } from './types';

export type AppStatus = 'Running' | 'Deploying' | 'Suspended' | 'Delayed' | 'Waiting';

export function deriveAppStatus(app: App, queue: readonly QueueItem[]): AppStatus {
  let status: AppStatus = 'Running';
  if ((app.deployments ?? []).length > 0) status = 'Deploying';
  else if ((app.instances ?? 1) === 0 && (app.tasksRunning ?? 0) === 0) status = 'Suspended';

  const entry = queue.find((q) => q.app?.id === app.id && q.delay != null);
  const delay = entry?.delay;
  if (delay) {
    if (delay.overdue === false && (delay.timeLeftSeconds ?? 0) > 0) status = 'Delayed';
    else if (delay.overdue === true) status = 'Waiting';
  }
  return status;
}

/** A glyph per status so it reads without colour; the text label is always shown beside it. */
export const STATUS_ICON: Readonly<Record<AppStatus, string>> = {
  Running: '●',
  Deploying: '↻',
  Suspended: '‖',
  Delayed: '◷',
  Waiting: '…',
};

/** Seconds left on a backoff delay, for the Delayed tooltip/text; undefined when not delayed. */
export function delaySecondsLeft(app: App, queue: readonly QueueItem[]): number | undefined {
  const entry = queue.find((q) => q.app?.id === app.id && q.delay != null);
  const left = entry?.delay?.timeLeftSeconds;
  return entry?.delay?.overdue === false && left !== undefined && left > 0 ? left : undefined;
}

export type TaskStateKind = 'running' | 'starting' | 'ending' | 'failed' | 'other';

/** Groups Mesos task states for display: icon + short text. */
export function describeTaskState(state: string | undefined): { kind: TaskStateKind; text: string; icon: string } {
  const s = state ?? 'TASK_UNKNOWN';
  const text = s.replace(/^TASK_/, '').toLowerCase().replace(/_/g, ' ');
  switch (s) {
    case 'TASK_RUNNING':
      return { kind: 'running', text, icon: '●' };
    case 'TASK_STAGING':
    case 'TASK_STARTING':
      return { kind: 'starting', text, icon: '◔' };
    case 'TASK_KILLING':
    case 'TASK_KILLED':
    case 'TASK_FINISHED':
      return { kind: 'ending', text, icon: '■' };
    case 'TASK_FAILED':
    case 'TASK_ERROR':
    case 'TASK_LOST':
    case 'TASK_DROPPED':
    case 'TASK_GONE':
    case 'TASK_UNREACHABLE':
      return { kind: 'failed', text, icon: '✖' };
    default:
      return { kind: 'other', text, icon: '?' };
  }
}
