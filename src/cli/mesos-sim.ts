// `marathon-vnet mesos-sim`: the local Mesos-compatible master with N agents as a standalone
// process, for developing against the v1 scheduler API without a Mesos cluster.
import type { Command } from 'commander';
import pino from 'pino';
import type { Agent } from '../sim/mesos/agent';
import { ExecAgent } from '../sim/mesos/exec-agent';
import { LocalMaster } from '../sim/mesos/master';
import { openVnetDhcpHooks } from '../sim/mesos/openvnet-dhcp';
import { OpenVnetClient } from '../lib/openvnet/client';
import { SIMULATED_HEALTH, SimulatedAgent, type SimulatedHealth } from '../sim/mesos/simulated-agent';

export interface MesosSimConfig {
  host: string;
  port: number;
  agents: number;
  cpus: number;
  mem: number;
  disk: number;
  exec: boolean;
  heartbeatSeconds: number;
  taskDelayMs: number;
  /** undefined: this master leads; "host:port": redirect to it; null: no leader (503) */
  leader: string | null | undefined;
  statusRetryMs: number;
  workDir?: string;
  /** simulated agents: health check results of tasks with a health_check (default healthy) */
  health?: SimulatedHealth;
  /** simulated agents: OpenVNet webapi whose lease policies address DHCP interfaces */
  openvnet?: string;
  /** Port of the first agent's own endpoints (/state, /files/*); agent i uses agentPort + i. */
  agentPort: number;
}

export interface MesosSimRawOptions {
  listen?: string;
  agents?: string;
  cpus?: string;
  mem?: string;
  disk?: string;
  exec?: boolean;
  heartbeat?: string;
  taskDelay?: string;
  leader?: string;
  statusRetryMs?: string;
  workDir?: string;
  health?: string;
  openvnet?: string;
  agentPort?: string;
}

export class MesosSimConfigError extends Error {
  readonly code = 'MVN_ERR_MESOS_SIM_CONFIG';
}

function num(name: string, text: string | undefined, fallback: number, check: (n: number) => boolean, rule: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !check(n)) throw new MesosSimConfigError(`--${name} ${text}: must be ${rule}`);
  return n;
}

