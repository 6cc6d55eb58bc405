// Untrusted JSON → the stored AppDefinition: JSON types checked against app-json.ts' schema (every
// mismatch at once), Marathon defaults filled, legacy forms rewritten (spec marathon-api.md §5.3),
// networkInterfaces moved to one place. Rules over values live in validate.ts.
//
// Unknown top-level fields are dropped, as Marathon's app reader ignores them (and the stock UI
// sends response-only fields such as `version` or `tasksRunning` back in PUT bodies). Inside
// `networkInterfaces` entries (and their routes) unknown fields are violations: the extension is
// ours, and a typo there (`gatway`) would silently give a container the wrong network.

import { readAppJson, type AppJson, type ContainerJson, type DockerJson, type InterfaceJson, type PortMappingJson } from './app-json';
import type {
  AppDefinition, Bootproto, Constraint, Container, ContainerType, DockerParameter, DockerSpec,
  EnvValue, FetchUri, JsonObject, KillSelection, Network, NetworkInterface, NetworkMode,
  PortDefinition, PortMapping, ResourceLimits, RouteSpec, StringMap, UnreachableStrategy,
  UpgradeStrategy, Violation, Volume,
} from './types';
import { NETWORK_INTERFACE_FIELDS } from './types';

export interface NormalizeOptions {
  /** Group that relative ids are resolved against; default `/`. */
  parentGroup?: string;
  /** Marathon `--mesos_bridge_name` (legacy `ipAddress` with this name means container/bridge). */
  mesosBridgeName?: string;
}

/**
 * `partial`: with rule violations only (no JSON type errors), the app as far as it could be read,
 * so that validation can report every other violation in the same answer.
 */
export type NormalizeResult = { app: AppDefinition } | { violations: Violation[]; partial?: AppDefinition };

export const DEFAULT_MESOS_BRIDGE_NAME = 'mesos-bridge';

// ---------------------------------------------------------------------------------------------
// ids

/**
 * Canonical absolute path id: relative ids resolved against `parent`, repeated slashes collapsed,
 * trailing slash removed, `.`/`..` resolved — except in the last segment, which is kept so that
 * validation can reject it as reserved.
 */
export function canonicalAppId(raw: string, parent = '/'): string {
  const absolute = raw.startsWith('/') ? raw : `${parent}/${raw}`;
  const segments = absolute.split('/').filter((s) => s !== '');
  const out: string[] = [];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (!last && segment === '.') return;
    if (!last && segment === '..') {
      out.pop();
      return;
    }
    out.push(segment);
  });
  return `/${out.join('/')}`;
}

/** The group an app id lives in (`/a/b/c` → `/a/b`, `/c` → `/`). */
export function parentGroupOf(id: string): string {
  const cut = id.lastIndexOf('/');
  return cut <= 0 ? '/' : id.slice(0, cut);
}

// ---------------------------------------------------------------------------------------------
// rules met while reading (JSON types are app-json.ts' schema, checked before reading)

class Rules {
  readonly violations: Violation[] = [];

  rule(path: string, message: string): void {
    this.violations.push({ path, message });
  }

  /** An upper-cased enum value; undefined (with a violation) when not one of `allowed`. */
  upperEnum<T extends string>(value: string | null | undefined, path: string, allowed: readonly T[]): T | undefined {
    if (value === undefined || value === null) return undefined;
    const upper = value.toUpperCase();
    const found = allowed.find((a) => a === upper);
    if (found === undefined) this.rule(path, `must be one of ${allowed.join(', ')}`);
    return found;
  }
}

/** null → undefined (JSON null means "not given"). */
function given<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

/** Like given, but "" also means "not given". */
function text(value: string | null | undefined): string | undefined {
  return value === null || value === '' ? undefined : value;
}

/** Each element with its Marathon path. */
function withPaths<T>(list: readonly T[] | null | undefined, path: string): Array<[T, string]> {
  return (list ?? []).map((item, i) => [item, `${path}(${i})`]);
}

// ---------------------------------------------------------------------------------------------
// parts

