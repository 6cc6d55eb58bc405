// Untrusted JSON → the stored AppDefinition: JSON types checked, Marathon defaults filled, legacy
// forms rewritten (spec marathon-api.md §5.3), networkInterfaces moved to one place. Every type
// error is collected (not just the first). Rules over values live in validate.ts.
//
// Unknown top-level fields are dropped, as Marathon's app reader ignores them (and the stock UI
// sends response-only fields such as `version` or `tasksRunning` back in PUT bodies). Inside
// `networkInterfaces` entries (and their routes) unknown fields are violations: the extension is
// ours, and a typo there (`gatway`) would silently give a container the wrong network.

import type {
  AppDefinition, Bootproto, Constraint, Container, ContainerType, DockerParameter, DockerSpec,
  EnvValue, FetchUri, JsonObject, JsonValue, KillSelection, Network, NetworkInterface, NetworkMode,
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
// typed reading with paths

type JsonKind = 'string' | 'number' | 'boolean' | 'array' | 'object';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Reader {
  readonly violations: Violation[] = [];

  typeError(path: string, expected: JsonKind): void {
    this.violations.push({ path, message: `error.expected.js${expected}`, kind: 'type' });
  }

  rule(path: string, message: string): void {
    this.violations.push({ path, message });
  }

  /** undefined for absent or null; undefined plus a type error for the wrong type. */
  str(obj: JsonObject, key: string, path: string): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') return this.typeError(`${path}/${key}`, 'string'), undefined;
    return value;
  }

  /** Like str, but "" also means "not given". */
  optStr(obj: JsonObject, key: string, path: string): string | undefined {
    const value = this.str(obj, key, path);
    return value === '' ? undefined : value;
  }

  num(obj: JsonObject, key: string, path: string): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.typeError(`${path}/${key}`, 'number'), undefined;
    return value;
  }

  bool(obj: JsonObject, key: string, path: string): boolean | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') return this.typeError(`${path}/${key}`, 'boolean'), undefined;
    return value;
  }

  obj(obj: JsonObject, key: string, path: string): JsonObject | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) return this.typeError(`${path}/${key}`, 'object'), undefined;
    return value;
  }

  arr(obj: JsonObject, key: string, path: string): JsonValue[] | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) return this.typeError(`${path}/${key}`, 'array'), undefined;
    return value;
  }

  strArray(obj: JsonObject, key: string, path: string): string[] | undefined {
    const list = this.arr(obj, key, path);
    if (list === undefined) return undefined;
    const out: string[] = [];
    list.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else this.typeError(`${path}/${key}(${i})`, 'string');
    });
    return out;
  }

  strMap(obj: JsonObject, key: string, path: string): StringMap | undefined {
    const map = this.obj(obj, key, path);
    if (map === undefined) return undefined;
    const out: StringMap = {};
    for (const [k, v] of Object.entries(map)) {
      if (typeof v === 'string') out[k] = v;
      else this.typeError(`${path}/${key}/${k}`, 'string');
    }
    return out;
  }

  /** Each element must be an object; returns [element, its path] pairs. */
  objArray(obj: JsonObject, key: string, path: string): Array<[JsonObject, string]> {
    const list = this.arr(obj, key, path);
    if (list === undefined) return [];
    const out: Array<[JsonObject, string]> = [];
    list.forEach((item, i) => {
      const itemPath = `${path}/${key}(${i})`;
      if (isObject(item)) out.push([item, itemPath]);
      else this.typeError(itemPath, 'object');
    });
    return out;
  }

  /** An upper-cased enum value; undefined (with a violation) when not one of `allowed`. */
  upperEnum<T extends string>(obj: JsonObject, key: string, path: string, allowed: readonly T[]): T | undefined {
    const value = this.str(obj, key, path);
    if (value === undefined) return undefined;
    const upper = value.toUpperCase();
    const found = allowed.find((a) => a === upper);
    if (found === undefined) this.rule(`${path}/${key}`, `must be one of ${allowed.join(', ')}`);
    return found;
  }
}

