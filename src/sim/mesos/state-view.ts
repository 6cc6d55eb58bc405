// GET /master/state: the master's snapshot in (a subset of) the shape of Mesos' /master/state,
// so tools that read that endpoint find frameworks, tasks and agents where they expect them.
import type { MasterSnapshot, TaskView } from './master-core';

export interface StateViewContext {
  pid: string;
  hostname: string;
  leaderPid: string | undefined;
  startTime: number;
}

/** A task as Mesos' state endpoints list it (master and agent alike). */
export function stateTask(t: TaskView): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.taskId,
    name: t.name,
    framework_id: t.frameworkId,
    executor_id: '',
    slave_id: t.agentId,
    state: t.state,
    resources: t.resources,
    statuses: t.statuses.map((s) => {
      const status: Record<string, unknown> = { state: s.state, timestamp: s.timestamp };
      if (s.containerStatus !== undefined) status.container_status = s.containerStatus;
      return status;
    }),
  };
  if (t.containerId !== undefined) out.container_id = t.containerId;
  // As Mesos' /master/state: the task's ContainerInfo and labels when it has them.
  if (t.container !== undefined) out.container = t.container;
  if (t.labels !== undefined) out.labels = t.labels;
  return out;
}

export function masterStateView(s: MasterSnapshot, ctx: StateViewContext): Record<string, unknown> {
  return {
    version: '1.11.0',
    id: s.id,
    pid: ctx.pid,
    hostname: ctx.hostname,
    start_time: ctx.startTime / 1000,
    elected_time: ctx.leaderPid === ctx.pid ? ctx.startTime / 1000 : undefined,
    leader: ctx.leaderPid,
    activated_slaves: s.agents.length,
    deactivated_slaves: 0,
    frameworks: s.frameworks.map((f) => ({
      id: f.id,
      name: f.name,
      user: f.user,
      role: f.role,
      roles: [f.role],
      capabilities: f.capabilities,
      active: f.connected, // Mesos keeps a suppressed framework active (checked on 1.11: test/fixtures/mesos-1.11/framework-active-suppressed.json)
      connected: f.connected,
      recovered: false,
      failover_timeout: f.failoverTimeoutSeconds,
      registered_time: f.registeredAt / 1000,
      unregistered_time: f.disconnectedAt !== undefined ? f.disconnectedAt / 1000 : 0,
      tasks: f.tasks.map(stateTask),
      completed_tasks: s.completedTasks.filter((t) => t.frameworkId === f.id).map(stateTask),
      offers: s.offers.filter((o) => o.frameworkId === f.id).map((o) => ({
        id: o.id, framework_id: o.frameworkId, slave_id: o.agentId, resources: o.resources,
      })),
    })),
    completed_frameworks: s.completedFrameworks.map((f) => ({
      id: f.id,
      name: f.name,
      completed_tasks: s.completedTasks.filter((t) => t.frameworkId === f.id).map(stateTask),
    })),
    slaves: s.agents.map((a) => ({
      id: a.id,
      hostname: a.hostname,
      port: a.port,
      pid: `slave(1)@${a.hostname}:${a.port}`,
      active: true,
      version: '1.11.0',
      resources: a.total,
      unreserved_resources: a.total,
      used_resources: a.used,
      offered_resources: a.offered,
      attributes: {},
      kind: a.kind,
    })),
    pending_status_updates: s.pendingStatusUpdates,
  };
}