/** Fields the API adds to responses; clients send them back and they are ignored. */
export const RESPONSE_ONLY_FIELDS: readonly string[] = [
  'version', 'versionInfo', 'tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy',
  'deployments', 'tasks', 'lastTaskFailure', 'taskStats', 'readinessCheckResults',
];

function readEnv(raw: AppJson): Record<string, EnvValue> {
  const env: Record<string, EnvValue> = {};
  for (const [name, value] of Object.entries(raw.env ?? {})) env[name] = typeof value === 'string' ? value : { secret: value.secret };
  return env;
}

function readSecrets(raw: AppJson): Record<string, { source: string }> {
  const secrets: Record<string, { source: string }> = {};
  for (const [name, value] of Object.entries(raw.secrets ?? {})) secrets[name] = { source: value.source ?? '' };
  return secrets;
}

function readConstraints(r: Rules, raw: AppJson): Constraint[] {
  const out: Constraint[] = [];
  for (const [item, path] of withPaths(raw.constraints, '/constraints')) {
    if (item.length < 2 || item.length > 3) {
      r.rule(path, 'Each constraint must have either 2 or 3 fields');
      continue;
    }
    const [field, op, value] = item;
    out.push(value === undefined ? [field, op.toUpperCase()] : [field, op.toUpperCase(), value]);
  }
  return out;
}

function isExtractable(uri: string): boolean {
  return /\.(tgz|tar\.gz|tbz2|tar\.bz2|txz|tar\.xz|zip)$/.test(uri);
}

function readFetch(r: Rules, raw: AppJson): FetchUri[] {
  const fetch = (raw.fetch ?? []).map((item): FetchUri => {
    const uri: FetchUri = {
      uri: item.uri ?? '',
      executable: item.executable ?? false,
      extract: item.extract ?? true,
      cache: item.cache ?? false,
    };
    const destPath = text(item.destPath);
    if (destPath !== undefined) uri.destPath = destPath;
    return uri;
  });
  const uris = given(raw.uris);
  if (uris === undefined || uris.length === 0) return fetch;
  if (fetch.length > 0) {
    r.rule('/uris', 'deprecated uris must not be combined with fetch (use fetch only)');
    return fetch;
  }
  return uris.map((uri) => ({ uri, executable: false, extract: isExtractable(uri), cache: false }));
}

function readPortDefinitions(r: Rules, raw: AppJson): PortDefinition[] | undefined {
  const defs = given(raw.portDefinitions)?.map((item): PortDefinition => {
    const def: PortDefinition = { port: item.port ?? 0, protocol: item.protocol ?? 'tcp' };
    const name = text(item.name);
    if (name !== undefined) def.name = name;
    const labels = given(item.labels);
    if (labels !== undefined) def.labels = labels;
    return def;
  });
  const ports = given(raw.ports);
  if (ports === undefined) return defs;
  if (defs !== undefined) {
    // Marathon accepts both when they name the same ports (clients echo `ports` next to portDefinitions).
    const same = ports.length === defs.length && ports.every((port, i) => port === defs[i]?.port);
    if (!same) r.rule('/ports', 'deprecated ports must not be combined with portDefinitions (use portDefinitions only)');
    return defs;
  }
  return ports.map((port) => ({ port, protocol: 'tcp' }));
}

function readUpgradeStrategy(raw: AppJson): UpgradeStrategy {
  const given = raw.upgradeStrategy ?? {};
  return { minimumHealthCapacity: given.minimumHealthCapacity ?? 1, maximumOverCapacity: given.maximumOverCapacity ?? 1 };
}

function readUnreachableStrategy(r: Rules, raw: AppJson): UnreachableStrategy {
  const value = raw.unreachableStrategy;
  if (value === undefined || value === null) return { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 };
  if (value === 'disabled') return 'disabled';
  if (typeof value === 'string') {
    r.rule('/unreachableStrategy', 'must be "disabled" or an object');
    return 'disabled';
  }
  return { inactiveAfterSeconds: value.inactiveAfterSeconds ?? 0, expungeAfterSeconds: value.expungeAfterSeconds ?? 0 };
}