/** `host:port`, `[v6]:port` or `port` (host 127.0.0.1). */
export function parseHostPort(option: string, text: string): { host: string; port: number } {
  const t = text.trim();
  let host = '127.0.0.1';
  let port = t;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(t);
  if (v6) {
    host = v6[1] ?? host;
    port = v6[2] ?? '';
  } else if (!/^\d+$/.test(t)) {
    const i = t.lastIndexOf(':');
    if (i <= 0) throw new MesosSimConfigError(`--${option} ${text}: expected host:port`);
    host = t.slice(0, i);
    port = t.slice(i + 1);
  }
  const n = Number(port);
  if (!/^\d{1,5}$/.test(port) || n > 65535) throw new MesosSimConfigError(`--${option} ${text}: bad port`);
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new MesosSimConfigError(`--${option} ${text}: bad host`);
  return { host, port: n };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function parseMesosSimOptions(raw: MesosSimRawOptions): MesosSimConfig {
  const { host, port } = parseHostPort('listen', raw.listen ?? '127.0.0.1:5050');
  let leader: string | null | undefined;
  if (raw.leader !== undefined) {
    if (raw.leader === 'none') leader = null;
    else {
      const l = parseHostPort('leader', raw.leader);
      leader = `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`;
    }
  }
  const config: MesosSimConfig = {
    host,
    port,
    agents: num('agents', raw.agents, 1, (n) => Number.isInteger(n) && n >= 0 && n <= 5000, 'an integer from 0 to 5000'),
    cpus: num('cpus', raw.cpus, 4, (n) => n > 0, 'a number > 0'),
    mem: num('mem', raw.mem, 4096, (n) => n > 0, 'a number > 0 (MiB)'),
    disk: num('disk', raw.disk, 10240, (n) => n >= 0, 'a number >= 0 (MiB)'),
    exec: raw.exec === true,
    heartbeatSeconds: num('heartbeat', raw.heartbeat, 15, (n) => n > 0, 'a number of seconds > 0'),
    taskDelayMs: num('task-delay', raw.taskDelay, 100, (n) => n >= 0, 'a number of ms >= 0'),
    statusRetryMs: num('status-retry-ms', raw.statusRetryMs, 10_000, (n) => n > 0, 'a number of ms > 0'),
    agentPort: num('agent-port', raw.agentPort, 5051, (n) => Number.isInteger(n) && n >= 1 && n <= 65535, 'a port from 1 to 65535'),
    leader,
  };
  if (raw.workDir !== undefined) config.workDir = raw.workDir;
  if (raw.health !== undefined) {
    if (!(SIMULATED_HEALTH as readonly string[]).includes(raw.health)) {
      throw new MesosSimConfigError(`--health ${raw.health}: expected one of ${SIMULATED_HEALTH.join(', ')}`);
    }
    config.health = raw.health as SimulatedHealth;
  }
  if (raw.openvnet !== undefined) {
    if (!/^https?:\/\/[^\s]+$/.test(raw.openvnet)) throw new MesosSimConfigError(`--openvnet ${raw.openvnet}: expected http(s)://host:port`);
    config.openvnet = raw.openvnet;
  }
  return config;
}

export function buildAgents(config: MesosSimConfig): Agent[] {
  const agents: Agent[] = [];
  const vnet = config.openvnet === undefined ? undefined : new OpenVnetClient({ baseUrl: config.openvnet });
  for (let i = 0; i < config.agents; i++) {
    const resources = { cpus: config.cpus, mem: config.mem, disk: config.disk };
    const port = config.agentPort + i;
    // Distinct loopback addresses as hostnames (127.0.0.1, 127.0.0.2, …): UNIQUE hostname
    // constraints place one task per agent, and every name resolves and is reachable here.
    const n = i + 1;
    const ip = `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    agents.push(config.exec
      ? new ExecAgent({ resources, port, ip, hostname: ip, ...(config.workDir !== undefined ? { workDir: config.workDir } : {}) })
      : new SimulatedAgent({
        resources, port, ip, hostname: ip, taskDelayMs: config.taskDelayMs, ...(config.health !== undefined ? { health: config.health } : {}),
        ...(vnet !== undefined ? { hooks: openVnetDhcpHooks(vnet, ip) } : {}),
      }));
  }
  return agents;
}

/** Starts the master with its agents; the caller owns close(). */
export async function startMesosSim(config: MesosSimConfig, logger = pino({ name: 'mesos-sim' }, pino.destination(2))): Promise<LocalMaster> {
  const master = new LocalMaster({
    heartbeatIntervalSeconds: config.heartbeatSeconds,
    statusUpdateRetryMs: config.statusRetryMs,
    leader: config.leader,
    agents: buildAgents(config),
    // Exec agents (the ones with sandboxes) serve their own endpoints; simulated ones, possibly
    // thousands in a benchmark, do not open a listener each.
    agentEndpoints: config.exec,
    logger,
  });
  await master.listen(config.port, config.host);
  return master;
}

export function registerMesosSim(program: Command): void {
  program
    .command('mesos-sim')
    .description('run a local Mesos 1.11-compatible master (v1 scheduler HTTP API) with simulated or exec agents')
    .option('--listen <host:port>', 'address to bind (loopback unless you mean it)', '127.0.0.1:5050')
    .option('--agents <n>', 'number of agents', '1')
    .option('--cpus <n>', 'cpus per agent', '4')
    .option('--mem <MiB>', 'memory per agent', '4096')
    .option('--disk <MiB>', 'disk per agent', '10240')
    .option('--exec', 'run task commands as real child processes instead of simulating them')
    .option('--heartbeat <seconds>', 'heartbeat interval announced in SUBSCRIBED', '15')
    .option('--task-delay <ms>', 'simulated agents: delay before TASK_STARTING and again before TASK_RUNNING', '100')
    .option('--status-retry-ms <ms>', 'first re-send of an unacknowledged status update (doubles each time)', '10000')
    .option('--leader <host:port|none>', 'act as a non-leading master: redirect (307) to this leader, or "none" for 503')
    .option('--work-dir <dir>', 'exec agents: where task sandboxes are created')
    .option('--openvnet <url>', 'simulated agents: DHCP interfaces get their address from this OpenVNet\'s lease policies')
    .option('--agent-port <port>', '--exec: port of the first agent\'s own endpoints (/state, /files/*) on its address 127.0.0.<n>; agent n uses port + n - 1', '5051')
    .option('--health <mode>', 'simulated agents: health check results, healthy | unhealthy | flapping (task label mesos-sim.health overrides)')
    .action(async (raw: MesosSimRawOptions) => {
      const config = parseMesosSimOptions(raw);
      if (!isLoopbackHost(config.host)) {
        process.stderr.write(`mesos-sim: warning: binding ${config.host} exposes an unauthenticated Mesos master${config.exec ? ' that runs arbitrary commands' : ''} beyond this machine\n`);
      }
      const master = await startMesosSim(config);
      const kind = config.exec ? 'exec' : 'simulated';
      process.stdout.write(`mesos-sim: master ${master.id} listening on ${master.url}/api/v1/scheduler `
        + `with ${config.agents} ${kind} agent(s) of ${config.cpus} cpus, ${config.mem} MiB mem, ${config.disk} MiB disk`
        + `${config.leader === undefined ? '' : config.leader === null ? ' (no leader: answering 503)' : ` (redirecting to leader ${config.leader})`}\n`);
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`mesos-sim: ${signal}, shutting down\n`);
        master.close().then(() => process.exit(0), (err: unknown) => {
          process.stderr.write(`mesos-sim: shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
          process.exit(1);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
