// An agent that runs nothing: tasks go STAGING → STARTING → RUNNING after a delay and stay
// there until killed, with optional failure injection (fail after N ms, fail launches with a
// seeded probability, finish after N ms). Container hooks run as for a real agent.
import type { NetworkInfo, TaskInfo, TaskState } from '../../mesos/types';
import {
  hasCapability, reportedNetworkInfos, staticAddress, taskKey, taskStatusReport,
  type Agent, type AgentFramework, type AgentRegistration, type AgentStatusReport, type AgentTaskView,
  type ContainerContext, type ContainerHooks, type KillOptions,
} from './agent';
import { HealthState } from './health-state';
import { randomIds, type Ids } from './ids';
import { unrefClock, type Clock, type Timer } from '../../lib/clock';
import type { AgentResources } from './resources';
import { seededRandom, type Random } from './rng';

/** Per-task behaviour; every field optional, `undefined` = the agent's default. */
export interface SimulatedBehaviour {
  /** delay before TASK_STARTING and again before TASK_RUNNING, ms */
  taskDelayMs?: number;
  /** a running task fails ("Command exited with status 1") after this many ms */
  failAfterMs?: number;
  /** a running task finishes ("Command exited with status 0") after this many ms */
  exitAfterMs?: number;
  /** probability in [0, 1] that a launch fails with REASON_CONTAINER_LAUNCH_FAILED */
  launchFailureProbability?: number;
  /**
   * Results of a task's `health_check` (default healthy): every attempt passes, fails, or they
   * alternate (flapping). Timing, grace period and the kill after `consecutive_failures` follow the
   * Mesos executor (health-state.ts). A task label `mesos-sim.health` overrides it per task.
   */
  health?: SimulatedHealth;
}

export type SimulatedHealth = 'healthy' | 'unhealthy' | 'flapping';
export const SIMULATED_HEALTH: readonly SimulatedHealth[] = ['healthy', 'unhealthy', 'flapping'];

export interface SimulatedAgentOptions extends SimulatedBehaviour {
  resources: AgentResources;
  hostname?: string;
  /** address reported for host-networked tasks; default 127.0.0.1 */
  ip?: string;
  port?: number;
  /** seed for launch failure draws; default 1 */
  seed?: number;
  /** per-task overrides, e.g. keyed on a label */
  behaviour?: (task: TaskInfo) => SimulatedBehaviour | undefined;
  /** address for a named network without a static wish (pretend DHCP); default none */
  assignAddress?: (network: NetworkInfo, task: TaskInfo) => string | undefined;
  hooks?: ContainerHooks;
  clock?: Clock;
  ids?: Ids;
}

interface SimContainer {
  ctx: ContainerContext;
  state: TaskState;
  /** STAGING until the "executor" has the task */
  delivered: boolean;
  networkInfos?: NetworkInfo[];
  pid: number;
  timers: Timer[];
  hookStarted: boolean;
  stopped: boolean;
  killedByHealthCheck?: boolean;
}