function readResourceLimits(raw: AppJson): ResourceLimits | undefined {
  const given = raw.resourceLimits;
  if (given === undefined || given === null) return undefined;
  const limits: ResourceLimits = {};
  for (const key of ['cpus', 'mem'] as const) {
    const value = given[key];
    if (value !== undefined && value !== null) limits[key] = value;
  }
  return limits;
}

function readNetworks(r: Rules, raw: AppJson): Network[] | undefined {
  return given(raw.networks)?.map((item, i): Network => {
    const modeText = item.mode ?? 'container';
    const modes: NetworkMode[] = ['container', 'container/bridge', 'host'];
    const mode = modes.find((m) => m === modeText.toLowerCase());
    if (mode === undefined) r.rule(`/networks(${i})/mode`, `must be one of ${modes.join(', ')}`);
    const network: Network = { mode: mode ?? 'container' };
    const name = text(item.name);
    if (name !== undefined) network.name = name;
    const labels = given(item.labels);
    if (labels !== undefined) network.labels = labels;
    return network;
  });
}

function readPortMappings(list: readonly PortMappingJson[] | null | undefined): PortMapping[] {
  return (list ?? []).map((item): PortMapping => {
    const mapping: PortMapping = {
      containerPort: item.containerPort ?? 0,
      servicePort: item.servicePort ?? 0,
      protocol: item.protocol ?? 'tcp',
    };
    const hostPort = given(item.hostPort);
    if (hostPort !== undefined) mapping.hostPort = hostPort;
    const name = text(item.name);
    if (name !== undefined) mapping.name = name;
    const labels = given(item.labels);
    if (labels !== undefined) mapping.labels = labels;
    const networkNames = given(item.networkNames);
    if (networkNames !== undefined) mapping.networkNames = networkNames;
    return mapping;
  });
}

function readDocker(obj: DockerJson): DockerSpec {
  const docker: DockerSpec = {
    image: obj.image ?? '',
    forcePullImage: obj.forcePullImage ?? false,
    privileged: obj.privileged ?? false,
    parameters: (obj.parameters ?? []).map((item): DockerParameter => ({ key: item.key ?? '', value: item.value ?? '' })),
  };
  const pullConfig = given(obj.pullConfig);
  if (pullConfig !== undefined) docker.pullConfig = pullConfig;
  const credential = given(obj.credential);
  if (credential !== undefined) docker.credential = credential;
  return docker;
}

function readVolumes(r: Rules, container: ContainerJson): Volume[] {
  return withPaths(container.volumes, '/container/volumes').map(([item, path]): Volume => {
    const volume: Volume = {
      containerPath: item.containerPath ?? '',
      mode: r.upperEnum(item.mode, `${path}/mode`, ['RW', 'RO'] as const) ?? 'RW',
    };
    const hostPath = text(item.hostPath);
    if (hostPath !== undefined) volume.hostPath = hostPath;
    const persistent = given(item.persistent);
    if (persistent !== undefined) volume.persistent = persistent;
    const external = given(item.external);
    if (external !== undefined) volume.external = external;
    const secret = text(item.secret);
    if (secret !== undefined) volume.secret = secret;
    return volume;
  });
}

function readRoutes(r: Rules, iface: InterfaceJson, path: string): RouteSpec[] {
  return withPaths(iface.routes, `${path}/routes`).map(([item, routePath]): RouteSpec => {
    for (const key of Object.keys(item)) {
      if (key !== 'destination' && key !== 'gateway') r.rule(`${routePath}/${key}`, 'unknown field (a route has destination and gateway)');
    }
    return { destination: item.destination ?? '', gateway: item.gateway ?? '' };
  });
}