// ---------------------------------------------------------------------------------------------
// parts

/** Fields the API adds to responses; clients send them back and they are ignored. */
export const RESPONSE_ONLY_FIELDS: readonly string[] = [
  'version', 'versionInfo', 'tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy',
  'deployments', 'tasks', 'lastTaskFailure', 'taskStats', 'readinessCheckResults',
];

function readEnv(r: Reader, raw: JsonObject): Record<string, EnvValue> {
  const env: Record<string, EnvValue> = {};
  const map = r.obj(raw, 'env', '');
  if (map === undefined) return env;
  for (const [name, value] of Object.entries(map)) {
    if (typeof value === 'string') env[name] = value;
    else if (isObject(value) && typeof value.secret === 'string') env[name] = { secret: value.secret };
    else r.typeError(`/env/${name}`, 'string');
  }
  return env;
}

function readSecrets(r: Reader, raw: JsonObject): Record<string, { source: string }> {
  const secrets: Record<string, { source: string }> = {};
  const map = r.obj(raw, 'secrets', '');
  if (map === undefined) return secrets;
  for (const [name, value] of Object.entries(map)) {
    if (!isObject(value)) {
      r.typeError(`/secrets/${name}`, 'object');
      continue;
    }
    secrets[name] = { source: r.str(value, 'source', `/secrets/${name}`) ?? '' };
  }
  return secrets;
}

function readConstraints(r: Reader, raw: JsonObject): Constraint[] {
  const list = r.arr(raw, 'constraints', '');
  if (list === undefined) return [];
  const out: Constraint[] = [];
  list.forEach((item, i) => {
    const path = `/constraints(${i})`;
    if (!Array.isArray(item)) return r.typeError(path, 'array');
    if (item.length < 2 || item.length > 3) return r.rule(path, 'Each constraint must have either 2 or 3 fields');
    if (!item.every((part): part is string => typeof part === 'string')) {
      item.forEach((part, j) => {
        if (typeof part !== 'string') r.typeError(`${path}(${j})`, 'string');
      });
      return;
    }
    const [field, op, value] = item;
    out.push(value === undefined ? [field, op.toUpperCase()] : [field, op.toUpperCase(), value]);
  });
  return out;
}

function isExtractable(uri: string): boolean {
  return /\.(tgz|tar\.gz|tbz2|tar\.bz2|txz|tar\.xz|zip)$/.test(uri);
}

function readFetch(r: Reader, raw: JsonObject): FetchUri[] {
  const fetch = r.objArray(raw, 'fetch', '').map(([item, path]): FetchUri => {
    const uri: FetchUri = {
      uri: r.str(item, 'uri', path) ?? '',
      executable: r.bool(item, 'executable', path) ?? false,
      extract: r.bool(item, 'extract', path) ?? true,
      cache: r.bool(item, 'cache', path) ?? false,
    };
    const destPath = r.optStr(item, 'destPath', path);
    if (destPath !== undefined) uri.destPath = destPath;
    return uri;
  });
  const uris = r.strArray(raw, 'uris', '');
  if (uris === undefined || uris.length === 0) return fetch;
  if (fetch.length > 0) {
    r.rule('/uris', 'deprecated uris must not be combined with fetch (use fetch only)');
    return fetch;
  }
  return uris.map((uri) => ({ uri, executable: false, extract: isExtractable(uri), cache: false }));
}

