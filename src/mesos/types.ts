// The JSON (and in-memory) form of the mesos.v1 messages marathon-vnet uses: snake_case names,
// enums as strings, bytes as base64 strings. Field sets follow proto/ (a subset of upstream).

export interface Id { value: string }
export type FrameworkID = Id;
export type OfferID = Id;
export type AgentID = Id;
export type TaskID = Id;
export type ExecutorID = Id;
export type OperationID = Id;
export type ResourceProviderID = Id;
export interface ContainerID { value: string; parent?: ContainerID }

export interface Label { key: string; value?: string }
export interface Labels { labels?: Label[] }
export interface Parameter { key: string; value: string }

export type ValueType = 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
export interface Scalar { value: number }
export interface Range { begin: number; end: number }
export interface Ranges { range?: Range[] }

export interface Resource {
  name: string;
  type: ValueType;
  scalar?: Scalar;
  ranges?: Ranges;
  set?: { item?: string[] };
  role?: string;
  allocation_info?: { role?: string };
  reservation?: { type?: string; role?: string; principal?: string; labels?: Labels };
  reservations?: Array<{ type?: string; role?: string; principal?: string; labels?: Labels }>;
}

export interface Attribute {
  name: string;
  type: ValueType;
  scalar?: Scalar;
  ranges?: Ranges;
  text?: { value: string };
  set?: { item?: string[] };
}

export interface Address { hostname?: string; ip?: string; port: number }
export interface URL { scheme: string; address: Address; path?: string }

export type FrameworkCapabilityType =
  | 'UNKNOWN' | 'REVOCABLE_RESOURCES' | 'TASK_KILLING_STATE' | 'GPU_RESOURCES' | 'SHARED_RESOURCES'
  | 'PARTITION_AWARE' | 'MULTI_ROLE' | 'RESERVATION_REFINEMENT' | 'REGION_AWARE';

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: FrameworkID;
  failover_timeout?: number;
  checkpoint?: boolean;
  role?: string;
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: Array<{ type?: FrameworkCapabilityType }>;
  labels?: Labels;
  roles?: string[];
}

export interface MasterInfo {
  id: string;
  ip: number;
  port: number;
  pid?: string;
  hostname?: string;
  version?: string;
  address?: Address;
  capabilities?: Array<{ type?: string }>;
}

export interface Offer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  hostname: string;
  url?: URL;
  resources?: Resource[];
  attributes?: Attribute[];
  executor_ids?: ExecutorID[];
  allocation_info?: { role?: string };
}

export interface Filters { refuse_seconds?: number }
export interface DurationInfo { nanoseconds: number }
export interface KillPolicy { grace_period?: DurationInfo }

export interface EnvironmentVariable { name: string; type?: 'UNKNOWN' | 'VALUE' | 'SECRET'; value?: string }
export interface CommandInfo {
  uris?: Array<{ value: string; executable?: boolean; extract?: boolean; cache?: boolean; output_file?: string }>;
  environment?: { variables?: EnvironmentVariable[] };
  shell?: boolean;
  value?: string;
  arguments?: string[];
  user?: string;
}

export type NetworkProtocol = 'IPv4' | 'IPv6';
export interface IPAddress { protocol?: NetworkProtocol; ip_address?: string }
export interface NetworkPortMapping { host_port: number; container_port: number; protocol?: string }
export interface NetworkInfo {
  ip_addresses?: IPAddress[];
  name?: string;
  groups?: string[];
  labels?: Labels;
  port_mappings?: NetworkPortMapping[];
}

export interface Image { type: 'APPC' | 'DOCKER'; docker?: { name: string }; cached?: boolean }
export interface Volume { mode: 'RW' | 'RO'; container_path: string; host_path?: string; image?: Image }
export interface DockerInfo {
  image: string;
  network?: 'HOST' | 'BRIDGE' | 'NONE' | 'USER';
  port_mappings?: NetworkPortMapping[];
  privileged?: boolean;
  parameters?: Parameter[];
  force_pull_image?: boolean;
}
export interface ContainerInfo {
  type: 'DOCKER' | 'MESOS';
  volumes?: Volume[];
  hostname?: string;
  docker?: DockerInfo;
  mesos?: { image?: Image };
  network_infos?: NetworkInfo[];
  tty_info?: Record<string, unknown>;
}