/** One networkInterfaces entry; `path` is where the user wrote it. */
function readInterface(r: Rules, item: InterfaceJson, path: string, index: number): NetworkInterface {
  for (const key of Object.keys(item)) {
    if (!NETWORK_INTERFACE_FIELDS.includes(key)) {
      r.rule(`${path}/${key}`, `unknown field; an interface takes ${NETWORK_INTERFACE_FIELDS.join(', ')}`);
    }
  }
  const bootprotoText = text(item.bootproto);
  let bootproto: Bootproto = 'dhcp';
  if (bootprotoText !== undefined) {
    const lower = bootprotoText.toLowerCase();
    if (lower === 'dhcp' || lower === 'static') bootproto = lower;
    else {
      r.rule(`${path}/bootproto`, 'must be dhcp or static');
      // Go on as the address fields suggest, so the other fields are still checked.
      if ([item.ipAddress, item.ipAddresses, item.ipRange].some((v) => v !== undefined && v !== null && v !== '')) bootproto = 'static';
    }
  }
  const iface: NetworkInterface = {
    networkName: text(item.networkName) ?? '',
    interfaceName: text(item.interfaceName) ?? `eth${index}`,
    bootproto,
    routes: readRoutes(r, item, path),
    labels: given(item.labels) ?? {},
  };
  for (const key of ['ipAddress', 'ipRange', 'netmask', 'gateway', 'macAddress'] as const) {
    const value = text(item[key]);
    if (value !== undefined) iface[key] = value;
  }
  const addresses = given(item.ipAddresses);
  if (addresses !== undefined && addresses.length > 0) iface.ipAddresses = addresses;
  const mtu = given(item.mtu);
  if (mtu !== undefined) iface.mtu = mtu;
  return iface;
}

function readInterfaces(r: Rules, list: readonly InterfaceJson[] | null | undefined, path: string): NetworkInterface[] | undefined {
  if (list === undefined || list === null) return undefined;
  return withPaths(list, `${path}/networkInterfaces`).map(([item, itemPath], i) => readInterface(r, item, itemPath, i));
}

interface LegacyNetworking {
  networks?: Network[];
  /** ipAddress.discovery.ports, as container port mappings */
  discoveryPorts: PortMapping[];
}

/** Legacy `ipAddress` and `container.docker.network` → networks (spec §5.3). */
function readLegacyNetworking(r: Rules, raw: AppJson, docker: DockerJson | undefined, bridgeName: string): LegacyNetworking {
  const ipAddress = given(raw.ipAddress);
  const dockerNetwork = given(docker?.network);
  const result: LegacyNetworking = { discoveryPorts: [] };
  let name: string | undefined;
  let labels: StringMap | undefined;
  if (ipAddress !== undefined) {
    name = text(ipAddress.networkName);
    labels = given(ipAddress.labels);
    result.discoveryPorts = (ipAddress.discovery?.ports ?? []).map((port): PortMapping => {
      const mapping: PortMapping = { containerPort: port.number ?? 0, servicePort: 0, protocol: port.protocol ?? 'tcp' };
      const portName = text(port.name);
      if (portName !== undefined) mapping.name = portName;
      const portLabels = given(port.labels);
      if (portLabels !== undefined) mapping.labels = portLabels;
      return mapping;
    });
  }
  const container = (): Network => {
    const network: Network = { mode: 'container' };
    if (name !== undefined) network.name = name;
    if (labels !== undefined && Object.keys(labels).length > 0) network.labels = labels;
    return network;
  };
  if (dockerNetwork !== undefined) {
    switch (dockerNetwork.toUpperCase()) {
      case 'USER': result.networks = [container()]; break;
      case 'BRIDGE': result.networks = [{ mode: 'container/bridge' }]; break;
      case 'HOST': result.networks = [{ mode: 'host' }]; break;
      default: r.rule('/container/docker/network', 'must be one of USER, BRIDGE, HOST');
    }
    if (ipAddress !== undefined && dockerNetwork.toUpperCase() !== 'USER') {
      r.rule('/ipAddress', 'ipAddress requires container.docker.network USER');
    }
  } else if (ipAddress !== undefined) {
    result.networks = name !== undefined && name === bridgeName ? [{ mode: 'container/bridge' }] : [container()];
  }
  return result;
}

