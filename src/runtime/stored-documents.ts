// The documents the repository keeps in the state store (src/state stores them as opaque JSON),
// as schemas checked when they are read back: a document that does not match is left out and
// reported, never cast into the model. Nested records owned by other parts (app definitions,
// NetworkInfos, deployment steps) are checked for their shape here and in depth by their owners.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { AppDefinition } from '../core/apps/types';
import type { AppVersion } from '../core/deploy/app-version';
import type { DeploymentPlan, DeploymentRecord, DeploymentStep } from '../core/deploy/plan';
import { checker, type Checker } from '../lib/schema';
import type { NetworkInfo, TaskState } from '../mesos/types';
import type { HealthRecord } from '../core/scheduler/health';
import type { Instance, InstanceCondition } from '../core/scheduler/instance';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const AnyObject = Type.Object({}, { additionalProperties: true });
const Timestamp = Type.String({ minLength: 1 });

const CONDITIONS: readonly InstanceCondition[] = [
  'Scheduled', 'Provisioned', 'Staging', 'Starting', 'Running', 'Killing', 'Killed', 'Failed', 'Finished', 'Error',
  'Dropped', 'Gone', 'GoneByOperator', 'Unreachable', 'UnreachableInactive', 'Unknown',
];

const AppDefinitionShape = Type.Unsafe<AppDefinition>(Type.Object({
  id: Type.String({ minLength: 1 }),
  instances: Type.Integer({ minimum: 0 }),
}, { additionalProperties: true }));

export const AppVersionDocument = Type.Object({
  app: AppDefinitionShape,
  version: Timestamp,
  versionInfo: Type.Object({ lastScalingAt: Timestamp, lastConfigChangeAt: Timestamp }),
});

const HealthShape = Type.Object({
  firstSuccess: Nullable(Type.String()),
  lastSuccess: Nullable(Type.String()),
  lastFailure: Nullable(Type.String()),
  lastFailureCause: Nullable(Type.String()),
  consecutiveFailures: Type.Integer({ minimum: 0 }),
});

export const InstanceDocument = Type.Object({
  instanceId: Type.String({ minLength: 1 }),
  appId: Type.String({ minLength: 1 }),
  slot: Type.Integer({ minimum: 0 }),
  incarnation: Type.Integer({ minimum: 0 }),
  taskId: Nullable(Type.String()),
  runSpecVersion: Type.String(),
  configVersion: Type.String(),
  condition: Type.Unsafe<InstanceCondition>(Type.String({ enum: [...CONDITIONS] })),
  state: Nullable(Type.Unsafe<TaskState>(Type.String({ pattern: '^TASK_[A-Z_]+$' }))),
  agentId: Nullable(Type.String()),
  host: Nullable(Type.String()),
  createdAt: Timestamp,
  launchedAtMs: Nullable(Type.Number()),
  stagedAt: Nullable(Type.String()),
  startedAt: Nullable(Type.String()),
  ports: Type.Array(Type.Integer({ minimum: 0, maximum: 65535 })),
  servicePorts: Type.Array(Type.Integer({ minimum: 0, maximum: 65535 })),
  ipAddresses: Type.Array(Type.Object({ ipAddress: Type.String(), protocol: Type.Union([Type.Literal('IPv4'), Type.Literal('IPv6')]) })),
  launchedNetworkInfos: Type.Array(Type.Unsafe<NetworkInfo>(AnyObject)),
  statusNetworkInfos: Type.Array(Type.Unsafe<NetworkInfo>(AnyObject)),
  message: Type.String(),
  unreachableSince: Nullable(Type.String()),
  killRequested: Type.Boolean(),
  killSentAtMs: Nullable(Type.Number()),
  decommissioned: Type.Boolean(),
  healthy: Nullable(Type.Boolean()),
  health: Type.Optional(Type.Unsafe<HealthRecord>(HealthShape)),
  role: Type.String(),
  revision: Type.Optional(Type.Integer({ minimum: 0 })),
  writer: Type.Optional(Type.String()),
});

const DeploymentPlanShape = Type.Unsafe<DeploymentPlan>(Type.Object({
  id: Type.String({ minLength: 1 }),
  version: Type.String(),
  affectedApps: Type.Array(Type.String()),
  steps: Type.Array(Type.Unsafe<DeploymentStep>(Type.Object({ actions: Type.Array(AnyObject) }))),
  original: Type.Record(Type.String(), Nullable(AppVersionDocument)),
  target: Type.Record(Type.String(), Nullable(AppVersionDocument)),
}));

export const DeploymentDocument = Type.Object({
  plan: DeploymentPlanShape,
  currentStep: Type.Integer({ minimum: 0 }),
  startedAt: Type.String(),
  revision: Type.Optional(Type.Integer({ minimum: 0 })),
  writer: Type.Optional(Type.String()),
});

export const ClaimHolderDocument = Type.Object({
  appId: Type.String({ minLength: 1 }),
  slot: Type.Integer({ minimum: 0 }),
});

/**
 * A group's own record (kept by server/api/app-service.ts): its versions, dependencies and
 * enforceRole, and whether it stays while it has no apps (`empty`); the app tree itself comes from
 * app ids. Only `version` is required: a missing field reads as its default (none, false).
 */
export const GroupDocument = Type.Object({
  version: Type.String(),
  versions: Type.Optional(Type.Array(Type.String())),
  dependencies: Type.Optional(Type.Array(Type.String())),
  enforceRole: Type.Optional(Type.Boolean()),
  empty: Type.Optional(Type.Boolean()),
});

/** A group record as the repository keeps it: GroupDocument with its defaults filled in. */
export type GroupRecord = Required<Static<typeof GroupDocument>>;

// The schemas' types are the model's: the compiler checks both directions.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameAppVersion: Same<Static<typeof AppVersionDocument>, AppVersion> = true;
const sameInstance: Same<Static<typeof InstanceDocument>, Instance> = true;
const sameDeployment: Same<Static<typeof DeploymentDocument>, DeploymentRecord> = true;
void [sameAppVersion, sameInstance, sameDeployment];

export interface Decoded<T> { value?: T; error?: string }

function decoder<T extends TSchema>(schema: T): (doc: unknown) => Decoded<Static<T>> {
  const c: Checker<T> = checker(schema);
  return (doc) => (c.check(doc) ? { value: doc } : { error: c.lastError() });
}

export const decodeAppVersion = decoder(AppVersionDocument);
export const decodeInstance = decoder(InstanceDocument);
export const decodeDeployment = decoder(DeploymentDocument);
export const decodeClaimHolder = decoder(ClaimHolderDocument);

const decodeGroupDocument = decoder(GroupDocument);
export function decodeGroup(doc: unknown): Decoded<GroupRecord> {
  const d = decodeGroupDocument(doc);
  if (d.value === undefined) return d.error !== undefined ? { error: d.error } : {};
  const g = d.value;
  return { value: { version: g.version, versions: g.versions ?? [], dependencies: g.dependencies ?? [], enforceRole: g.enforceRole ?? false, empty: g.empty ?? false } };
}