/** mesos.v1.HealthCheck (Mesos 1.11): run by the executor, inside the task's network namespace. */
export interface HealthCheck {
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
  consecutive_failures?: number;
  grace_period_seconds?: number;
  type?: 'UNKNOWN' | 'COMMAND' | 'HTTP' | 'TCP';
  command?: CommandInfo;
  http?: { protocol?: NetworkProtocol; scheme?: string; port: number; path?: string; statuses?: number[] };
  tcp?: { protocol?: NetworkProtocol; port: number };
}

export interface TaskInfo {
  name: string;
  task_id: TaskID;
  agent_id: AgentID;
  resources?: Resource[];
  executor?: ExecutorInfo;
  command?: CommandInfo;
  container?: ContainerInfo;
  kill_policy?: KillPolicy;
  health_check?: HealthCheck;
  labels?: Labels;
  data?: string;
  max_completion_time?: DurationInfo;
  limits?: Record<string, Scalar>;
}

export type TaskState =
  | 'TASK_STAGING' | 'TASK_STARTING' | 'TASK_RUNNING' | 'TASK_KILLING' | 'TASK_FINISHED'
  | 'TASK_FAILED' | 'TASK_KILLED' | 'TASK_ERROR' | 'TASK_LOST' | 'TASK_DROPPED'
  | 'TASK_UNREACHABLE' | 'TASK_GONE' | 'TASK_GONE_BY_OPERATOR' | 'TASK_UNKNOWN';

export type TaskSource = 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';

export interface ContainerStatus {
  container_id?: ContainerID;
  network_infos?: NetworkInfo[];
  executor_pid?: number;
}

export interface TaskStatus {
  task_id: TaskID;
  state: TaskState;
  message?: string;
  source?: TaskSource;
  reason?: string;
  data?: string;
  agent_id?: AgentID;
  executor_id?: ExecutorID;
  timestamp?: number;
  uuid?: string;
  healthy?: boolean;
  labels?: Labels;
  container_status?: ContainerStatus;
  unreachable_time?: { nanoseconds: number };
}

export type OperationType =
  | 'UNKNOWN' | 'LAUNCH' | 'LAUNCH_GROUP' | 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY'
  | 'GROW_VOLUME' | 'SHRINK_VOLUME' | 'CREATE_DISK' | 'DESTROY_DISK';
export interface ExecutorInfo {
  type?: 'UNKNOWN' | 'DEFAULT' | 'CUSTOM';
  executor_id: ExecutorID;
  framework_id?: FrameworkID;
  command?: CommandInfo;
  container?: ContainerInfo;
  resources?: Resource[];
  name?: string;
  data?: string;
  labels?: Labels;
}
export interface Operation {
  type: OperationType;
  id?: OperationID;
  launch?: { task_infos: TaskInfo[] };
  launch_group?: { executor: ExecutorInfo; task_group: { tasks?: TaskInfo[] } };
  reserve?: { resources?: Resource[]; source?: Resource[] };
  unreserve?: { resources?: Resource[] };
  create?: { volumes?: Resource[] };
  destroy?: { volumes?: Resource[] };
}

/** `mesos.v1.Request` (REQUEST call); ignored by the default allocator. */
export interface ResourceRequest { agent_id?: AgentID; resources?: Resource[] }

export interface InverseOffer {
  id: OfferID;
  url?: URL;
  framework_id: FrameworkID;
  agent_id?: AgentID;
  unavailability?: { start?: { nanoseconds: number }; duration?: DurationInfo };
  resources?: Resource[];
}