function readContainer(
  r: Rules, raw: AppJson, topInterfaces: NetworkInterface[] | undefined, bridgeName: string,
): { container?: Container; legacy: LegacyNetworking } {
  const obj = given(raw.container);
  if (obj === undefined) {
    const legacy = readLegacyNetworking(r, raw, undefined, bridgeName);
    if (topInterfaces === undefined || topInterfaces.length === 0) return { legacy };
    // Interfaces without a container: run the command on the Mesos containerizer in its own netns.
    return { container: { type: 'MESOS', volumes: [], portMappings: legacy.discoveryPorts, networkInterfaces: topInterfaces }, legacy };
  }
  const dockerObj = given(obj.docker);
  const typeGiven = obj.type !== undefined && obj.type !== null;
  const type: ContainerType = r.upperEnum(obj.type, '/container/type', ['DOCKER', 'MESOS'] as const)
    ?? (typeGiven && dockerObj === undefined ? 'MESOS' : 'DOCKER');
  const legacy = readLegacyNetworking(r, raw, dockerObj, bridgeName);
  const container: Container = {
    type,
    volumes: readVolumes(r, obj),
    portMappings: readPortMappings(obj.portMappings),
  };
  if (dockerObj !== undefined) {
    container.docker = readDocker(dockerObj);
    const legacyMappings = readPortMappings(dockerObj.portMappings);
    if (legacyMappings.length > 0) {
      if (container.portMappings.length > 0) {
        r.rule('/container/docker/portMappings', 'deprecated docker.portMappings must not be combined with container.portMappings');
      } else container.portMappings = legacyMappings;
    }
  }
  if (legacy.discoveryPorts.length > 0) {
    if (container.portMappings.length > 0) {
      r.rule('/ipAddress/discovery', 'deprecated ipAddress.discovery.ports must not be combined with portMappings');
    } else container.portMappings = legacy.discoveryPorts;
  }
  const nested = readInterfaces(r, obj.networkInterfaces, '/container');
  if (nested !== undefined && topInterfaces !== undefined) {
    r.rule('/networkInterfaces', 'give networkInterfaces either in container or at the top level, not both');
  }
  const interfaces = nested ?? topInterfaces;
  if (interfaces !== undefined && interfaces.length > 0) container.networkInterfaces = interfaces;
  return { container, legacy };
}

/** Health check defaults as Marathon writes them back (types/healthCheck.raml, HealthCheckConversion). */
const HEALTH_CHECK_DEFAULTS: JsonObject = {
  gracePeriodSeconds: 300, intervalSeconds: 60, timeoutSeconds: 20, maxConsecutiveFailures: 3, delaySeconds: 15, ipProtocol: 'IPv4',
};

/** AppHealthCheck's fields (types/healthCheck.raml); others are dropped as Marathon's reader drops them. */
const HEALTH_CHECK_FIELDS: readonly string[] = [
  'command', 'gracePeriodSeconds', 'ignoreHttp1xx', 'intervalSeconds', 'maxConsecutiveFailures', 'path', 'port', 'portIndex',
  'protocol', 'ipProtocol', 'timeoutSeconds', 'delaySeconds',
];
const READINESS_CHECK_FIELDS: readonly string[] = [
  'name', 'protocol', 'path', 'portName', 'intervalSeconds', 'timeoutSeconds', 'httpStatusCodesForReady', 'preserveLastResponse',
];

function pick(item: JsonObject, fields: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(item)) if (fields.includes(key)) out[key] = value;
  return out;
}

function withHealthCheckDefaults(item: JsonObject): JsonObject {
  const check: JsonObject = pick(item, HEALTH_CHECK_FIELDS);
  if (typeof check.protocol === 'string') check.protocol = check.protocol.toUpperCase();
  else if (check.protocol === undefined || check.protocol === null) check.protocol = 'HTTP';
  for (const [key, value] of Object.entries(HEALTH_CHECK_DEFAULTS)) if (check[key] === undefined || check[key] === null) check[key] = value;
  if ((check.protocol === 'HTTP' || check.protocol === 'HTTPS') && (check.ignoreHttp1xx === undefined || check.ignoreHttp1xx === null)) {
    check.ignoreHttp1xx = false;
  }
  return check;
}

