// Marathon's AppDefinition rules (spec marathon-api.md §5.1, §5.2) over a normalised app, plus the
// networkInterfaces rules of validate-interfaces.ts. Collects every violation; never throws.

import { validateChecks } from './health-checks';
import type {
  AddressConflict, AppDefinition, Constraint, HeldAddress, ValidationFacts, Violation,
} from './types';
import { CONSTRAINT_OPERATORS, DEFAULT_MAX_INSTANCES_PER_APP, HEALTH_CHECK_PROTOCOLS, MAX_INT32 } from './types';
import { isHostNetworking } from './normalize';
import { validateInterfaces } from './validate-interfaces';
import { findHeldByOthers } from './address-pool';

const ID_SEGMENT = /^(?:(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$|^\.{1,2}$/;
export const RESERVED_LAST_SEGMENTS: readonly string[] = ['restart', 'tasks', 'versions', '.', '..'];
const PORT_PROTOCOLS = ['tcp', 'udp', 'udp,tcp', 'tcp,udp'];
/** Mesos attribute text values (used by the IS operator). */
const MESOS_TEXT = /^[a-zA-Z0-9_/.-]+$/;
const MESOS_SCALAR = /^-?[0-9]+(\.[0-9]+)?$/;

/** Violations of an app id (already canonical); `path` is where to report them. */
export function validateAppId(id: string, path = '/id'): Violation[] {
  if (id === '') return [{ path, message: 'is required' }];
  if (id === '/') return [{ path, message: 'must name an app, not the root group' }];
  const segments = id.split('/').filter((s) => s !== '');
  const out: Violation[] = [];
  if (segments.some((segment) => !ID_SEGMENT.test(segment))) {
    out.push({
      path,
      message: 'each path segment must be lower-case letters, digits and hyphens (not at either end), optionally dot-separated',
    });
  }
  const last = segments[segments.length - 1];
  if (RESERVED_LAST_SEGMENTS.includes(last)) {
    out.push({ path, message: `must not end in a reserved segment (${RESERVED_LAST_SEGMENTS.join(', ')})` });
  }
  return out;
}

function atLeast(out: Violation[], path: string, value: number, min: number, integer = false): void {
  if (integer && !Number.isInteger(value)) out.push({ path, message: `got ${value}, expected an integer` });
  else if (value < min) out.push({ path, message: `got ${value}, expected ${min} or more` });
}

function inUnitInterval(out: Violation[], path: string, value: number): void {
  if (value > 1) out.push({ path, message: 'is greater than 1' });
  else if (value < 0) out.push({ path, message: 'is less than 0' });
}

function isValidRegex(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

function checkConstraint(constraint: Constraint, index: number, out: Violation[]): void {
  const path = `/constraints(${index})`;
  const [field, op, value] = constraint;
  if (field === '') out.push({ path, message: 'constraint field must not be empty' });
  if (!(CONSTRAINT_OPERATORS as readonly string[]).includes(op)) {
    out.push({ path, message: `operator must be one of ${CONSTRAINT_OPERATORS.join(', ')}` });
    return;
  }
  switch (op) {
    case 'UNIQUE':
      if (value !== undefined) out.push({ path, message: 'UNIQUE does not accept a value' });
      break;
    case 'CLUSTER':
      if (value === '') out.push({ path, message: 'CLUSTER value must not be empty when given' });
      break;
    case 'GROUP_BY':
      if (value !== undefined && !/^[0-9]+$/.test(value)) out.push({ path, message: 'GROUP_BY value must be an integer' });
      break;
    case 'LIKE':
    case 'UNLIKE':
      if (value === undefined) out.push({ path, message: `${op} requires a regular expression value` });
      else if (!isValidRegex(value)) out.push({ path, message: `'${value}' is not a valid regular expression` });
      break;
    case 'MAX_PER':
      if (value === undefined || !/^[0-9]+$/.test(value)) out.push({ path, message: 'MAX_PER value must be an integer' });
      break;
    case 'IS':
      if (value === undefined || !(MESOS_TEXT.test(value) || MESOS_SCALAR.test(value))) {
        out.push({ path, message: 'IS value must be a Mesos text ([a-zA-Z0-9_/.-]) or scalar value' });
      }
      break;
  }
}

function checkNetworks(app: AppDefinition, out: Violation[]): void {
  const { networks } = app;
  const modes = new Set(networks.map((n) => n.mode));
  const mixed = modes.size > 1
    || (modes.has('host') && networks.length > 1)
    || (modes.has('container/bridge') && networks.length > 1);
  if (mixed) {
    out.push({ path: '/networks', message: 'must be one host network, one container/bridge network, or one or more container networks, never mixed' });
  }
  const names = new Map<string, number>();
  networks.forEach((network, i) => {
    const path = `/networks(${i})`;
    if (network.mode === 'host') {
      if (network.name !== undefined) out.push({ path: `${path}/name`, message: 'host networks have no name' });
      if (network.labels !== undefined && Object.keys(network.labels).length > 0) {
        out.push({ path: `${path}/labels`, message: 'host networks have no labels' });
      }
    } else if (network.mode === 'container/bridge') {
      if (network.name !== undefined) out.push({ path: `${path}/name`, message: 'container/bridge networks have no name' });
    } else if (network.name === undefined) {
      out.push({ path: `${path}/name`, message: 'container networks need a name (no default network name is configured)' });
    }
    if (network.name !== undefined) {
      const earlier = names.get(network.name);
      if (earlier !== undefined) out.push({ path: `${path}/name`, message: `duplicate network name (also networks(${earlier}))` });
      else names.set(network.name, i);
    }
  });
  const containerNetworks = networks.filter((n) => n.mode === 'container');
  if (app.container?.type === 'DOCKER' && containerNetworks.length > 1) {
    out.push({ path: '/networks', message: 'may only specify a single container network when using the Docker container engine' });
  }
}

function checkPorts(app: AppDefinition, out: Violation[]): void {
  const host = isHostNetworking(app);
  if (!host && app.portDefinitions.length > 0) {
    out.push({ path: '/portDefinitions', message: 'are only for host networking; use container.portMappings' });
  }
  const ports = new Map<number, number>();
  const names = new Map<string, number>();
  app.portDefinitions.forEach((def, i) => {
    const path = `/portDefinitions(${i})`;
    if (!Number.isInteger(def.port) || def.port < 0 || def.port > 65535) {
      out.push({ path: `${path}/port`, message: 'must be an integer from 0 to 65535' });
    } else if (def.port !== 0) {
      const earlier = ports.get(def.port);
      if (earlier !== undefined) out.push({ path: `${path}/port`, message: `duplicate port (also portDefinitions(${earlier}))` });
      else ports.set(def.port, i);
    }
    if (!PORT_PROTOCOLS.includes(def.protocol)) out.push({ path: `${path}/protocol`, message: 'must be tcp, udp or udp,tcp' });
    if (def.name !== undefined) {
      const earlier = names.get(def.name);
      if (earlier !== undefined) out.push({ path: `${path}/name`, message: `duplicate port name (also portDefinitions(${earlier}))` });
      else names.set(def.name, i);
    }
  });

  const mappings = app.container?.portMappings ?? [];
  if (host && mappings.length > 0) {
    out.push({ path: '/container/portMappings', message: 'require container or container/bridge networking' });
  }
  const knownNetworks = new Set<string>([
    ...app.networks.flatMap((n) => (n.name === undefined ? [] : [n.name])),
    ...(app.container?.networkInterfaces ?? []).map((iface) => iface.networkName),
  ]);
  const containerNetworkCount = app.networks.filter((n) => n.mode === 'container').length
    + (app.container?.networkInterfaces?.length ?? 0);
  const mappingNames = new Map<string, number>();
  mappings.forEach((mapping, i) => {
    const path = `/container/portMappings(${i})`;
    for (const key of ['containerPort', 'hostPort', 'servicePort'] as const) {
      const value = mapping[key];
      if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 65535)) {
        out.push({ path: `${path}/${key}`, message: 'must be an integer from 0 to 65535' });
      }
    }
    if (!PORT_PROTOCOLS.includes(mapping.protocol)) out.push({ path: `${path}/protocol`, message: 'must be tcp, udp or udp,tcp' });
    if (mapping.name !== undefined) {
      const earlier = mappingNames.get(mapping.name);
      if (earlier !== undefined) out.push({ path: `${path}/name`, message: `duplicate port name (also portMappings(${earlier}))` });
      else mappingNames.set(mapping.name, i);
    }
    const unknown = (mapping.networkNames ?? []).filter((name) => !knownNetworks.has(name));
    if (unknown.length > 0) {
      out.push({ path: `${path}/networkNames`, message: `names networks the app does not join: ${unknown.join(', ')}` });
    } else if (containerNetworkCount > 1 && mapping.hostPort !== undefined && (mapping.networkNames ?? []).length !== 1) {
      out.push({ path: `${path}/networkNames`, message: 'with more than one container network, a mapping with a hostPort must name exactly one network' });
    }
  });
}

function checkContainer(app: AppDefinition, out: Violation[]): void {
  const container = app.container;
  if (container === undefined) return;
  if (container.type === 'DOCKER' && (container.docker === undefined || container.docker.image === '')) {
    out.push({ path: '/container/docker/image', message: 'is required for container type DOCKER' });
  }
  container.docker?.parameters.forEach((parameter, i) => {
    if (parameter.key === '') out.push({ path: `/container/docker/parameters(${i})/key`, message: 'must not be empty' });
  });
  container.volumes.forEach((volume, i) => {
    if (volume.containerPath === '') out.push({ path: `/container/volumes(${i})/containerPath`, message: 'must not be empty' });
  });
}

/** Every violation of the app; facts carry what only the outside world knows. */
export function validateApp(app: AppDefinition, facts: ValidationFacts = {}): Violation[] {
  const out: Violation[] = [...validateAppId(app.id)];

  const hasCmd = app.cmd !== undefined;
  const hasArgs = app.args !== undefined;
  if (hasCmd && hasArgs) out.push({ path: '/', message: "AppDefinition must not contain both 'cmd' and 'args'" });
  if (!hasCmd && !hasArgs && app.container === undefined) {
    out.push({ path: '/', message: "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'" });
  }

  atLeast(out, '/instances', app.instances, 0, true);
  const maxInstances = facts.maxInstancesPerApp ?? DEFAULT_MAX_INSTANCES_PER_APP;
  if (app.instances > MAX_INT32) out.push({ path: '/instances', message: `got ${app.instances}, expected ${MAX_INT32} or less` });
  else if (app.instances > maxInstances) {
    out.push({ path: '/instances', message: `got ${app.instances}, expected ${maxInstances} or less (--max_instances_per_app)` });
  }
  atLeast(out, '/cpus', app.cpus, 0.001);
  atLeast(out, '/mem', app.mem, 0);
  atLeast(out, '/disk', app.disk, 0);
  atLeast(out, '/gpus', app.gpus, 0, true);
  if (app.gpus > 0 && app.container?.type === 'DOCKER') {
    out.push({ path: '/gpus', message: 'GPUs are not supported with container type DOCKER' });
  }
  atLeast(out, '/backoffSeconds', app.backoffSeconds, 0);
  atLeast(out, '/backoffFactor', app.backoffFactor, 1);
  atLeast(out, '/maxLaunchDelaySeconds', app.maxLaunchDelaySeconds, 0);
  if (app.taskKillGracePeriodSeconds !== undefined) atLeast(out, '/taskKillGracePeriodSeconds', app.taskKillGracePeriodSeconds, 0);

  inUnitInterval(out, '/upgradeStrategy/minimumHealthCapacity', app.upgradeStrategy.minimumHealthCapacity);
  inUnitInterval(out, '/upgradeStrategy/maximumOverCapacity', app.upgradeStrategy.maximumOverCapacity);

  if (app.unreachableStrategy !== 'disabled') {
    const { inactiveAfterSeconds, expungeAfterSeconds } = app.unreachableStrategy;
    atLeast(out, '/unreachableStrategy/inactiveAfterSeconds', inactiveAfterSeconds, 0);
    atLeast(out, '/unreachableStrategy/expungeAfterSeconds', expungeAfterSeconds, 0);
    if (inactiveAfterSeconds > expungeAfterSeconds) {
      out.push({ path: '/unreachableStrategy/inactiveAfterSeconds', message: 'must be less than or equal to expungeAfterSeconds' });
    }
  }

  app.constraints.forEach((constraint, i) => checkConstraint(constraint, i, out));

  for (const [name, value] of Object.entries(app.env)) {
    if (typeof value !== 'string' && app.secrets[value.secret] === undefined) {
      out.push({ path: `/env/${name}`, message: `references secret '${value.secret}', which is not defined in secrets` });
    }
  }
  for (const [name, secret] of Object.entries(app.secrets)) {
    if (secret.source === '') out.push({ path: `/secrets/${name}/source`, message: 'must not be empty' });
  }
  app.fetch.forEach((fetch, i) => {
    if (fetch.uri === '') out.push({ path: `/fetch(${i})/uri`, message: 'must not be empty' });
  });
  // Marathon refuses an empty list: no offer could ever match it.
  if (app.acceptedResourceRoles !== undefined && app.acceptedResourceRoles.length === 0) {
    out.push({ path: '/acceptedResourceRoles', message: 'must not be empty' });
  }
  app.acceptedResourceRoles?.forEach((role, i) => {
    if (role === '') out.push({ path: `/acceptedResourceRoles(${i})`, message: 'must not be empty' });
  });
  app.healthChecks.forEach((check, i) => {
    if (typeof check.protocol !== 'string' || !HEALTH_CHECK_PROTOCOLS.includes(check.protocol)) {
      out.push({ path: `/healthChecks(${i})/protocol`, message: `must be one of ${HEALTH_CHECK_PROTOCOLS.join(', ')}` });
    }
  });
  for (const v of validateChecks(app)) out.push(v);
  app.dependencies.forEach((dep, i) => {
    for (const v of validateAppId(dep, `/dependencies(${i})`)) out.push(v);
  });
  for (const key of ['cpus', 'mem'] as const) {
    const limit = app.resourceLimits?.[key];
    if (typeof limit === 'number' && limit < app[key]) {
      out.push({ path: `/resourceLimits/${key}`, message: `must be at least ${key} (${app[key]}) or "unlimited"` });
    }
  }

  checkNetworks(app, out);
  checkPorts(app, out);
  checkContainer(app, out);
  out.push(...validateInterfaces(app, facts));
  return out;
}

/**
 * Static addresses this app's instances would take that another app holds (answer 409 naming the
 * holder). Same-app holders are the instances the deployment replaces, so they are not conflicts.
 */
export function checkAddressConflicts(app: AppDefinition, held: readonly HeldAddress[]): AddressConflict[] {
  return findHeldByOthers(app, held);
}

/** Marathon's 422 `details`: violations grouped by path, in first-seen order. */
export function toMarathonDetails(violations: readonly Violation[]): Array<{ path: string; errors: string[] }> {
  const byPath = new Map<string, string[]>();
  for (const v of violations) {
    const errors = byPath.get(v.path);
    if (errors) {
      if (!errors.includes(v.message)) errors.push(v.message);
    } else byPath.set(v.path, [v.message]);
  }
  return [...byPath].map(([path, errors]) => ({ path, errors }));
}
