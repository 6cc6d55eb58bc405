// App + instance + matched offer → Mesos TaskInfo (pure). Apps without networkInterfaces get
// Marathon's usual mapping (spec §5.6); apps with them run on the Mesos containerizer with a
// Docker image and one NetworkInfo per interface (DESIGN §4), computed by src/core/network/ and
// passed in as `vnetNetworkInfos` (the agent link, if any, already appended).
import type { AppDefinition, Network, PortMapping } from '../apps/types';
import { readHealthCheck, runsInExecutor, type MarathonHealthCheck } from '../apps/health-checks';
import type {
  CommandInfo, ContainerInfo, EnvironmentVariable, HealthCheck, KillPolicy, Label, NetworkInfo, NetworkPortMapping, Resource,
  TaskInfo, Volume,
} from '../../mesos/types';
import { taskNameFor } from './task-ids';

export interface TaskBuildInput {
  app: AppDefinition;
  appVersion: string;
  taskId: string;
  agentId: string;
  hostname: string;
  resources: Resource[];
  /** Host ports picked from the offer, in port order. */
  hostPorts: number[];
  /** For apps with networkInterfaces: the NetworkInfos to request. */
  vnetNetworkInfos?: NetworkInfo[];
  /** `--mesos_bridge_name` (Marathon default `mesos-bridge`). */
  mesosBridgeName?: string;
}

