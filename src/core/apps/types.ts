// The Marathon AppDefinition as marathon-vnet stores it: every default filled, legacy forms
// rewritten (spec marathon-api.md §5.3), plus the `networkInterfaces` extension (DESIGN §3).
// `normalizeApp` (normalize.ts) turns untrusted JSON into this shape; `validateApp` (validate.ts)
// checks the rules that need the whole definition or cluster facts.

/** One broken rule, with a Marathon-style path: `/id`, `/container/networkInterfaces(1)/ipAddress`, `/`. */
export interface Violation {
  path: string;
  message: string;
  /**
   * 'type' for JSON-type mismatches (message is Marathon's `error.expected.js…` key), so the API can
   * choose between "Invalid JSON" and "Object is not valid"; absent for ordinary rule violations.
   */
  kind?: 'type';
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type StringMap = Record<string, string>;

// ---------------------------------------------------------------------------------------------
// networkInterfaces (DESIGN §3)

export type Bootproto = 'dhcp' | 'static';

export interface RouteSpec {
  /** CIDR `a.b.c.d/len` */
  destination: string;
  /** a.b.c.d, inside the interface's subnet */
  gateway: string;
}

/**
 * One interface as stored. Optional fields are absent when not given (an empty string in the input
 * means "not given"). `interfaceName` and `bootproto` always carry their defaults.
 */
export interface NetworkInterface {
  networkName: string;
  interfaceName: string;
  bootproto: Bootproto;
  /** One address, `a.b.c.d` or `a.b.c.d/len`; serves one instance. */
  ipAddress?: string;
  /** A pool given as a list of `a.b.c.d`. */
  ipAddresses?: string[];
  /** A pool given as `a.b.c.d-a.b.c.e` or as a CIDR `a.b.c.d/len`. */
  ipRange?: string;
  /** Dotted (`255.255.255.0`) or a prefix length (`24` or `/24`), as given. */
  netmask?: string;
  gateway?: string;
  routes: RouteSpec[];
  macAddress?: string;
  mtu?: number;
  labels: StringMap;
}

/** Label keys under this prefix are ours (the `vnet.*` labels of NetworkInfo); user interface labels may not use it. */
export const RESERVED_LABEL_PREFIX = 'vnet.';

/** The fields an interface entry may carry; anything else is a violation. */
export const NETWORK_INTERFACE_FIELDS: readonly string[] = [
  'networkName', 'interfaceName', 'bootproto', 'ipAddress', 'ipAddresses', 'ipRange', 'netmask',
  'gateway', 'routes', 'macAddress', 'mtu', 'labels',
];

// ---------------------------------------------------------------------------------------------
// Marathon parts

export type NetworkMode = 'container' | 'container/bridge' | 'host';
export interface Network {
  mode: NetworkMode;
  name?: string;
  labels?: StringMap;
}

export type PortProtocol = string; // 'tcp' | 'udp' | 'udp,tcp'

export interface PortDefinition {
  port: number;
  protocol: PortProtocol;
  name?: string;
  labels?: StringMap;
}

export interface PortMapping {
  containerPort: number;
  hostPort?: number;
  servicePort: number;
  protocol: PortProtocol;
  name?: string;
  labels?: StringMap;
  networkNames?: string[];
}

export interface DockerParameter { key: string; value: string }

export interface DockerSpec {
  image: string;
  forcePullImage: boolean;
  privileged: boolean;
  parameters: DockerParameter[];
  pullConfig?: JsonObject;
  credential?: JsonObject;
}

export type ContainerType = 'DOCKER' | 'MESOS';

export interface Volume {
  containerPath: string;
  hostPath?: string;
  mode: 'RW' | 'RO';
  /** persistent / external / secret volume forms are kept as given */
  persistent?: JsonObject;
  external?: JsonObject;
  secret?: string;
}

export interface Container {
  type: ContainerType;
  /** For MESOS this is the "Mesos containerizer with a Docker image" form; may be absent. */
  docker?: DockerSpec;
  volumes: Volume[];
  portMappings: PortMapping[];
  /** Present (possibly empty) only when the user gave networkInterfaces. */
  networkInterfaces?: NetworkInterface[];
}

export type ConstraintOperator = 'UNIQUE' | 'CLUSTER' | 'GROUP_BY' | 'LIKE' | 'UNLIKE' | 'MAX_PER' | 'IS';
export const CONSTRAINT_OPERATORS: readonly ConstraintOperator[] = ['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS'];
/** `[field, OPERATOR]` or `[field, OPERATOR, value]`; the operator is stored upper-case. */
export type Constraint = [string, string] | [string, string, string];

export type EnvValue = string | { secret: string };

export interface FetchUri {
  uri: string;
  executable: boolean;
  extract: boolean;
  cache: boolean;
  destPath?: string;
}

export interface UpgradeStrategy { minimumHealthCapacity: number; maximumOverCapacity: number }
export interface UnreachableEnabled { inactiveAfterSeconds: number; expungeAfterSeconds: number }
export type UnreachableStrategy = 'disabled' | UnreachableEnabled;
export type KillSelection = 'YOUNGEST_FIRST' | 'OLDEST_FIRST';

export const HEALTH_CHECK_PROTOCOLS: readonly string[] = ['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'];

export interface ResourceLimits { cpus?: number | 'unlimited'; mem?: number | 'unlimited' }

/**
 * The stored (normalised) app definition. Response-only fields (`version`, `versionInfo`, task
 * counts, `deployments`, `tasks`, …) are not part of it: the API adds them.
 */
export interface AppDefinition {
  id: string;
  cmd?: string;
  args?: string[];
  user?: string;
  env: Record<string, EnvValue>;
  instances: number;
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
  executor: string;
  constraints: Constraint[];
  acceptedResourceRoles?: string[];
  role?: string;
  labels: StringMap;
  fetch: FetchUri[];
  portDefinitions: PortDefinition[];
  requirePorts: boolean;
  /** Marathon health checks, kept as given apart from the checked fields (protocol upper-cased). */
  healthChecks: JsonObject[];
  check?: JsonObject;
  readinessChecks: JsonObject[];
  dependencies: string[];
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
  upgradeStrategy: UpgradeStrategy;
  unreachableStrategy: UnreachableStrategy;
  killSelection: KillSelection;
  taskKillGracePeriodSeconds?: number;
  tty?: boolean;
  secrets: Record<string, { source: string }>;
  resourceLimits?: ResourceLimits;
  /** `[]` = host networking (spec §5.2). Apps with networkInterfaces keep this empty. */
  networks: Network[];
  container?: Container;
}

/**
 * The input form: what a client may send. Every field optional and loosely typed on purpose —
 * `normalizeApp` takes `unknown` and reports type errors as violations.
 */
export interface AppDefinitionInput {
  id?: string;
  cmd?: string | null;
  args?: string[] | null;
  instances?: number;
  cpus?: number;
  mem?: number;
  disk?: number;
  gpus?: number;
  container?: JsonObject | null;
  networkInterfaces?: JsonObject[];
  [field: string]: JsonValue | undefined;
}

/** The facts validation needs from the outside world. */
export interface ValidationFacts {
  /**
   * Known OpenVNet networks by uuid. `undefined` = no OpenVNet API configured: network existence and
   * subnet membership are not checked.
   */
  networks?: Map<string, { subnet: string }>;
  /** The agent-link network name (`serve --agent-link`), which apps may not use themselves. */
  agentLink?: string;
  /** `serve --max_instances_per_app`; default DEFAULT_MAX_INSTANCES_PER_APP. */
  maxInstancesPerApp?: number;
}

/** What one app may ask for unless `--max_instances_per_app` says otherwise. */
export const DEFAULT_MAX_INSTANCES_PER_APP = 100_000;
/** Marathon reads `instances` as a 32-bit int. */
export const MAX_INT32 = 2_147_483_647;

/** An address held in the cluster (state/ipam), as the API / scheduler pass it in. */
export interface HeldAddress {
  network: string;
  address: string;
  holder: { appId: string; slot: number };
}

/** A static address the app would need that someone else holds (HTTP 409). */
export interface AddressConflict {
  /** Marathon path of the interface field that asked for it, e.g. `/container/networkInterfaces(1)/ipAddress`. */
  path: string;
  network: string;
  address: string;
  slot: number;
  holder: { appId: string; slot: number };
  message: string;
}