function readPortDefinitions(r: Reader, raw: JsonObject): PortDefinition[] | undefined {
  const given = raw.portDefinitions !== undefined && raw.portDefinitions !== null;
  const defs = r.objArray(raw, 'portDefinitions', '').map(([item, path]): PortDefinition => {
    const def: PortDefinition = {
      port: r.num(item, 'port', path) ?? 0,
      protocol: r.str(item, 'protocol', path) ?? 'tcp',
    };
    const name = r.optStr(item, 'name', path);
    if (name !== undefined) def.name = name;
    const labels = r.strMap(item, 'labels', path);
    if (labels !== undefined) def.labels = labels;
    return def;
  });
  const ports = r.arr(raw, 'ports', '');
  if (ports === undefined) return given ? defs : undefined;
  if (given) {
    // Marathon accepts both when they name the same ports (clients echo `ports` next to portDefinitions).
    const same = ports.length === defs.length && ports.every((port, i) => port === defs[i]?.port);
    if (!same) r.rule('/ports', 'deprecated ports must not be combined with portDefinitions (use portDefinitions only)');
    return defs;
  }
  const legacy: PortDefinition[] = [];
  ports.forEach((port, i) => {
    if (typeof port === 'number') legacy.push({ port, protocol: 'tcp' });
    else r.typeError(`/ports(${i})`, 'number');
  });
  return legacy;
}

function readUpgradeStrategy(r: Reader, raw: JsonObject): UpgradeStrategy {
  const obj = r.obj(raw, 'upgradeStrategy', '') ?? {};
  return {
    minimumHealthCapacity: r.num(obj, 'minimumHealthCapacity', '/upgradeStrategy') ?? 1,
    maximumOverCapacity: r.num(obj, 'maximumOverCapacity', '/upgradeStrategy') ?? 1,
  };
}

function readUnreachableStrategy(r: Reader, raw: JsonObject): UnreachableStrategy {
  const value = raw.unreachableStrategy;
  if (value === undefined || value === null) return { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 };
  if (value === 'disabled') return 'disabled';
  if (typeof value === 'string') {
    r.rule('/unreachableStrategy', 'must be "disabled" or an object');
    return 'disabled';
  }
  if (!isObject(value)) {
    r.typeError('/unreachableStrategy', 'object');
    return 'disabled';
  }
  return {
    inactiveAfterSeconds: r.num(value, 'inactiveAfterSeconds', '/unreachableStrategy') ?? 0,
    expungeAfterSeconds: r.num(value, 'expungeAfterSeconds', '/unreachableStrategy') ?? 0,
  };
}

function readResourceLimits(r: Reader, raw: JsonObject): ResourceLimits | undefined {
  const obj = r.obj(raw, 'resourceLimits', '');
  if (obj === undefined) return undefined;
  const limits: ResourceLimits = {};
  for (const key of ['cpus', 'mem'] as const) {
    const value = obj[key];
    if (value === undefined || value === null) continue;
    if (value === 'unlimited' || typeof value === 'number') limits[key] = value;
    else r.typeError(`/resourceLimits/${key}`, 'number');
  }
  return limits;
}

function readNetworks(r: Reader, raw: JsonObject): Network[] | undefined {
  if (raw.networks === undefined || raw.networks === null) return undefined;
  return r.objArray(raw, 'networks', '').map(([item, path]): Network => {
    const modeText = r.str(item, 'mode', path) ?? 'container';
    const modes: NetworkMode[] = ['container', 'container/bridge', 'host'];
    const mode = modes.find((m) => m === modeText.toLowerCase());
    if (mode === undefined) r.rule(`${path}/mode`, `must be one of ${modes.join(', ')}`);
    const network: Network = { mode: mode ?? 'container' };
    const name = r.optStr(item, 'name', path);
    if (name !== undefined) network.name = name;
    const labels = r.strMap(item, 'labels', path);
    if (labels !== undefined) network.labels = labels;
    return network;
  });
}

function readPortMappings(r: Reader, list: Array<[JsonObject, string]>): PortMapping[] {
  return list.map(([item, path]): PortMapping => {
    const mapping: PortMapping = {
      containerPort: r.num(item, 'containerPort', path) ?? 0,
      servicePort: r.num(item, 'servicePort', path) ?? 0,
      protocol: r.str(item, 'protocol', path) ?? 'tcp',
    };
    const hostPort = r.num(item, 'hostPort', path);
    if (hostPort !== undefined) mapping.hostPort = hostPort;
    const name = r.optStr(item, 'name', path);
    if (name !== undefined) mapping.name = name;
    const labels = r.strMap(item, 'labels', path);
    if (labels !== undefined) mapping.labels = labels;
    const networkNames = r.strArray(item, 'networkNames', path);
    if (networkNames !== undefined) mapping.networkNames = networkNames;
    return mapping;
  });
}

