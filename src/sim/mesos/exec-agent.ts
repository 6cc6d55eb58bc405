// An agent that really runs each task's command as a child process, as the Mesos command
// executor does: `/bin/sh -c <value>` when shell (the default), else `value` with `arguments`
// as argv. Outcomes come from the process: exit 0 → TASK_FINISHED, other exit → TASK_FAILED
// ("Command exited with status N"), killed → TASK_KILLED ("Command terminated with signal
// Terminated"). A kill sends SIGTERM to the process group, then SIGKILL after the grace period.
// Container hooks run around the process; networking itself is local mode's business.
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HealthCheck, NetworkInfo, TaskInfo, TaskState } from '../../mesos/types';
import {
  commandOutcome, hasCapability, killGraceMs, reportedNetworkInfos, taskKey, taskStatusReport,
  type Agent, type AgentFramework, type AgentRegistration, type AgentStatusReport, type AgentTaskView,
  type ContainerContext, type ContainerHooks, type KillOptions,
} from './agent';
import { probe, type ProbeContext } from './health-probe';
import { HealthState } from './health-state';
import { randomIds, type Ids } from './ids';
import { unrefClock, type Clock, type Timer } from '../../lib/clock';
import type { AgentResources } from './resources';

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface ExecAgentOptions {
  resources: AgentResources;
  hostname?: string;
  ip?: string;
  port?: number;
  /** sandboxes live in <workDir>/containers/<container id>; default a fresh dir under os.tmpdir() */
  workDir?: string;
  hooks?: ContainerHooks;
  clock?: Clock;
  ids?: Ids;
  spawn?: SpawnFn;
  /** PATH given to commands; default this process's PATH */
  path?: string;
  /** one health check attempt (tests inject one); default the real probe (health-probe.ts) */
  probe?: (check: HealthCheck, ctx: ProbeContext) => Promise<boolean>;
}

interface ExecContainer {
  ctx: ContainerContext;
  /** argv prefix and environment health checks run with (the task's network namespace) */
  checkPrefix?: string[];
  env?: Record<string, string>;
  health?: { state: HealthState; timer?: Timer; stopped: boolean };
  killedByHealthCheck: boolean;
  state: TaskState;
  child?: ChildProcess;
  killRequested: boolean;
  killTimer?: Timer;
  networkInfos?: NetworkInfo[];
  hookStarted: boolean;
  exited: Promise<void>;
  markExited: () => void;
}

