// Pure builders of scheduler Calls in their JSON form. Key order follows the master's own
// recordings (framework_id, type, sub-message) so a JSON body is byte-for-byte what a real
// client sent. Presence of upstream-required fields is enforced here, since the subset proto
// declares them optional.
import { MesosInvalidCallError } from './errors';
import type {
  Call, Filters, FrameworkInfo, Id, KillPolicy, Operation,
  ReconcileTask, ResourceRequest, TaskInfo, TaskStatus,
} from './types';

/** An id given either as its string value or as the wire wrapper `{value}`. */
export type IdLike = string | Id;

export function toId(id: IdLike, what: string): Id {
  const value = typeof id === 'string' ? id : id?.value;
  if (typeof value !== 'string' || value.length === 0) {
    throw new MesosInvalidCallError(`${what} must be a non-empty id`);
  }
  return { value };
}

function fid(frameworkId: string): { value: string } {
  return toId(frameworkId, 'framework id');
}

function roleList(roles: string[] | undefined): { roles?: string[] } {
  return roles && roles.length > 0 ? { roles: [...roles] } : {};
}

/** SUBSCRIBE; with a known framework id it is a resubscribe (framework_info.id + top-level framework_id). */
export function subscribeCall(frameworkInfo: FrameworkInfo, frameworkId?: string, suppressedRoles?: string[]): Call {
  if (!frameworkInfo || !frameworkInfo.user || !frameworkInfo.name) {
    throw new MesosInvalidCallError('framework_info.user and framework_info.name are required');
  }
  const { id: _ignored, ...rest } = frameworkInfo;
  const framework_info: FrameworkInfo = frameworkId ? { id: fid(frameworkId), ...rest } : { ...rest };
  const subscribe: NonNullable<Call['subscribe']> = { framework_info };
  if (suppressedRoles && suppressedRoles.length > 0) subscribe.suppressed_roles = [...suppressedRoles];
  return frameworkId
    ? { type: 'SUBSCRIBE', framework_id: fid(frameworkId), subscribe }
    : { type: 'SUBSCRIBE', subscribe };
}

export function launchOperation(taskInfos: TaskInfo[]): Operation {
  if (!Array.isArray(taskInfos) || taskInfos.length === 0) {
    throw new MesosInvalidCallError('LAUNCH needs at least one TaskInfo');
  }
  return { type: 'LAUNCH', launch: { task_infos: taskInfos } };
}

export function acceptCall(frameworkId: string, offerIds: IdLike[], operations: Operation[], filters?: Filters): Call {
  if (!Array.isArray(offerIds) || offerIds.length === 0) throw new MesosInvalidCallError('ACCEPT needs at least one offer id');
  const accept: NonNullable<Call['accept']> = {
    offer_ids: offerIds.map((o) => toId(o, 'offer id')),
    operations: [...operations],
  };
  if (filters) accept.filters = { ...filters };
  return { framework_id: fid(frameworkId), type: 'ACCEPT', accept };
}

export function declineCall(frameworkId: string, offerIds: IdLike[], filters?: Filters): Call {
  if (!Array.isArray(offerIds) || offerIds.length === 0) throw new MesosInvalidCallError('DECLINE needs at least one offer id');
  const decline: NonNullable<Call['decline']> = { offer_ids: offerIds.map((o) => toId(o, 'offer id')) };
  if (filters) decline.filters = { ...filters };
  return { framework_id: fid(frameworkId), type: 'DECLINE', decline };
}

export function reviveCall(frameworkId: string, roles?: string[]): Call {
  return { framework_id: fid(frameworkId), type: 'REVIVE', revive: roleList(roles) };
}

export function suppressCall(frameworkId: string, roles?: string[]): Call {
  return { framework_id: fid(frameworkId), type: 'SUPPRESS', suppress: roleList(roles) };
}

export function killCall(frameworkId: string, taskId: IdLike, agentId?: IdLike, killPolicy?: KillPolicy): Call {
  const kill: NonNullable<Call['kill']> = { task_id: toId(taskId, 'task id') };
  if (agentId !== undefined) kill.agent_id = toId(agentId, 'agent id');
  if (killPolicy) kill.kill_policy = killPolicy;
  return { framework_id: fid(frameworkId), type: 'KILL', kill };
}

export function shutdownCall(frameworkId: string, executorId: IdLike, agentId: IdLike): Call {
  return {
    framework_id: fid(frameworkId),
    type: 'SHUTDOWN',
    shutdown: { executor_id: toId(executorId, 'executor id'), agent_id: toId(agentId, 'agent id') },
  };
}

/**
 * ACKNOWLEDGE for a status update, or undefined when the update must not be acknowledged
 * (no uuid: master-generated updates such as reconciliation answers). The uuid is echoed as is.
 */
export function acknowledgeCall(frameworkId: string, status: TaskStatus): Call | undefined {
  if (typeof status?.uuid !== 'string' || status.uuid.length === 0) return undefined;
  if (!status.agent_id) throw new MesosInvalidCallError('cannot acknowledge an update with a uuid but no agent_id');
  return {
    framework_id: fid(frameworkId),
    type: 'ACKNOWLEDGE',
    acknowledge: {
      agent_id: toId(status.agent_id, 'agent id'),
      task_id: toId(status.task_id, 'task id'),
      uuid: status.uuid,
    },
  };
}

/** RECONCILE; an empty list asks for every task the master knows (implicit reconciliation). */
export function reconcileCall(frameworkId: string, tasks: ReconcileTask[]): Call {
  const list = tasks.map((t) => {
    const task: ReconcileTask = { task_id: toId(t.task_id, 'task id') };
    if (t.agent_id) task.agent_id = toId(t.agent_id, 'agent id');
    return task;
  });
  return { framework_id: fid(frameworkId), type: 'RECONCILE', reconcile: list.length > 0 ? { tasks: list } : {} };
}

export function teardownCall(frameworkId: string): Call {
  return { framework_id: fid(frameworkId), type: 'TEARDOWN' };
}

export function messageCall(frameworkId: string, agentId: IdLike, executorId: IdLike, data: Uint8Array): Call {
  return {
    framework_id: fid(frameworkId),
    type: 'MESSAGE',
    message: {
      agent_id: toId(agentId, 'agent id'),
      executor_id: toId(executorId, 'executor id'),
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
    },
  };
}

export function requestCall(frameworkId: string, requests: ResourceRequest[]): Call {
  return { framework_id: fid(frameworkId), type: 'REQUEST', request: { requests: [...requests] } };
}

export function updateFrameworkCall(frameworkId: string, frameworkInfo: FrameworkInfo, suppressedRoles?: string[]): Call {
  const { id: _ignored, ...rest } = frameworkInfo;
  const update: NonNullable<Call['update_framework']> = { framework_info: { id: fid(frameworkId), ...rest } };
  if (suppressedRoles && suppressedRoles.length > 0) update.suppressed_roles = [...suppressedRoles];
  return { framework_id: fid(frameworkId), type: 'UPDATE_FRAMEWORK', update_framework: update };
}