/** Readiness check defaults (types/readinessCheck.raml; `httpStatusCodesForReady` [200] as Marathon's normalisation). */
function withReadinessCheckDefaults(item: JsonObject): JsonObject {
  const defaults: JsonObject = {
    name: 'readinessCheck', protocol: 'HTTP', path: '/', portName: 'http-api', intervalSeconds: 30, timeoutSeconds: 10,
    httpStatusCodesForReady: [200], preserveLastResponse: false,
  };
  const check: JsonObject = pick(item, READINESS_CHECK_FIELDS);
  for (const [key, value] of Object.entries(defaults)) {
    const given = check[key];
    if (given === undefined || given === null || (Array.isArray(given) && given.length === 0)) check[key] = value;
  }
  return check;
}

/**
 * The stored `networks`: `[]` stands for host networking and for "the networks of the
 * networkInterfaces", so the forms the API prints for those (`[{mode:"host"}]`, and one
 * `{mode:"container", name}` per interface) are read back as `[]` when a client echoes them.
 */
function canonicalNetworks(networks: Network[], container: Container | undefined): Network[] {
  const bare = (n: Network): boolean => n.labels === undefined || Object.keys(n.labels).length === 0;
  if (networks.length > 0 && networks.every((n) => n.mode === 'host' && n.name === undefined && bare(n))) return [];
  const interfaces = container?.networkInterfaces ?? [];
  if (interfaces.length > 0 && networks.length === interfaces.length
    && networks.every((n, i) => n.mode === 'container' && n.name === interfaces[i]?.networkName && bare(n))) return [];
  return networks;
}

function hasInterfaces(container: Container | undefined): boolean {
  return (container?.networkInterfaces?.length ?? 0) > 0;
}

// ---------------------------------------------------------------------------------------------