function readDocker(r: Reader, obj: JsonObject, path: string): DockerSpec {
  const parameters = r.objArray(obj, 'parameters', path).map(([item, itemPath]): DockerParameter => ({
    key: r.str(item, 'key', itemPath) ?? '',
    value: r.str(item, 'value', itemPath) ?? '',
  }));
  const docker: DockerSpec = {
    image: r.str(obj, 'image', path) ?? '',
    forcePullImage: r.bool(obj, 'forcePullImage', path) ?? false,
    privileged: r.bool(obj, 'privileged', path) ?? false,
    parameters,
  };
  const pullConfig = r.obj(obj, 'pullConfig', path);
  if (pullConfig !== undefined) docker.pullConfig = pullConfig;
  const credential = r.obj(obj, 'credential', path);
  if (credential !== undefined) docker.credential = credential;
  return docker;
}

function readVolumes(r: Reader, container: JsonObject): Volume[] {
  return r.objArray(container, 'volumes', '/container').map(([item, path]): Volume => {
    const volume: Volume = {
      containerPath: r.str(item, 'containerPath', path) ?? '',
      mode: r.upperEnum(item, 'mode', path, ['RW', 'RO'] as const) ?? 'RW',
    };
    const hostPath = r.optStr(item, 'hostPath', path);
    if (hostPath !== undefined) volume.hostPath = hostPath;
    const persistent = r.obj(item, 'persistent', path);
    if (persistent !== undefined) volume.persistent = persistent;
    const external = r.obj(item, 'external', path);
    if (external !== undefined) volume.external = external;
    const secret = r.optStr(item, 'secret', path);
    if (secret !== undefined) volume.secret = secret;
    return volume;
  });
}

function readRoutes(r: Reader, iface: JsonObject, path: string): RouteSpec[] {
  return r.objArray(iface, 'routes', path).map(([item, routePath]): RouteSpec => {
    for (const key of Object.keys(item)) {
      if (key !== 'destination' && key !== 'gateway') r.rule(`${routePath}/${key}`, 'unknown field (a route has destination and gateway)');
    }
    return {
      destination: r.str(item, 'destination', routePath) ?? '',
      gateway: r.str(item, 'gateway', routePath) ?? '',
    };
  });
}

/** One networkInterfaces entry; `path` is where the user wrote it. */
function readInterface(r: Reader, item: JsonObject, path: string, index: number): NetworkInterface {
  for (const key of Object.keys(item)) {
    if (!NETWORK_INTERFACE_FIELDS.includes(key)) {
      r.rule(`${path}/${key}`, `unknown field; an interface takes ${NETWORK_INTERFACE_FIELDS.join(', ')}`);
    }
  }
  const bootprotoText = r.optStr(item, 'bootproto', path);
  let bootproto: Bootproto = 'dhcp';
  if (bootprotoText !== undefined) {
    const lower = bootprotoText.toLowerCase();
    if (lower === 'dhcp' || lower === 'static') bootproto = lower;
    else {
      r.rule(`${path}/bootproto`, 'must be dhcp or static');
      // Go on as the address fields suggest, so the other fields are still checked.
      if (['ipAddress', 'ipAddresses', 'ipRange'].some((k) => item[k] !== undefined && item[k] !== null && item[k] !== '')) bootproto = 'static';
    }
  }
  const iface: NetworkInterface = {
    networkName: r.optStr(item, 'networkName', path) ?? '',
    interfaceName: r.optStr(item, 'interfaceName', path) ?? `eth${index}`,
    bootproto,
    routes: readRoutes(r, item, path),
    labels: r.strMap(item, 'labels', path) ?? {},
  };
  for (const key of ['ipAddress', 'ipRange', 'netmask', 'gateway', 'macAddress'] as const) {
    const value = r.optStr(item, key, path);
    if (value !== undefined) iface[key] = value;
  }
  const addresses = r.strArray(item, 'ipAddresses', path);
  if (addresses !== undefined && addresses.length > 0) iface.ipAddresses = addresses;
  const mtu = r.num(item, 'mtu', path);
  if (mtu !== undefined) iface.mtu = mtu;
  return iface;
}