export type OperationState =
  | 'OPERATION_UNSUPPORTED' | 'OPERATION_PENDING' | 'OPERATION_FINISHED' | 'OPERATION_FAILED'
  | 'OPERATION_ERROR' | 'OPERATION_DROPPED' | 'OPERATION_UNREACHABLE' | 'OPERATION_GONE_BY_OPERATOR'
  | 'OPERATION_RECOVERING' | 'OPERATION_UNKNOWN';
export interface OperationStatus {
  operation_id?: OperationID;
  state: OperationState;
  message?: string;
  converted_resources?: Resource[];
  uuid?: { value: string };
  agent_id?: AgentID;
  resource_provider_id?: ResourceProviderID;
}

export type CallType =
  | 'UNKNOWN' | 'SUBSCRIBE' | 'TEARDOWN' | 'ACCEPT' | 'DECLINE' | 'ACCEPT_INVERSE_OFFERS'
  | 'DECLINE_INVERSE_OFFERS' | 'REVIVE' | 'KILL' | 'SHUTDOWN' | 'ACKNOWLEDGE'
  | 'ACKNOWLEDGE_OPERATION_STATUS' | 'RECONCILE' | 'RECONCILE_OPERATIONS' | 'MESSAGE' | 'REQUEST'
  | 'SUPPRESS' | 'UPDATE_FRAMEWORK';

export interface ReconcileTask { task_id: TaskID; agent_id?: AgentID }

export interface Call {
  framework_id?: FrameworkID;
  type: CallType;
  subscribe?: { framework_info: FrameworkInfo; suppressed_roles?: string[] };
  accept?: { offer_ids: OfferID[]; operations?: Operation[]; filters?: Filters };
  decline?: { offer_ids: OfferID[]; filters?: Filters };
  revive?: { roles?: string[] };
  suppress?: { roles?: string[] };
  kill?: { task_id: TaskID; agent_id?: AgentID; kill_policy?: KillPolicy };
  shutdown?: { executor_id: ExecutorID; agent_id: AgentID };
  acknowledge?: { agent_id: AgentID; task_id: TaskID; uuid: string };
  reconcile?: { tasks?: ReconcileTask[] };
  message?: { agent_id: AgentID; executor_id: ExecutorID; data: string };
  request?: { requests?: ResourceRequest[] };
  update_framework?: { framework_info: FrameworkInfo; suppressed_roles?: string[] };
  accept_inverse_offers?: { inverse_offer_ids: OfferID[]; filters?: Filters };
  decline_inverse_offers?: { inverse_offer_ids: OfferID[]; filters?: Filters };
  acknowledge_operation_status?: {
    agent_id?: AgentID;
    resource_provider_id?: ResourceProviderID;
    uuid: string;
    operation_id: OperationID;
  };
  reconcile_operations?: {
    operations?: Array<{ operation_id: OperationID; agent_id?: AgentID; resource_provider_id?: ResourceProviderID }>;
  };
}

export type EventType =
  | 'UNKNOWN' | 'SUBSCRIBED' | 'OFFERS' | 'INVERSE_OFFERS' | 'RESCIND' | 'RESCIND_INVERSE_OFFER'
  | 'UPDATE' | 'UPDATE_OPERATION_STATUS' | 'MESSAGE' | 'FAILURE' | 'ERROR' | 'HEARTBEAT';

export interface Event {
  type: EventType;
  subscribed?: { framework_id: FrameworkID; heartbeat_interval_seconds?: number; master_info?: MasterInfo };
  offers?: { offers?: Offer[] };
  rescind?: { offer_id: OfferID };
  update?: { status: TaskStatus };
  message?: { agent_id: AgentID; executor_id: ExecutorID; data: string };
  failure?: { agent_id?: AgentID; executor_id?: ExecutorID; status?: number };
  error?: { message: string };
  inverse_offers?: { inverse_offers?: InverseOffer[] };
  rescind_inverse_offer?: { inverse_offer_id: OfferID };
  update_operation_status?: { status: OperationStatus };
}

export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);
