// Marathon health checks (pure): reading a stored check with Marathon 1.10's defaults, the rules
// that need the whole app, and which side runs a check. `MESOS_HTTP`, `MESOS_HTTPS`, `MESOS_TCP`
// and `COMMAND` become `TaskInfo.health_check` and run in the executor, inside the task's network
// namespace; `HTTP`, `HTTPS` and `TCP` are Marathon's own checks, run by `serve` against the
// task's address, so they need an address `serve` can reach.
import type { AppDefinition, JsonObject, Violation } from './types';

export type CheckProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'COMMAND' | 'MESOS_HTTP' | 'MESOS_HTTPS' | 'MESOS_TCP';

export interface MarathonHealthCheck {
  protocol: CheckProtocol;
  gracePeriodSeconds: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  maxConsecutiveFailures: number;
  delaySeconds: number;
  port?: number;
  portIndex?: number;
  path?: string;
  ipProtocol: 'IPv4' | 'IPv6';
  ignoreHttp1xx: boolean;
  command?: string;
}

/** Marathon 1.10's defaults (HealthCheck.scala / the RAML). */
export const CHECK_DEFAULTS = {
  gracePeriodSeconds: 300, intervalSeconds: 60, timeoutSeconds: 20, maxConsecutiveFailures: 3, delaySeconds: 15,
} as const;

export const EXECUTOR_PROTOCOLS: readonly CheckProtocol[] = ['COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'];

function num(o: JsonObject, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A stored check with every default filled (fields the user left out take Marathon's values). */
export function readHealthCheck(raw: JsonObject): MarathonHealthCheck {
  const protocol = (typeof raw.protocol === 'string' ? raw.protocol.toUpperCase() : 'HTTP') as CheckProtocol;
  const check: MarathonHealthCheck = {
    protocol,
    gracePeriodSeconds: num(raw, 'gracePeriodSeconds') ?? CHECK_DEFAULTS.gracePeriodSeconds,
    intervalSeconds: num(raw, 'intervalSeconds') ?? CHECK_DEFAULTS.intervalSeconds,
    timeoutSeconds: num(raw, 'timeoutSeconds') ?? CHECK_DEFAULTS.timeoutSeconds,
    maxConsecutiveFailures: num(raw, 'maxConsecutiveFailures') ?? CHECK_DEFAULTS.maxConsecutiveFailures,
    delaySeconds: num(raw, 'delaySeconds') ?? CHECK_DEFAULTS.delaySeconds,
    ipProtocol: raw.ipProtocol === 'IPv6' ? 'IPv6' : 'IPv4',
    ignoreHttp1xx: raw.ignoreHttp1xx === true,
  };
  const port = num(raw, 'port');
  if (port !== undefined) check.port = port;
  const portIndex = num(raw, 'portIndex');
  if (portIndex !== undefined) check.portIndex = portIndex;
  else if (port === undefined && protocol !== 'COMMAND') check.portIndex = 0;
  if (typeof raw.path === 'string' && raw.path !== '') check.path = raw.path;
  const command = raw.command;
  if (command !== null && typeof command === 'object' && !Array.isArray(command) && typeof command.value === 'string') check.command = command.value;
  return check;
}

export function runsInExecutor(protocol: string): boolean {
  return (EXECUTOR_PROTOCOLS as readonly string[]).includes(protocol);
}

/** How many ports a task of the app has (port definitions, or port mappings on container networks). */
function portCount(app: AppDefinition): number {
  const mappings = app.container?.portMappings ?? [];
  return app.networks.some((n) => n.mode !== 'host') ? mappings.length : app.portDefinitions.length;
}

/**
 * True when the task's addresses are only on virtual networks `serve` cannot reach: networkInterfaces
 * (OpenVNet) or Mesos container networks without host ports.
 */
export function onlyVirtualAddresses(app: AppDefinition): boolean {
  if ((app.container?.networkInterfaces ?? []).length > 0) return true;
  if (!app.networks.some((n) => n.mode === 'container')) return false;
  return !(app.container?.portMappings ?? []).some((p) => p.hostPort !== undefined);
}

/** The rules on `healthChecks` and `readinessChecks` that need the whole app (HTTP 422). */
export function validateChecks(app: AppDefinition): Violation[] {
  const out: Violation[] = [];
  const ports = portCount(app);
  let executorChecks = 0;
  app.healthChecks.forEach((raw, i) => {
    const path = `/healthChecks(${i})`;
    const c = readHealthCheck(raw);
    if (runsInExecutor(c.protocol)) executorChecks++;
    for (const key of ['gracePeriodSeconds', 'intervalSeconds', 'timeoutSeconds', 'maxConsecutiveFailures', 'delaySeconds'] as const) {
      if (c[key] < 0) out.push({ path: `${path}/${key}`, message: 'must be greater than or equal to 0' });
    }
    if (c.intervalSeconds === 0) out.push({ path: `${path}/intervalSeconds`, message: 'must be greater than 0' });
    if (c.protocol === 'COMMAND') {
      if (c.command === undefined || c.command === '') out.push({ path: `${path}/command`, message: 'a COMMAND health check needs command.value' });
    } else {
      if (c.port !== undefined && raw.portIndex !== undefined) out.push({ path, message: 'use either port or portIndex, not both' });
      if (c.port !== undefined && (c.port < 1 || c.port > 65535 || !Number.isInteger(c.port))) out.push({ path: `${path}/port`, message: 'must be a port number (1–65535)' });
      if (c.port === undefined && c.portIndex !== undefined && (c.portIndex >= ports || c.portIndex < 0)) {
        out.push({ path: `${path}/portIndex`, message: `the app has ${ports} port(s); portIndex ${c.portIndex} does not refer to one (give port instead)` });
      }
    }
    if ((c.protocol === 'HTTP' || c.protocol === 'HTTPS' || c.protocol === 'TCP') && onlyVirtualAddresses(app)) {
      out.push({
        path: `${path}/protocol`,
        message: `${c.protocol} checks run in marathon-vnet itself, which cannot reach a task whose addresses are only on virtual networks; use MESOS_${c.protocol}: the Mesos executor runs it inside the task's network namespace`,
      });
    }
  });
  if (executorChecks > 1) {
    out.push({ path: '/healthChecks', message: 'at most one health check of protocol COMMAND, MESOS_HTTP, MESOS_HTTPS or MESOS_TCP: Mesos runs one health check per task' });
  }
  if (app.readinessChecks.length > 0) {
    out.push({ path: '/readinessChecks', message: 'readinessChecks are not supported by marathon-vnet; use a health check (deployments wait for tasks to be healthy)' });
  }
  return out;
}