function readInterfaces(r: Reader, holder: JsonObject, path: string): NetworkInterface[] | undefined {
  if (holder.networkInterfaces === undefined || holder.networkInterfaces === null) return undefined;
  const list = r.objArray(holder, 'networkInterfaces', path);
  return list.map(([item, itemPath], i) => readInterface(r, item, itemPath, i));
}

interface LegacyNetworking {
  networks?: Network[];
  /** ipAddress.discovery.ports, as container port mappings */
  discoveryPorts: PortMapping[];
}

/** Legacy `ipAddress` and `container.docker.network` → networks (spec §5.3). */
function readLegacyNetworking(
  r: Reader, raw: JsonObject, docker: JsonObject | undefined, bridgeName: string,
): LegacyNetworking {
  const ipAddress = r.obj(raw, 'ipAddress', '');
  const dockerNetwork = docker === undefined ? undefined : r.str(docker, 'network', '/container/docker');
  const result: LegacyNetworking = { discoveryPorts: [] };
  let name: string | undefined;
  let labels: StringMap | undefined;
  if (ipAddress !== undefined) {
    name = r.optStr(ipAddress, 'networkName', '/ipAddress');
    labels = r.strMap(ipAddress, 'labels', '/ipAddress');
    const discovery = r.obj(ipAddress, 'discovery', '/ipAddress');
    if (discovery !== undefined) {
      result.discoveryPorts = r.objArray(discovery, 'ports', '/ipAddress/discovery').map(([port, path]): PortMapping => {
        const mapping: PortMapping = {
          containerPort: r.num(port, 'number', path) ?? 0,
          servicePort: 0,
          protocol: r.str(port, 'protocol', path) ?? 'tcp',
        };
        const portName = r.optStr(port, 'name', path);
        if (portName !== undefined) mapping.name = portName;
        const portLabels = r.strMap(port, 'labels', path);
        if (portLabels !== undefined) mapping.labels = portLabels;
        return mapping;
      });
    }
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
  r: Reader, raw: JsonObject, topInterfaces: NetworkInterface[] | undefined, bridgeName: string,
): { container?: Container; legacy: LegacyNetworking } {
  const obj = r.obj(raw, 'container', '');
  if (obj === undefined) {
    const legacy = readLegacyNetworking(r, raw, undefined, bridgeName);
    if (topInterfaces === undefined || topInterfaces.length === 0) return { legacy };
    // Interfaces without a container: run the command on the Mesos containerizer in its own netns.
    return { container: { type: 'MESOS', volumes: [], portMappings: legacy.discoveryPorts, networkInterfaces: topInterfaces }, legacy };
  }
  const typeGiven = obj.type !== undefined && obj.type !== null;
  const type: ContainerType = r.upperEnum(obj, 'type', '/container', ['DOCKER', 'MESOS'] as const)
    ?? (typeGiven && !isObject(obj.docker) ? 'MESOS' : 'DOCKER');
  const dockerObj = r.obj(obj, 'docker', '/container');
  const legacy = readLegacyNetworking(r, raw, dockerObj, bridgeName);
  const container: Container = {
    type,
    volumes: readVolumes(r, obj),
    portMappings: readPortMappings(r, r.objArray(obj, 'portMappings', '/container')),
  };
  if (dockerObj !== undefined) {
    container.docker = readDocker(r, dockerObj, '/container/docker');
    const legacyMappings = readPortMappings(r, r.objArray(dockerObj, 'portMappings', '/container/docker'));
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
  const nested = readInterfaces(r, obj, '/container');
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

export function normalizeApp(raw: unknown, opts: NormalizeOptions = {}): NormalizeResult {
  const r = new Reader();
  if (!isObject(raw)) {
    r.typeError('/', 'object');
    return { violations: r.violations };
  }
  const bridgeName = opts.mesosBridgeName ?? DEFAULT_MESOS_BRIDGE_NAME;

  const rawId = r.str(raw, 'id', '');
  const id = rawId === undefined || rawId === '' ? '' : canonicalAppId(rawId, opts.parentGroup ?? '/');

  const topInterfaces = readInterfaces(r, raw, '');
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
    env: readEnv(r, raw),
    instances: r.num(raw, 'instances', '') ?? 1,
    cpus: r.num(raw, 'cpus', '') ?? 1,
    mem: r.num(raw, 'mem', '') ?? 128,
    disk: r.num(raw, 'disk', '') ?? 0,
    gpus: r.num(raw, 'gpus', '') ?? 0,
    executor: r.str(raw, 'executor', '') ?? '',
    constraints: readConstraints(r, raw),
    labels: r.strMap(raw, 'labels', '') ?? {},
    fetch: readFetch(r, raw),
    portDefinitions: [],
    requirePorts: false,
    healthChecks: r.objArray(raw, 'healthChecks', '').map(([item]) => withHealthCheckDefaults(item)),
    readinessChecks: r.objArray(raw, 'readinessChecks', '').map(([item]) => withReadinessCheckDefaults(item)),
    dependencies: [],
    backoffSeconds: r.num(raw, 'backoffSeconds', '') ?? 1,
    backoffFactor: r.num(raw, 'backoffFactor', '') ?? 1.15,
    maxLaunchDelaySeconds: r.num(raw, 'maxLaunchDelaySeconds', '') ?? 300,
    upgradeStrategy: readUpgradeStrategy(r, raw),
    unreachableStrategy: readUnreachableStrategy(r, raw),
    killSelection: r.upperEnum<KillSelection>(raw, 'killSelection', '', ['YOUNGEST_FIRST', 'OLDEST_FIRST']) ?? 'YOUNGEST_FIRST',
    secrets: readSecrets(r, raw),
    networks,
  };

  const cmd = r.optStr(raw, 'cmd', '');
  if (cmd !== undefined) app.cmd = cmd;
  const args = r.strArray(raw, 'args', '');
  if (args !== undefined) app.args = args;
  const user = r.optStr(raw, 'user', '');
  if (user !== undefined) app.user = user;
  const roles = r.strArray(raw, 'acceptedResourceRoles', '');
  if (roles !== undefined) app.acceptedResourceRoles = roles;
  const role = r.optStr(raw, 'role', '');
  if (role !== undefined) app.role = role;
  const check = r.obj(raw, 'check', '');
  if (check !== undefined) app.check = check;
  const grace = r.num(raw, 'taskKillGracePeriodSeconds', '');
  if (grace !== undefined) app.taskKillGracePeriodSeconds = grace;
  const tty = r.bool(raw, 'tty', '');
  if (tty !== undefined) app.tty = tty;
  const limits = readResourceLimits(r, raw);
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
  const requirePorts = r.bool(raw, 'requirePorts', '') ?? false;
  app.requirePorts = hostNetworking ? requirePorts : false;

  const parent = id === '' ? '/' : parentGroupOf(id);
  app.dependencies = (r.strArray(raw, 'dependencies', '') ?? []).map((dep) => canonicalAppId(dep, parent));

  if (r.violations.length === 0) return { app: inMarathonOrder(app) };
  // Rule violations use the canonical interface path (as validation does); type errors the user's.
  for (const v of r.violations) {
    if (v.kind !== 'type' && v.path.startsWith('/networkInterfaces(')) v.path = `/container${v.path}`;
  }
  return r.violations.some((v) => v.kind === 'type') ? { violations: r.violations } : { violations: r.violations, partial: inMarathonOrder(app) };
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