export function normalizeApp(body: unknown, opts: NormalizeOptions = {}): NormalizeResult {
  const read = readAppJson(body);
  if ('violations' in read) return { violations: read.violations };
  const raw = read.json;
  const r = new Rules();
  const bridgeName = opts.mesosBridgeName ?? DEFAULT_MESOS_BRIDGE_NAME;

  const rawId = given(raw.id);
  const id = rawId === undefined || rawId === '' ? '' : canonicalAppId(rawId, opts.parentGroup ?? '/');

  const topInterfaces = readInterfaces(r, raw.networkInterfaces, '');
  const { container, legacy } = readContainer(r, raw, topInterfaces, bridgeName);

  let networks = readNetworks(r, raw);
  if (legacy.networks !== undefined) {
    if (networks !== undefined) {
      r.rule(raw.ipAddress !== undefined && raw.ipAddress !== null ? '/ipAddress' : '/container/docker/network',
        'deprecated networking must not be combined with networks (use networks only)');
    } else networks = legacy.networks;
  }
  networks = canonicalNetworks(networks ?? [], container);
  const hostNetworking = !hasInterfaces(container) && (networks.length === 0 || networks.every((n) => n.mode === 'host'));

  const app: AppDefinition = {
    id,
    env: readEnv(raw),
    instances: raw.instances ?? 1,
    cpus: raw.cpus ?? 1,
    mem: raw.mem ?? 128,
    disk: raw.disk ?? 0,
    gpus: raw.gpus ?? 0,
    executor: raw.executor ?? '',
    constraints: readConstraints(r, raw),
    labels: given(raw.labels) ?? {},
    fetch: readFetch(r, raw),
    portDefinitions: [],
    requirePorts: false,
    healthChecks: (raw.healthChecks ?? []).map((item) => withHealthCheckDefaults(item)),
    readinessChecks: (raw.readinessChecks ?? []).map((item) => withReadinessCheckDefaults(item)),
    dependencies: [],
    backoffSeconds: raw.backoffSeconds ?? 1,
    backoffFactor: raw.backoffFactor ?? 1.15,
    maxLaunchDelaySeconds: raw.maxLaunchDelaySeconds ?? 300,
    upgradeStrategy: readUpgradeStrategy(raw),
    unreachableStrategy: readUnreachableStrategy(r, raw),
    killSelection: r.upperEnum<KillSelection>(raw.killSelection, '/killSelection', ['YOUNGEST_FIRST', 'OLDEST_FIRST']) ?? 'YOUNGEST_FIRST',
    secrets: readSecrets(raw),
    networks,
  };

  const cmd = text(raw.cmd);
  if (cmd !== undefined) app.cmd = cmd;
  const args = given(raw.args);
  if (args !== undefined) app.args = args;
  const user = text(raw.user);
  if (user !== undefined) app.user = user;
  const roles = given(raw.acceptedResourceRoles);
  if (roles !== undefined) app.acceptedResourceRoles = roles;
  const role = text(raw.role);
  if (role !== undefined) app.role = role;
  const check = given(raw.check);
  if (check !== undefined) app.check = check;
  const grace = given(raw.taskKillGracePeriodSeconds);
  if (grace !== undefined) app.taskKillGracePeriodSeconds = grace;
  const tty = given(raw.tty);
  if (tty !== undefined) app.tty = tty;
  const limits = readResourceLimits(raw);
  if (limits !== undefined) app.resourceLimits = limits;
  if (container !== undefined) {
    // Bridge mode always maps a host port (0 = any); container mode maps one only when asked.
    if (networks.length === 1 && networks[0].mode === 'container/bridge') {
      for (const mapping of container.portMappings) mapping.hostPort ??= 0;
    }
    app.container = container;
  }

  const portDefinitions = readPortDefinitions(r, raw);
  app.portDefinitions = portDefinitions ?? (hostNetworking ? [{ port: 0, protocol: 'tcp', name: 'default' }] : []);
  // As Marathon's normalisation: a non-command check without port or portIndex uses port index 0
  // when the app has ports.
  if (app.portDefinitions.length > 0 || (container?.portMappings.length ?? 0) > 0) {
    for (const check of app.healthChecks) {
      if (check.protocol !== 'COMMAND' && check.port === undefined && check.portIndex === undefined) check.portIndex = 0;
    }
  }
  const requirePorts = raw.requirePorts ?? false;
  app.requirePorts = hostNetworking ? requirePorts : false;

  const parent = id === '' ? '/' : parentGroupOf(id);
  app.dependencies = (raw.dependencies ?? []).map((dep) => canonicalAppId(dep, parent));

  if (r.violations.length === 0) return { app: inMarathonOrder(app) };
  // Rule violations use the canonical interface path (as validation does).
  for (const v of r.violations) {
    if (v.path.startsWith('/networkInterfaces(')) v.path = `/container${v.path}`;
  }
  return { violations: r.violations, partial: inMarathonOrder(app) };
}

const FIELD_ORDER: readonly (keyof AppDefinition)[] = [
  'id', 'cmd', 'args', 'user', 'env', 'instances', 'cpus', 'mem', 'disk', 'gpus', 'executor',
  'constraints', 'acceptedResourceRoles', 'role', 'labels', 'fetch', 'portDefinitions', 'requirePorts',
  'healthChecks', 'check', 'readinessChecks', 'dependencies', 'backoffSeconds', 'backoffFactor',
  'maxLaunchDelaySeconds', 'upgradeStrategy', 'unreachableStrategy', 'killSelection',
  'taskKillGracePeriodSeconds', 'tty', 'secrets', 'resourceLimits', 'networks', 'container',
];

/** Same object, keys in the order Marathon prints them (responses echo the stored form). */
function inMarathonOrder(app: AppDefinition): AppDefinition {
  const ordered: Record<string, unknown> = {};
  const source: Record<string, unknown> = { ...app };
  for (const key of FIELD_ORDER) if (source[key] !== undefined) ordered[key] = source[key];
  return ordered as unknown as AppDefinition;
}

/** True when the app uses the host's network namespace (no networks, no networkInterfaces). */
export function isHostNetworking(app: AppDefinition): boolean {
  return !hasInterfaces(app.container) && app.networks.every((n) => n.mode === 'host');
}