const TERMINAL = new Set<TaskState>(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_LOST']);

let fakePid = 20000;

export class SimulatedAgent implements Agent {
  readonly kind = 'simulated';
  readonly hostname: string;
  readonly ip: string;
  readonly port: number;
  readonly resources: AgentResources;
  private registration?: AgentRegistration;
  private readonly containers = new Map<string, SimContainer>();
  private readonly clock: Clock;
  private readonly ids: Ids;
  private readonly random: Random;

  constructor(private readonly opts: SimulatedAgentOptions) {
    this.resources = opts.resources;
    this.ip = opts.ip ?? '127.0.0.1';
    this.hostname = opts.hostname ?? this.ip;
    this.port = opts.port ?? 5051;
    this.clock = opts.clock ?? unrefClock;
    this.ids = opts.ids ?? randomIds;
    this.random = seededRandom(opts.seed ?? 1);
  }

  register(registration: AgentRegistration): void {
    this.registration = registration;
  }

  tasks(): AgentTaskView[] {
    return [...this.containers.values()].map((c) => ({
      frameworkId: c.ctx.framework.id, taskId: c.ctx.task.task_id.value, containerId: c.ctx.containerId, state: c.state,
    }));
  }

  launch(task: TaskInfo, framework: AgentFramework): void {
    const ctx: ContainerContext = {
      agentId: this.registration?.agentId ?? '', containerId: this.ids.uuid(), task, framework,
    };
    const c: SimContainer = { ctx, state: 'TASK_STAGING', delivered: false, pid: fakePid++, timers: [], hookStarted: false, stopped: false };
    this.containers.set(taskKey(framework.id, task.task_id.value), c);
    const b = this.behaviour(task);
    this.after(c, b.taskDelayMs, () => { void this.start(c, b); });
  }

  kill(taskId: string, framework: AgentFramework, _options?: KillOptions): void {
    const c = this.containers.get(taskKey(framework.id, taskId));
    if (c === undefined || TERMINAL.has(c.state)) return;
    // A repeated KILL changes nothing: its TASK_KILLED is already scheduled (cancelling the timers
    // first would strand the task in TASK_KILLING, holding its resources forever).
    if (c.state === 'TASK_KILLING') return;
    this.cancelTimers(c);
    if (!c.delivered) {
      this.report(c, 'TASK_KILLED', 'SOURCE_AGENT', 'Killed before delivery to the executor', 'REASON_TASK_KILLED_DURING_LAUNCH', false);
      void this.stop(c);
      return;
    }
    if (hasCapability(framework, 'TASK_KILLING_STATE')) this.report(c, 'TASK_KILLING', 'SOURCE_EXECUTOR');
    else c.state = 'TASK_KILLING';
    const b = this.behaviour(c.ctx.task);
    this.after(c, b.taskDelayMs, () => {
      this.report(c, 'TASK_KILLED', 'SOURCE_EXECUTOR', 'Command terminated with signal Terminated', undefined, true, c.killedByHealthCheck === true ? false : undefined);
      void this.stop(c);
    });
  }

  async shutdown(): Promise<void> {
    const all = [...this.containers.values()];
    for (const c of all) {
      this.cancelTimers(c);
      if (!TERMINAL.has(c.state)) c.state = 'TASK_KILLED';
    }
    await Promise.all(all.map((c) => this.stop(c)));
  }

  private behaviour(task: TaskInfo): Required<Pick<SimulatedBehaviour, 'taskDelayMs'>> & SimulatedBehaviour {
    const own = this.opts.behaviour?.(task) ?? {};
    return {
      taskDelayMs: own.taskDelayMs ?? this.opts.taskDelayMs ?? 20,
      failAfterMs: own.failAfterMs ?? this.opts.failAfterMs,
      exitAfterMs: own.exitAfterMs ?? this.opts.exitAfterMs,
      launchFailureProbability: own.launchFailureProbability ?? this.opts.launchFailureProbability,
      health: labelHealth(task) ?? own.health ?? this.opts.health,
    };
  }

  private async start(c: SimContainer, b: SimulatedBehaviour & { taskDelayMs: number }): Promise<void> {
    if (TERMINAL.has(c.state)) return;
    const draw = this.random();
    try {
      c.hookStarted = true;
      const net = this.opts.hooks?.beforeStart ? await this.opts.hooks.beforeStart(c.ctx) : undefined;
      if (net && net.networkInfos) c.networkInfos = net.networkInfos;
      if (b.launchFailureProbability !== undefined && draw < b.launchFailureProbability) {
        throw new Error('injected launch failure');
      }
    } catch (err) {
      if (TERMINAL.has(c.state)) return;
      const message = err instanceof Error ? err.message : String(err);
      this.report(c, 'TASK_FAILED', 'SOURCE_AGENT', `Failed to launch container: ${message}`, 'REASON_CONTAINER_LAUNCH_FAILED', false);
      await this.stop(c);
      return;
    }
    if (TERMINAL.has(c.state)) { await this.stop(c); return; }
    c.networkInfos ??= reportedNetworkInfos(c.ctx.task, this.ip, (n) => staticAddress(n) ?? this.opts.assignAddress?.(n, c.ctx.task));
    c.delivered = true;
    this.report(c, 'TASK_STARTING', 'SOURCE_EXECUTOR');
    this.after(c, b.taskDelayMs, () => {
      this.report(c, 'TASK_RUNNING', 'SOURCE_EXECUTOR');
      this.startHealth(c, b.health ?? 'healthy');
      if (b.failAfterMs !== undefined) {
        this.after(c, b.failAfterMs, () => { this.report(c, 'TASK_FAILED', 'SOURCE_EXECUTOR', 'Command exited with status 1'); void this.stop(c); });
      }
      if (b.exitAfterMs !== undefined) {
        this.after(c, b.exitAfterMs, () => { this.report(c, 'TASK_FINISHED', 'SOURCE_EXECUTOR', 'Command exited with status 0'); void this.stop(c); });
      }
    });
  }

  /** The executor's health checking, with simulated results. */
  private startHealth(c: SimContainer, mode: SimulatedHealth): void {
    const check = c.ctx.task.health_check;
    if (check === undefined) return;
    const state = new HealthState(check, this.clock.now());
    const timing = HealthState.timing(check);
    let n = 0;
    const attempt = (): void => {
      if (c.state !== 'TASK_RUNNING') return;
      const ok = mode === 'healthy' || (mode === 'flapping' && n % 2 === 0);
      n += 1;
      const verdict = state.result(ok, this.clock.now());
      if (verdict.report !== undefined) this.report(c, 'TASK_RUNNING', 'SOURCE_EXECUTOR', undefined, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', true, verdict.report.healthy);
      if (verdict.kill) {
        c.killedByHealthCheck = true;
        this.kill(c.ctx.task.task_id.value, c.ctx.framework);
        return;
      }
      this.after(c, timing.intervalMs, attempt);
    };
    this.after(c, timing.delayMs, attempt);
  }

  private after(c: SimContainer, ms: number | undefined, fn: () => void): void {
    c.timers.push(this.clock.setTimer(() => { if (!TERMINAL.has(c.state)) fn(); }, ms ?? 0));
  }

  private cancelTimers(c: SimContainer): void {
    for (const t of c.timers) t.cancel();
    c.timers = [];
  }

  private async stop(c: SimContainer): Promise<void> {
    this.cancelTimers(c);
    if (c.stopped) return;
    c.stopped = true;
    const key = taskKey(c.ctx.framework.id, c.ctx.task.task_id.value);
    try {
      if (c.hookStarted && this.opts.hooks?.afterStop) await this.opts.hooks.afterStop(c.ctx);
    } finally {
      if (this.containers.get(key) === c) this.containers.delete(key);
    }
  }

  private report(c: SimContainer, state: TaskState, source: AgentStatusReport['source'], message?: string, reason?: string, withContainer = true, healthy?: boolean): void {
    c.state = state;
    const container = withContainer ? { networkInfos: c.networkInfos ?? reportedNetworkInfos(c.ctx.task, this.ip, staticAddress), pid: c.pid } : undefined;
    const report = taskStatusReport(c.ctx, state, source, message, reason, container);
    if (healthy !== undefined) report.healthy = healthy;
    this.registration?.report(report);
  }
}

/** The `mesos-sim.health` task label, when it names a mode. */
function labelHealth(task: TaskInfo): SimulatedHealth | undefined {
  const v = task.labels?.labels?.find((l) => l.key === 'mesos-sim.health')?.value;
  return (SIMULATED_HEALTH as readonly string[]).includes(v ?? '') ? v as SimulatedHealth : undefined;
}

export function simulatedAgent(options: SimulatedAgentOptions): SimulatedAgent {
  return new SimulatedAgent(options);
}
