// The scheduler's record of one instance of an app: from "Scheduled" (waiting for an offer)
// through its Mesos task's life until it is expunged. Plain data, stored as a JSON document.
import type { HealthRecord } from './health';
import type { NetworkInfo, TaskState } from '../../mesos/types';


/** Marathon's instance condition names (instance_changed_event.condition). */
export type InstanceCondition =
  | 'Scheduled' | 'Provisioned' | 'Staging' | 'Starting' | 'Running' | 'Killing' | 'Killed'
  | 'Failed' | 'Finished' | 'Error' | 'Dropped' | 'Gone' | 'GoneByOperator' | 'Unreachable'
  | 'UnreachableInactive' | 'Unknown';

export interface TaskIpAddress { ipAddress: string; protocol: 'IPv4' | 'IPv6' }

export interface Instance {
  /** `<app path, / → _>.instance-<uuid>` */
  instanceId: string;
  appId: string;
  /** Stable index within the app: new instances take the lowest free slot; sticky IPs/MACs follow it. */
  slot: number;
  /** The `n` of `._app.<n>`; 0 until the first launch. */
  incarnation: number;
  taskId: string | null;
  /** app.version the instance was created for. */
  runSpecVersion: string;
  /** app.versionInfo.lastConfigChangeAt at creation: tells old from new during a restart. */
  configVersion: string;
  condition: InstanceCondition;
  state: TaskState | null;
  agentId: string | null;
  host: string | null;
  createdAt: string;
  /** When the launch was sent (ms since epoch), for launch timeouts. */
  launchedAtMs: number | null;
  stagedAt: string | null;
  startedAt: string | null;
  ports: number[];
  servicePorts: number[];
  ipAddresses: TaskIpAddress[];
  /** For apps with networkInterfaces: the NetworkInfos the task was launched with (agent link included). */
  launchedNetworkInfos: NetworkInfo[];
  /** network_infos of the latest TaskStatus that carried any. */
  statusNetworkInfos: NetworkInfo[];
  message: string;
  unreachableSince: string | null;
  /** A kill has been sent (by a deployment, the API or a timeout). */
  killRequested: boolean;
  /** When the last KILL was sent (ms since epoch), to resend if nothing comes back. */
  killSentAtMs: number | null;
  /** Set when the kill was part of a scale-down (no replacement). */
  decommissioned: boolean;
  healthy: boolean | null;
  /** Marathon's Health record of the current task, from the `healthy` of its status updates. */
  health?: HealthRecord;
  role: string;
  /** Stored revision (issue 21): bumped by the repository on every durable write; with `writer`, tells a newer copy from an older one on a re-read. */
  revision?: number;
  /** Id of the repository (serve process term) that wrote this revision. */
  writer?: string;
}

/**
 * The same instance as an object of one fixed shape (every field, in declaration order, from one
 * literal). The repository keeps these: instances built by spreading (`{ ...i }`) and then given
 * a field the source lacked (`revision`, `writer` on the first write) each got a hidden class of
 * their own in V8 — about 1 KB of shape data per instance, and every read of an instance field
 * megamorphic (issue 20). Optional fields absent in `i` stay absent.
 */
export function canonicalInstance(i: Readonly<Instance>): Instance {
  const c: Instance = {
    instanceId: i.instanceId, appId: i.appId, slot: i.slot, incarnation: i.incarnation, taskId: i.taskId,
    runSpecVersion: i.runSpecVersion, configVersion: i.configVersion, condition: i.condition, state: i.state,
    agentId: i.agentId, host: i.host, createdAt: i.createdAt, launchedAtMs: i.launchedAtMs, stagedAt: i.stagedAt,
    startedAt: i.startedAt, ports: i.ports, servicePorts: i.servicePorts, ipAddresses: i.ipAddresses,
    launchedNetworkInfos: i.launchedNetworkInfos, statusNetworkInfos: i.statusNetworkInfos, message: i.message,
    unreachableSince: i.unreachableSince, killRequested: i.killRequested, killSentAtMs: i.killSentAtMs,
    decommissioned: i.decommissioned, healthy: i.healthy, role: i.role, revision: i.revision, writer: i.writer,
  };
  // Deleting the most recently added fields only steps back along the shape's transitions (the
  // object keeps a shared fast shape); `health`, when present, comes last for the same reason.
  if (c.writer === undefined) delete c.writer;
  if (c.revision === undefined) delete c.revision;
  if (i.health !== undefined) c.health = i.health;
  return c;
}

export const ACTIVE_CONDITIONS: ReadonlySet<InstanceCondition> = new Set<InstanceCondition>([
  'Scheduled', 'Provisioned', 'Staging', 'Starting', 'Running', 'Killing', 'Unreachable', 'UnreachableInactive',
]);

/** Maps a Mesos task state (and its reason, for TASK_LOST) to Marathon's instance condition. */
export function conditionOf(state: TaskState, reason?: string): InstanceCondition {
  switch (state) {
    case 'TASK_STAGING': return 'Staging';
    case 'TASK_STARTING': return 'Starting';
    case 'TASK_RUNNING': return 'Running';
    case 'TASK_KILLING': return 'Killing';
    case 'TASK_FINISHED': return 'Finished';
    case 'TASK_FAILED': return 'Failed';
    case 'TASK_KILLED': return 'Killed';
    case 'TASK_ERROR': return 'Error';
    case 'TASK_DROPPED': return 'Dropped';
    case 'TASK_GONE': return 'Gone';
    case 'TASK_GONE_BY_OPERATOR': return 'GoneByOperator';
    case 'TASK_UNREACHABLE': return 'Unreachable';
    case 'TASK_UNKNOWN': return 'Unknown';
    case 'TASK_LOST':
      // Non-partition-aware form: the reason says whether the agent may come back.
      switch (reason) {
        case 'REASON_AGENT_REMOVED': case 'REASON_AGENT_REMOVED_BY_OPERATOR': return 'Gone';
        case 'REASON_AGENT_UNKNOWN': case 'REASON_TASK_UNKNOWN': return 'Unknown';
        case 'REASON_INVALID_OFFERS': case 'REASON_RESOURCES_UNKNOWN': case 'REASON_TASK_INVALID':
          return 'Dropped';
        default: return 'Unreachable';
      }
    default: return 'Unknown';
  }
}

/** Conditions after which the instance is expunged (spec §10 first row). */
export function isTerminalCondition(c: InstanceCondition): boolean {
  return !ACTIVE_CONDITIONS.has(c);
}

/** Terminal conditions that count as failures for backoff (spec §9: Failed, Error, Dropped, Gone, Finished). */
export function isFailureCondition(c: InstanceCondition): boolean {
  return c === 'Failed' || c === 'Error' || c === 'Dropped' || c === 'Gone' || c === 'GoneByOperator'
    || c === 'Finished' || c === 'Unknown';
}

/** A launch was sent (Provisioned) or the task exists: it is a Mesos task that can be killed. */
export function isLaunched(i: Instance): boolean {
  return i.condition !== 'Scheduled';
}
