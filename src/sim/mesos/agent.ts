// The seam between the local master and whatever runs tasks. An Agent receives launches and
// kills and reports task states; the master turns reports into status updates (uuid,
// timestamp, retries). Container hooks let local mode plumb networking around the process
// (`beforeStart` before the command starts, `afterStop` once it is gone), the way the Mesos
// network/cni isolator wraps a container.
import type {
  ContainerStatus, FrameworkInfo, NetworkInfo, TaskInfo, TaskState,
} from '../../mesos/types';
import type { AgentResources } from './resources';

export type { AgentResources } from './resources';

export interface AgentFramework {
  id: string;
  info: FrameworkInfo;
}

export interface AgentStatusReport {
  frameworkId: string;
  taskId: string;
  state: TaskState;
  /** TaskStatus.healthy: health check results, and false on a kill by the health check */
  healthy?: boolean;
  source: 'SOURCE_EXECUTOR' | 'SOURCE_AGENT';
  message?: string;
  /** TaskStatus.Reason name, e.g. REASON_CONTAINER_LAUNCH_FAILED */
  reason?: string;
  executorId: string;
  containerStatus?: ContainerStatus;
}

export interface AgentRegistration {
  agentId: string;
  report(status: AgentStatusReport): void;
}

export interface ContainerContext {
  agentId: string;
  containerId: string;
  task: TaskInfo;
  framework: AgentFramework;
  /** the task's working directory (exec agent) */
  sandbox?: string;
}

export interface ContainerNetworkResult {
  /** reported as container_status.network_infos: the request's NetworkInfos with ip_addresses filled */
  networkInfos?: NetworkInfo[];
  /** argv prefix the command runs under (exec agent), e.g. a netns entry helper */
  commandPrefix?: string[];
  /** argv prefix health checks run under (the task's network namespace); none = the agent's */
  checkPrefix?: string[];
  /** extra environment for the command (exec agent) */
  env?: Record<string, string>;
}

export interface ContainerHooks {
  /** Runs after the container id exists and before the command starts; a throw fails the launch. */
  beforeStart?(ctx: ContainerContext): Promise<ContainerNetworkResult | void>;
  /** Runs once the command is gone (or the launch failed after beforeStart was called). */
  afterStop?(ctx: ContainerContext): Promise<void>;
}

export interface KillOptions {
  /** SIGTERM → SIGKILL grace; default from the task's kill_policy, else 3 s */
  gracePeriodMs?: number;
}

export interface AgentTaskView {
  frameworkId: string;
  taskId: string;
  containerId: string;
  state: TaskState;
  pid?: number;
}

export interface Agent {
  readonly kind: 'simulated' | 'exec' | string;
  readonly hostname: string;
  readonly port: number;
  /** the agent's address as reported in status network_infos for host-networked tasks */
  readonly ip: string;
  readonly resources: AgentResources;
  /** Called once by the master that adopts the agent. */
  register(registration: AgentRegistration): void;
  launch(task: TaskInfo, framework: AgentFramework): void;
  kill(taskId: string, framework: AgentFramework, options?: KillOptions): void;
  /** Stops every task (SIGTERM, then SIGKILL) and runs afterStop hooks. */
  shutdown(): Promise<void>;
  tasks(): AgentTaskView[];
  /** Where task sandboxes live (exec agents), for the master's /files endpoints. */
  sandboxRoot?(): string | undefined;
}

export const DEFAULT_KILL_GRACE_MS = 3000;

const SIGNAL_TEXT: Record<string, string> = {
  SIGHUP: 'Hangup', SIGINT: 'Interrupt', SIGQUIT: 'Quit', SIGILL: 'Illegal instruction',
  SIGTRAP: 'Trace/breakpoint trap', SIGABRT: 'Aborted', SIGBUS: 'Bus error',
  SIGFPE: 'Floating point exception', SIGKILL: 'Killed', SIGUSR1: 'User defined signal 1',
  SIGSEGV: 'Segmentation fault', SIGUSR2: 'User defined signal 2', SIGPIPE: 'Broken pipe',
  SIGALRM: 'Alarm clock', SIGTERM: 'Terminated',
};

/** The command executor's text for a wait status: WSTRINGIFY as in Mesos. */
export function commandOutcome(code: number | null, signal: string | null): string {
  if (signal !== null) return `Command terminated with signal ${SIGNAL_TEXT[signal] ?? signal}`;
  return `Command exited with status ${code ?? 0}`;
}

export function hasCapability(framework: AgentFramework, capability: string): boolean {
  return (framework.info.capabilities ?? []).some((c) => c.type === capability);
}

export function killGraceMs(task: TaskInfo, options: KillOptions | undefined): number {
  if (options?.gracePeriodMs !== undefined) return options.gracePeriodMs;
  const ns = task.kill_policy?.grace_period?.nanoseconds;
  return typeof ns === 'number' && ns >= 0 ? Math.round(ns / 1e6) : DEFAULT_KILL_GRACE_MS;
}

/**
 * The report of a task state change, as both local agents send it: the task's ids, message and
 * reason when given, and with `container` the container status (id, NetworkInfos, and the
 * executor pid when there is one).
 */
export function taskStatusReport(
  ctx: ContainerContext, state: TaskState, source: AgentStatusReport['source'], message?: string, reason?: string,
  container?: { networkInfos: NetworkInfo[]; pid?: number | undefined },
): AgentStatusReport {
  const report: AgentStatusReport = {
    frameworkId: ctx.framework.id, taskId: ctx.task.task_id.value, state, source, executorId: ctx.task.task_id.value,
  };
  if (message !== undefined) report.message = message;
  if (reason !== undefined) report.reason = reason;
  if (container !== undefined) {
    report.containerStatus = { container_id: { value: ctx.containerId }, network_infos: container.networkInfos };
    if (container.pid !== undefined) report.containerStatus.executor_pid = container.pid;
  }
  return report;
}

/**
 * What a Mesos agent reports in container_status.network_infos when no network hook ran:
 * host networking shows the agent address; named networks are copies of the request with the
 * addresses the caller knows (`known`, e.g. a static wish) and none otherwise.
 * The order is the reverse of the request: the Mesos CNI isolator builds this list from a hash map
 * keyed by network name, which for a few networks iterates newest first (the agent-link recording
 * reports [vnet-agent-link, nw-vnet3] for a request of [nw-vnet3, vnet-agent-link]). Frameworks
 * must match by name; a local agent that kept the request order would hide a positional bug.
 */
export function reportedNetworkInfos(task: TaskInfo, agentIp: string, known?: (n: NetworkInfo) => string | undefined): NetworkInfo[] {
  const requested = (task.container?.network_infos ?? []).filter((n) => typeof n.name === 'string' && n.name !== '');
  if (requested.length === 0) return [{ ip_addresses: [{ protocol: 'IPv4', ip_address: agentIp }] }];
  return requested.map((n) => {
    const copy: NetworkInfo = { ...n };
    delete copy.ip_addresses;
    const ip = known?.(n);
    if (ip !== undefined) copy.ip_addresses = [{ protocol: 'IPv4', ip_address: ip }];
    return copy;
  }).reverse();
}

/** The static address a NetworkInfo asks for, if any. */
export function staticAddress(n: NetworkInfo): string | undefined {
  return n.ip_addresses?.find((a) => typeof a.ip_address === 'string' && a.ip_address !== '')?.ip_address;
}

export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}