/** Java's Double.toString for the values Marathon prints (`1.0`, `0.5`, `128.0`). */
function javaDouble(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

function envKey(label: string): string {
  return label.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/**
 * The declared ports (service port for port definitions, container port for mappings) and names,
 * aligned with the task's ports: with host ports only the mappings that asked for one.
 */
function declaredPorts(app: AppDefinition, withHostPorts: boolean): Array<{ port: number; name?: string }> {
  if (usesHostNetwork(app)) return app.portDefinitions.map((p) => ({ port: p.port, name: p.name }));
  const mappings = app.container?.portMappings ?? [];
  return (withHostPorts ? mappings.filter((p) => p.hostPort !== undefined) : mappings).map((p) => ({ port: p.containerPort, name: p.name }));
}

export function usesHostNetwork(app: AppDefinition): boolean {
  return app.networks.length === 0 || app.networks.every((n) => n.mode === 'host');
}

function containerPortValues(app: AppDefinition): number[] {
  return (app.container?.portMappings ?? []).map((p) => p.containerPort);
}

/** Environment Marathon gives every task, then the app's own `env` (which wins). */
export function taskEnvironment(input: TaskBuildInput): EnvironmentVariable[] {
  const { app } = input;
  const vars = new Map<string, string>();
  vars.set('MESOS_TASK_ID', input.taskId);
  vars.set('MARATHON_APP_ID', app.id);
  vars.set('MARATHON_APP_VERSION', input.appVersion);
  vars.set('MARATHON_APP_DOCKER_IMAGE', app.container?.docker?.image ?? '');
  vars.set('MARATHON_APP_RESOURCE_CPUS', javaDouble(app.cpus));
  vars.set('MARATHON_APP_RESOURCE_MEM', javaDouble(app.mem));
  vars.set('MARATHON_APP_RESOURCE_DISK', javaDouble(app.disk));
  vars.set('MARATHON_APP_RESOURCE_GPUS', String(app.gpus));
  const labelKeys: string[] = [];
  for (const [k, v] of Object.entries(app.labels)) {
    if (v.length > 512) continue;
    labelKeys.push(envKey(k));
    vars.set(`MARATHON_APP_LABEL_${envKey(k)}`, v);
  }
  vars.set('MARATHON_APP_LABELS', labelKeys.join(' '));
  vars.set('HOST', input.hostname);
  const ports = input.hostPorts.length > 0 ? input.hostPorts : containerPortValues(app);
  const declared = declaredPorts(app, input.hostPorts.length > 0);
  ports.forEach((p, i) => {
    vars.set(`PORT${i}`, String(p));
    const d = declared[i];
    // Marathon: PORT_<declared port> for a non-zero declared (service or container) port.
    if (d !== undefined && d.port !== 0) vars.set(`PORT_${d.port}`, String(p));
    if (d?.name !== undefined && d.name !== '') vars.set(`PORT_${envKey(d.name)}`, String(p));
  });
  if (ports.length > 0) {
    vars.set('PORT', String(ports[0]));
    vars.set('PORTS', ports.join(','));
  }
  for (const [k, v] of Object.entries(app.env)) {
    if (typeof v === 'string') vars.set(k, v);
  }
  return [...vars].map(([name, value]) => ({ name, type: 'VALUE', value }));
}

function commandInfo(input: TaskBuildInput): CommandInfo {
  const { app } = input;
  const command: CommandInfo = { environment: { variables: taskEnvironment(input) } };
  if (app.cmd !== undefined) {
    command.shell = true;
    command.value = app.cmd;
  } else {
    command.shell = false;
    if (app.args !== undefined) {
      command.arguments = [...app.args];
      // Without an image the first argument is the executable; with one the entrypoint runs.
      if (app.container?.docker?.image === undefined && app.args.length > 0) command.value = app.args[0];
    }
  }
  if (app.user !== undefined) command.user = app.user;
  if (app.fetch.length > 0) {
    command.uris = app.fetch.map((f) => {
      const uri: NonNullable<CommandInfo['uris']>[number] = { value: f.uri, executable: f.executable, extract: f.extract, cache: f.cache };
      if (f.destPath !== undefined) uri.output_file = f.destPath;
      return uri;
    });
  }
  return command;
}

function volumes(app: AppDefinition): Volume[] {
  return (app.container?.volumes ?? [])
    .filter((v) => v.hostPath !== undefined)
    .map((v) => ({ container_path: v.containerPath, host_path: v.hostPath, mode: v.mode }));
}

function protocolsOf(p: PortMapping): string[] {
  return p.protocol.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

/** Port mappings that got a host port, paired with the picked host ports in order. */
function networkPortMappings(app: AppDefinition, hostPorts: number[], networkName?: string): NetworkPortMapping[] {
  const out: NetworkPortMapping[] = [];
  let next = 0;
  for (const pm of app.container?.portMappings ?? []) {
    if (pm.hostPort === undefined) continue;
    const hostPort = hostPorts[next++];
    if (hostPort === undefined) continue;
    if (networkName !== undefined && pm.networkNames !== undefined && pm.networkNames.length > 0 && !pm.networkNames.includes(networkName)) continue;
    for (const protocol of protocolsOf(pm)) {
      out.push({ host_port: hostPort, container_port: pm.containerPort === 0 ? hostPort : pm.containerPort, protocol });
    }
  }
  return out;
}

function labelsOf(map: Record<string, string> | undefined): { labels: Label[] } | undefined {
  if (map === undefined || Object.keys(map).length === 0) return undefined;
  return { labels: Object.entries(map).map(([key, value]) => ({ key, value })) };
}

function containerNetworkInfos(app: AppDefinition, hostPorts: number[], bridgeName: string): NetworkInfo[] {
  const out: NetworkInfo[] = [];
  for (const n of app.networks as Network[]) {
    if (n.mode === 'host') continue;
    if (n.mode === 'container/bridge') {
      out.push({ name: bridgeName, port_mappings: networkPortMappings(app, hostPorts) });
      continue;
    }
    const info: NetworkInfo = { name: n.name, ip_addresses: [{ protocol: 'IPv4' }] };
    const labels = labelsOf(n.labels);
    if (labels !== undefined) info.labels = labels;
    const pms = networkPortMappings(app, hostPorts, n.name);
    if (pms.length > 0) info.port_mappings = pms;
    out.push(info);
  }
  return out;
}

export function containerInfo(input: TaskBuildInput): ContainerInfo | undefined {
  const { app } = input;
  const c = app.container;
  if (input.vnetNetworkInfos !== undefined) {
    // DESIGN §4: Docker's containerizer has one network and no CNI, so always MESOS + image.
    const info: ContainerInfo = { type: 'MESOS', network_infos: input.vnetNetworkInfos };
    if (c?.docker?.image !== undefined) info.mesos = { image: { type: 'DOCKER', docker: { name: c.docker.image }, cached: !c.docker.forcePullImage } };
    const vols = volumes(app);
    if (vols.length > 0) info.volumes = vols;
    return info;
  }
  if (c === undefined) return undefined;
  const vols = volumes(app);
  if (c.type === 'DOCKER' && c.docker !== undefined) {
    const hostMode = usesHostNetwork(app);
    const bridge = app.networks.some((n) => n.mode === 'container/bridge');
    const info: ContainerInfo = {
      type: 'DOCKER',
      docker: {
        image: c.docker.image,
        network: hostMode ? 'HOST' : bridge ? 'BRIDGE' : 'USER',
        privileged: c.docker.privileged,
        force_pull_image: c.docker.forcePullImage,
        parameters: [...c.docker.parameters, { key: 'label', value: `MESOS_TASK_ID=${input.taskId}` }],
      },
    };
    if (!hostMode && info.docker !== undefined) {
      const pms = networkPortMappings(app, input.hostPorts);
      if (pms.length > 0) info.docker.port_mappings = pms;
    }
    if (!hostMode && !bridge) info.network_infos = app.networks.filter((n) => n.mode === 'container').map((n) => ({ name: n.name }));
    if (vols.length > 0) info.volumes = vols;
    return info;
  }
  const info: ContainerInfo = { type: 'MESOS' };
  if (c.docker?.image !== undefined) info.mesos = { image: { type: 'DOCKER', docker: { name: c.docker.image }, cached: !c.docker.forcePullImage } };
  const nets = containerNetworkInfos(app, input.hostPorts, input.mesosBridgeName ?? 'mesos-bridge');
  if (nets.length > 0) info.network_infos = nets;
  if (vols.length > 0) info.volumes = vols;
  return info;
}

/**
 * The check's port: `port` when given, else the task's port at `portIndex` — the container port of
 * a port mapping (the executor checks from inside the task's network namespace), else the host port.
 */
function checkPort(app: AppDefinition, check: MarathonHealthCheck, hostPorts: number[]): number {
  if (check.port !== undefined) return check.port;
  const index = check.portIndex ?? 0;
  if (!usesHostNetwork(app)) {
    const pm = (app.container?.portMappings ?? [])[index];
    if (pm !== undefined && pm.containerPort !== 0) return pm.containerPort;
    const withHost = (app.container?.portMappings ?? []).slice(0, index + 1).filter((p) => p.hostPort !== undefined).length;
    return hostPorts[withHost - 1] ?? 0;
  }
  return hostPorts[index] ?? 0;
}

/**
 * `TaskInfo.health_check` for the app's executor-run check (COMMAND, MESOS_HTTP, MESOS_HTTPS,
 * MESOS_TCP), with Marathon's mapping of the timing fields; undefined when it has none.
 */
export function mesosHealthCheck(app: AppDefinition, hostPorts: number[]): HealthCheck | undefined {
  const raw = app.healthChecks.find((c) => typeof c.protocol === 'string' && runsInExecutor(c.protocol));
  if (raw === undefined) return undefined;
  const c = readHealthCheck(raw);
  const hc: HealthCheck = {
    delay_seconds: c.delaySeconds,
    interval_seconds: c.intervalSeconds,
    timeout_seconds: c.timeoutSeconds,
    consecutive_failures: c.maxConsecutiveFailures,
    grace_period_seconds: c.gracePeriodSeconds,
  };
  if (c.protocol === 'COMMAND') {
    hc.type = 'COMMAND';
    hc.command = { value: c.command ?? '' };
  } else if (c.protocol === 'MESOS_TCP') {
    hc.type = 'TCP';
    hc.tcp = { protocol: c.ipProtocol, port: checkPort(app, c, hostPorts) };
  } else {
    hc.type = 'HTTP';
    hc.http = { protocol: c.ipProtocol, scheme: c.protocol === 'MESOS_HTTPS' ? 'https' : 'http', port: checkPort(app, c, hostPorts) };
    if (c.path !== undefined) hc.http.path = c.path;
  }
  return hc;
}

export function buildTaskInfo(input: TaskBuildInput): TaskInfo {
  const { app } = input;
  const task: TaskInfo = {
    name: taskNameFor(app.id),
    task_id: { value: input.taskId },
    agent_id: { value: input.agentId },
    resources: input.resources,
    command: commandInfo(input),
  };
  const container = containerInfo(input);
  if (container !== undefined) task.container = container;
  const healthCheck = mesosHealthCheck(app, input.hostPorts);
  if (healthCheck !== undefined) task.health_check = healthCheck;
  const labels = labelsOf(app.labels);
  if (labels !== undefined) task.labels = labels;
  if (app.taskKillGracePeriodSeconds !== undefined) {
    const policy: KillPolicy = { grace_period: { nanoseconds: Math.round(app.taskKillGracePeriodSeconds * 1e9) } };
    task.kill_policy = policy;
  }
  return task;
}