const TERMINAL = new Set<TaskState>(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR']);

/** argv for a CommandInfo, validated; throws with the reason when it cannot run. */
export function commandArgv(task: TaskInfo): string[] {
  const cmd = task.command;
  if (cmd === undefined || typeof cmd.value !== 'string' || cmd.value === '') {
    throw new Error('Task has no command value');
  }
  if (cmd.shell !== false) return ['/bin/sh', '-c', cmd.value];
  const args = cmd.arguments ?? [];
  return [cmd.value, ...args.slice(1)];
}

export class ExecAgent implements Agent {
  readonly kind = 'exec';
  readonly hostname: string;
  readonly ip: string;
  readonly port: number;
  readonly resources: AgentResources;
  private registration?: AgentRegistration;
  private readonly containers = new Map<string, ExecContainer>();
  private readonly clock: Clock;
  private readonly ids: Ids;
  private readonly spawnFn: SpawnFn;
  private readonly probeFn: (check: HealthCheck, ctx: ProbeContext) => Promise<boolean>;
  private workDir?: string;

  constructor(private readonly opts: ExecAgentOptions) {
    this.resources = opts.resources;
    this.ip = opts.ip ?? '127.0.0.1';
    this.hostname = opts.hostname ?? this.ip;
    this.port = opts.port ?? 5051;
    this.clock = opts.clock ?? unrefClock;
    this.ids = opts.ids ?? randomIds;
    this.spawnFn = opts.spawn ?? ((c, a, o) => nodeSpawn(c, [...a], o));
    this.probeFn = opts.probe ?? probe;
  }

  register(registration: AgentRegistration): void {
    this.registration = registration;
  }

  tasks(): AgentTaskView[] {
    return [...this.containers.values()].map((c) => {
      const view: AgentTaskView = {
        frameworkId: c.ctx.framework.id, taskId: c.ctx.task.task_id.value, containerId: c.ctx.containerId, state: c.state,
      };
      if (c.child?.pid !== undefined) view.pid = c.child.pid;
      return view;
    });
  }

  launch(task: TaskInfo, framework: AgentFramework): void {
    const ctx: ContainerContext = { agentId: this.registration?.agentId ?? '', containerId: this.ids.uuid(), task, framework };
    let markExited: () => void = () => undefined;
    const exited = new Promise<void>((resolve) => { markExited = resolve; });
    const c: ExecContainer = { ctx, state: 'TASK_STAGING', killRequested: false, killedByHealthCheck: false, hookStarted: false, exited, markExited };
    this.containers.set(taskKey(framework.id, task.task_id.value), c);
    void this.start(c);
  }

  kill(taskId: string, framework: AgentFramework, options?: KillOptions): void {
    const c = this.containers.get(taskKey(framework.id, taskId));
    if (c === undefined || TERMINAL.has(c.state) || c.killRequested) return;
    c.killRequested = true;
    this.stopHealth(c);
    if (c.child === undefined) {
      // Not started yet: start() sees the flag and reports the kill.
      return;
    }
    if (hasCapability(framework, 'TASK_KILLING_STATE')) this.report(c, 'TASK_KILLING', 'SOURCE_EXECUTOR');
    this.signal(c, 'SIGTERM');
    const grace = killGraceMs(c.ctx.task, options);
    c.killTimer = this.clock.setTimer(() => this.signal(c, 'SIGKILL'), grace);
  }

  async shutdown(): Promise<void> {
    const all = [...this.containers.values()];
    for (const c of all) {
      c.killRequested = true;
      if (c.child !== undefined && !TERMINAL.has(c.state)) {
        this.signal(c, 'SIGTERM');
        c.killTimer?.cancel();
        c.killTimer = this.clock.setTimer(() => this.signal(c, 'SIGKILL'), Math.min(killGraceMs(c.ctx.task, undefined), 2000));
      }
    }
    await Promise.all(all.map((c) => c.exited));
  }

  /** The sandbox directory of every task (created on first launch); undefined before. */
  sandboxRoot(): string | undefined {
    return this.workDir === undefined ? undefined : path.join(this.workDir, 'containers');
  }

  private ensureSandboxRoot(): string {
    if (this.workDir === undefined) {
      this.workDir = this.opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-sim-agent-'));
    }
    return path.join(this.workDir, 'containers');
  }

  private async start(c: ExecContainer): Promise<void> {
    let argv: string[];
    let env: Record<string, string>;
    try {
      argv = commandArgv(c.ctx.task);
      const sandbox = path.join(this.ensureSandboxRoot(), c.ctx.containerId);
      await fs.promises.mkdir(sandbox, { recursive: true });
      c.ctx.sandbox = sandbox;
      if (c.killRequested) throw new KilledDuringLaunch();
      c.hookStarted = true;
      const net = this.opts.hooks?.beforeStart ? await this.opts.hooks.beforeStart(c.ctx) : undefined;
      if (net && net.networkInfos) c.networkInfos = net.networkInfos;
      else if ((c.ctx.task.container?.network_infos ?? []).some((n) => n.name)) {
        const name = c.ctx.task.container?.network_infos?.find((n) => n.name)?.name ?? '';
        throw new Error(`Unknown CNI network '${name}'`);
      }
      c.networkInfos ??= reportedNetworkInfos(c.ctx.task, this.ip);
      if (net && net.commandPrefix && net.commandPrefix.length > 0) argv = [...net.commandPrefix, ...argv];
      if (net && net.checkPrefix && net.checkPrefix.length > 0) c.checkPrefix = net.checkPrefix;
      env = this.environment(c, net?.env);
      c.env = env;
      if (c.killRequested) throw new KilledDuringLaunch();
    } catch (err) {
      if (err instanceof KilledDuringLaunch) {
        this.report(c, 'TASK_KILLED', 'SOURCE_AGENT', 'Killed before delivery to the executor', 'REASON_TASK_KILLED_DURING_LAUNCH', false);
      } else {
        const message = err instanceof Error ? err.message : String(err);
        this.report(c, 'TASK_FAILED', 'SOURCE_AGENT', `Failed to launch container: ${message}`, 'REASON_CONTAINER_LAUNCH_FAILED', false);
      }
      await this.finish(c);
      return;
    }
    this.run(c, argv, env);
  }

  private environment(c: ExecContainer, extra: Record<string, string> | undefined): Record<string, string> {
    const env: Record<string, string> = {
      PATH: this.opts.path ?? process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      MESOS_SANDBOX: c.ctx.sandbox ?? '',
      MESOS_TASK_ID: c.ctx.task.task_id.value,
      MESOS_FRAMEWORK_ID: c.ctx.framework.id,
      MESOS_AGENT_ID: c.ctx.agentId,
      MESOS_EXECUTOR_ID: c.ctx.task.task_id.value,
      MESOS_CONTAINER_ID: c.ctx.containerId,
    };
    for (const v of c.ctx.task.command?.environment?.variables ?? []) {
      if (v.type === undefined || v.type === 'VALUE') env[v.name] = v.value ?? '';
    }
    return { ...env, ...(extra ?? {}) };
  }

  private run(c: ExecContainer, argv: string[], env: Record<string, string>): void {
    const sandbox = c.ctx.sandbox ?? os.tmpdir();
    const out = fs.openSync(path.join(sandbox, 'stdout'), 'a');
    const errFd = fs.openSync(path.join(sandbox, 'stderr'), 'a');
    const [file, ...args] = argv;
    const shellFalse = c.ctx.task.command?.shell === false;
    const argv0 = shellFalse ? c.ctx.task.command?.arguments?.[0] : undefined;
    const options: SpawnOptions = { cwd: sandbox, env, stdio: ['ignore', out, errFd], detached: true };
    if (argv0 !== undefined && argv.length === 1 + args.length && file === c.ctx.task.command?.value) options.argv0 = argv0;
    let child: ChildProcess;
    try {
      child = this.spawnFn(file ?? '', args, options);
    } catch (err) {
      fs.closeSync(out);
      fs.closeSync(errFd);
      this.report(c, 'TASK_FAILED', 'SOURCE_EXECUTOR', `Failed to launch command: ${err instanceof Error ? err.message : String(err)}`, 'REASON_COMMAND_EXECUTOR_FAILED');
      void this.finish(c);
      return;
    }
    c.child = child;
    const closeFds = (): void => { try { fs.closeSync(out); fs.closeSync(errFd); } catch { /* already closed */ } };
    child.once('spawn', () => {
      closeFds();
      this.report(c, 'TASK_STARTING', 'SOURCE_EXECUTOR');
      if (c.killRequested) {
        // A kill arrived between spawn() and the spawn event.
        if (hasCapability(c.ctx.framework, 'TASK_KILLING_STATE')) this.report(c, 'TASK_KILLING', 'SOURCE_EXECUTOR');
        this.signal(c, 'SIGTERM');
        c.killTimer = this.clock.setTimer(() => this.signal(c, 'SIGKILL'), killGraceMs(c.ctx.task, undefined));
      } else {
        this.report(c, 'TASK_RUNNING', 'SOURCE_EXECUTOR');
        this.startHealth(c);
      }
    });
    child.once('error', (err) => {
      closeFds();
      if (TERMINAL.has(c.state)) return;
      this.report(c, 'TASK_FAILED', 'SOURCE_EXECUTOR', `Failed to launch command: ${err.message}`, 'REASON_COMMAND_EXECUTOR_FAILED');
      void this.finish(c);
    });
    child.once('exit', (code, signal) => {
      c.killTimer?.cancel();
      this.stopHealth(c);
      if (TERMINAL.has(c.state)) return;
      // The command executor: exit 0 is FINISHED even after a kill; otherwise a kill is KILLED.
      let state: TaskState;
      if (signal === null && code === 0) state = 'TASK_FINISHED';
      else if (c.killRequested) state = 'TASK_KILLED';
      else state = 'TASK_FAILED';
      // Mesos marks a kill by the health check with healthy=false on the terminal update.
      this.report(c, state, 'SOURCE_EXECUTOR', commandOutcome(code, signal), undefined, true, c.killRequested && c.killedByHealthCheck ? false : undefined);
      // Leftovers of the process group (background children) go with the task.
      this.signal(c, 'SIGKILL');
      void this.finish(c);
    });
  }

  private signal(c: ExecContainer, sig: NodeJS.Signals): void {
    const pid = c.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      try { c.child?.kill(sig); } catch { /* gone */ }
    }
  }

  private async finish(c: ExecContainer): Promise<void> {
    const key = taskKey(c.ctx.framework.id, c.ctx.task.task_id.value);
    try {
      if (c.hookStarted && this.opts.hooks?.afterStop) await this.opts.hooks.afterStop(c.ctx);
    } catch {
      // afterStop failures must not wedge the agent; the hook owns its own reporting.
    } finally {
      if (this.containers.get(key) === c) this.containers.delete(key);
      c.markExited();
    }
  }

  private report(c: ExecContainer, state: TaskState, source: AgentStatusReport['source'], message?: string, reason?: string, withContainer = true, healthy?: boolean): void {
    c.state = state;
    const container = withContainer ? { networkInfos: c.networkInfos ?? reportedNetworkInfos(c.ctx.task, this.ip), pid: c.child?.pid } : undefined;
    const report = taskStatusReport(c.ctx, state, source, message, reason, container);
    if (healthy !== undefined) report.healthy = healthy;
    this.registration?.report(report);
  }

  // ---------------------------------------------------------------- health checks (Mesos executor)

  /** Starts the task's health check after its delay; results become TASK_RUNNING updates with `healthy`. */
  private startHealth(c: ExecContainer): void {
    const check = c.ctx.task.health_check;
    if (check === undefined || c.health !== undefined) return;
    const health = { state: new HealthState(check, this.clock.now()), stopped: false } as NonNullable<ExecContainer['health']>;
    c.health = health;
    const timing = HealthState.timing(check);
    const attempt = async (): Promise<void> => {
      if (health.stopped) return;
      const ok = await this.probeFn(check, { ...(c.checkPrefix !== undefined ? { prefix: c.checkPrefix } : {}), env: c.env ?? {}, cwd: c.ctx.sandbox ?? os.tmpdir() });
      if (health.stopped || c.state !== 'TASK_RUNNING') return;
      const verdict = health.state.result(ok, this.clock.now());
      if (verdict.report !== undefined) {
        this.report(c, 'TASK_RUNNING', 'SOURCE_EXECUTOR', undefined, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', true, verdict.report.healthy);
      }
      if (verdict.kill) {
        c.killedByHealthCheck = true;
        this.kill(c.ctx.task.task_id.value, c.ctx.framework);
        return;
      }
      health.timer = this.clock.setTimer(() => { void attempt(); }, timing.intervalMs);
    };
    health.timer = this.clock.setTimer(() => { void attempt(); }, timing.delayMs);
  }

  private stopHealth(c: ExecContainer): void {
    if (c.health === undefined) return;
    c.health.stopped = true;
    c.health.timer?.cancel();
  }
}

class KilledDuringLaunch extends Error {}

export function execAgent(options: ExecAgentOptions): ExecAgent {
  return new ExecAgent(options);
}
