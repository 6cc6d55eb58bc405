// `marathon-vnet serve`: the Marathon-compatible API + scheduler. `startServe` is the composition
// root: it opens the state store and the election, wires the runtime (repository, scheduler,
// deployment runner, leadership controller) to the HTTP API and starts them; it is exported for
// local mode and tests. `registerServe` parses the CLI flags into ServeOptions.
import { MarathonHealthChecker } from '../runtime/marathon-health';
import { DEFAULT_SERVICE_PORT_RANGE, type ServicePortRange } from '../core/apps/service-ports';
import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import pino, { type Logger } from 'pino';
import { DEFAULT_MAX_INSTANCES_PER_APP, type ValidationFacts } from '../core/apps/types';
import { unrefClock } from '../lib/clock';
import { AppService, DEFAULT_MAX_RUNNING_DEPLOYMENTS } from '../server/api/app-service';
import type { ApiContext, ForwardHook, InfoConfig, Leadership } from '../server/api/context';
import { CachedNetworks } from '../server/api/openvnet-networks';
import { buildApiServer } from '../server/api/server';
import { serveMetrics } from '../server/metrics';
import { OpenVnetAddressSpace } from '../runtime/address-space';
import { DEFAULT_HTTPS_PORT, addSecurityFlags, marathonListenAliases, serveSecurityFromFlags } from '../server/security/cli-flags';
import { exposureWarning, type ServeSecurity } from '../server/security/config';
import { makeForwardHook, type ForwardOptions } from '../server/security/forward';
import { listenApi } from '../server/security/tls';
import type { CorsPolicy } from '../server/security/cors';
import { SchedulerClient } from '../mesos/client';
import type { Encoding } from '../mesos/codec';
import type { FrameworkInfo } from '../mesos/types';
import { OpenVnetClient } from '../lib/openvnet/client';
import { DeploymentRunner } from '../runtime/deployment-runner';
import { EventBus } from '../runtime/event-bus';
import { LaunchQueue } from '../core/scheduler/launch-queue';
import { LeadershipController, ServeFatalError } from '../runtime/leadership';
import { Repository } from '../runtime/repository';
import { Scheduler, type MesosDriver, type SchedulerOptions } from '../runtime/scheduler';
import { openLeaderElection, openVersionedStore } from '../state/open-store';
import type { StateStore } from '../state/store';
import { redact } from '../state/zk-url';
import { addZkFlags, DEFAULT_ZK_TUNING, zkElectionOptions, zkStoreOptions, zookeeperConfig, zkTuningFromFlags, type ZkTuning } from './zk-flags';

export { ServeFatalError };

export interface ServeOptions {
  /** `--local_port_min`/`--local_port_max`: where `port: 0` service ports come from (default 10000–20000). */
  servicePortRange?: ServicePortRange;
  /** `--max_running_deployments` (default 100). */
  maxRunningDeployments?: number;
  /** `http://host:port`, `host:port` or `zk://…/mesos`. */
  master: string;
  /** 0 = any free port. Default 8080. */
  httpPort?: number;
  /** Listen address; default 0.0.0.0. */
  listenHost?: string;
  /** The name others reach us by (FrameworkInfo.hostname, /v2/leader); default the listen host or the OS hostname. */
  hostname?: string;
  /** `file:DIR`, `zk://…`, `memory:`. Default `memory:`. */
  state?: string;
  /** Alias of a zk:// `state`. */
  zk?: string;
  /** OpenVNet webapi base URL: networks are checked against it and listed at /v2/networks. */
  openvnet?: string;
  mesosEncoding?: Encoding;
  frameworkName?: string;
  mesosRole?: string;
  mesosUser?: string;
  failoverTimeoutSeconds?: number;
  /** Agent-link network name; null disables it. Default `vnet-agent-link`. */
  agentLink?: string | null;
  reconciliationInitialDelayMs?: number;
  reconciliationIntervalMs?: number;
  /** Further scheduler tuning (timeouts, housekeeping period, decline filters). */
  scheduler?: Partial<SchedulerOptions>;
  /** Serve the web UI under /ui/. Default true. */
  ui?: boolean;
  /** pino logger; default a pino logger at `info` to stderr. `false` = silent. */
  logger?: Logger | false;
  /** Tests: replaces the Mesos client. */
  driverFactory?: (frameworkInfo: FrameworkInfo, frameworkId: string | undefined) => MesosDriver;
  /** Tests: an already opened store (closed by close()). */
  store?: StateStore;
  /** How a non-leader forwards to the leader; default a plain HTTP forwarder. */
  forward?: ForwardHook;
  /** Marathon's zk_* values (src/cli/zk-flags.ts); defaults as Marathon's. */
  zookeeper?: ZkTuning;
  /**
   * ZooKeeper HA: a leader that has no Mesos subscription for this long (lost, or never made)
   * gives up leadership so that another instance can try (spec §11 "Disconnected → give up
   * leadership"; the grace keeps a Mesos master failover from moving leadership). Default 5000 ms;
   * negative = never.
   */
  mesosDisconnectGraceMs?: number;
  /** Pause before an abdicated instance is a candidate again. Default 1000 ms. */
  leaderRejoinDelayMs?: number;
  /**
   * Conditions Marathon exits on (framework removed by Mesos, no stored framework id while
   * launched instances exist). Default: logged only. The CLI exits with status 1.
   */
  onFatal?: (err: ServeFatalError) => void;
  /** Basic auth, TLS, CORS, limits (src/server/security; `serveSecurityFromFlags` builds it from flags). */
  security?: ServeSecurity;
  /** How often unchanged static-address reservations are re-applied in OpenVNet. Default 10000 ms. */
  openvnetResyncMs?: number;
  /** `--max_instances_per_app`: the most instances one app may ask for (422 above). Default 100000. */
  maxInstancesPerApp?: number;
}

export interface ServeHandle {
  url: string;
  port: number;
  repo: Repository;
  scheduler: Scheduler;
  runner: DeploymentRunner;
  bus: EventBus;
  close(): Promise<void>;
}

export const DEFAULT_AGENT_LINK = 'vnet-agent-link';
export const DEFAULT_MESOS_DISCONNECT_GRACE_MS = 5000;

/** `--access_control_allow_origin` as /v2/info reports it (null when CORS is off). */
function corsOriginsOf(cors: CorsPolicy | undefined): string[] | null {
  if (cors === undefined) return null;
  if (cors.any) return ['*'];
  return cors.origins.size === 0 ? null : [...cors.origins];
}

/** `host:port` or `http://host:port/…` → the master's UI URL with a trailing `/` (zk:// → ''). */
export function masterUiUrl(master: string): string {
  if (master.startsWith('zk://')) return '';
  const withScheme = /^https?:\/\//.test(master) ? master : `http://${master}`;
  try {
    const u = new URL(withScheme);
    return `${u.protocol}//${u.host}/`;
  } catch {
    return '';
  }
}

/** The leadership controller as the API sees it (its functions are called unbound). */
function leadershipView(c: LeadershipController): Leadership {
  return {
    isLeader: () => c.isLeader,
    leader: () => c.currentLeader(),
    abdicate: () => c.abdicate(),
    hasCachedState: () => c.hasCachedState,
    takenOver: (timeoutMs) => c.takenOver(timeoutMs),
  };
}

export async function startServe(opts: ServeOptions): Promise<ServeHandle> {
  const log: Logger = opts.logger === false ? pino({ level: 'silent' }) : opts.logger ?? pino({ name: 'marathon-vnet' }, pino.destination(2));
  const stateUrl = opts.zk ?? opts.state ?? 'memory:';
  const listenHost = opts.listenHost ?? '0.0.0.0';
  const zkTuning = opts.zookeeper ?? DEFAULT_ZK_TUNING;
  const onZooKeeper = opts.store === undefined && stateUrl.startsWith('zk://');
  const store = opts.store ?? await openVersionedStore(stateUrl, onZooKeeper ? zkStoreOptions(zkTuning) : { maxVersions: zkTuning.maxVersions }, log);
  const bus = new EventBus();
  const repo = new Repository(store, { error: (o, m) => log.error(o, m) });
  const queue = new LaunchQueue();
  const agentLink = opts.agentLink === undefined ? DEFAULT_AGENT_LINK : opts.agentLink;
  const role = opts.mesosRole ?? '*';
  const vnetClient = opts.openvnet !== undefined ? new OpenVnetClient({ baseUrl: opts.openvnet }) : undefined;
  const networks = vnetClient !== undefined ? new CachedNetworks(vnetClient) : undefined;
  const addressSpace = vnetClient !== undefined ? new OpenVnetAddressSpace(vnetClient, { warn: (o, m) => log.warn(o, m) }, opts.openvnetResyncMs) : undefined;
  const schedLog = log.child({ component: 'scheduler' });
  const logShim = {
    debug: (o: object, m?: string) => schedLog.debug(o, m),
    info: (o: object, m?: string) => schedLog.info(o, m),
    warn: (o: object, m?: string) => schedLog.warn(o, m),
    error: (o: object, m?: string) => schedLog.error(o, m),
  };

  // Each leadership term gives the scheduler a new Mesos driver (leadership.ts).
  const scheduler = new Scheduler({
    repo, bus, queue, log: logShim, now: Date.now, newUuid: randomUUID,
    networks: () => networks?.lastKnown(),
  }, {
    role,
    agentLink,
    ...(opts.reconciliationInitialDelayMs !== undefined ? { reconciliationInitialDelayMs: opts.reconciliationInitialDelayMs } : {}),
    ...(opts.reconciliationIntervalMs !== undefined ? { reconciliationIntervalMs: opts.reconciliationIntervalMs } : {}),
    ...opts.scheduler,
  });
  const runner = new DeploymentRunner({ repo, bus, scheduler, queue, log: logShim });
  // Marathon's own HTTP/HTTPS/TCP checks run while this instance leads.
  const marathonHealth = new MarathonHealthChecker({ repo, scheduler, queue, now: Date.now, log: logShim });
  scheduler.setObserver(runner);

  const facts = async (): Promise<ValidationFacts> => {
    const f: ValidationFacts = { maxInstancesPerApp: opts.maxInstancesPerApp ?? DEFAULT_MAX_INSTANCES_PER_APP };
    if (agentLink !== null) f.agentLink = agentLink;
    if (networks !== undefined) {
      const list = await networks.listNetworks();
      f.networks = new Map(list.map((n) => [n.uuid, { subnet: `${n.ipv4Network}/${n.ipv4Prefix}` }]));
    }
    return f;
  };
  const servicePortRange = opts.servicePortRange ?? DEFAULT_SERVICE_PORT_RANGE;
  const service = new AppService({
    repo, runner, scheduler, bus, now: Date.now, newUuid: randomUUID, facts, ...(addressSpace !== undefined ? { addressSpace } : {}),
    servicePortRange, maxRunningDeployments: opts.maxRunningDeployments ?? DEFAULT_MAX_RUNNING_DEPLOYMENTS,
  });

  const info: InfoConfig = {
    master: opts.master,
    failoverTimeoutSeconds: opts.failoverTimeoutSeconds ?? 604800,
    frameworkName: opts.frameworkName ?? 'marathon',
    hostname: opts.hostname ?? (listenHost === '0.0.0.0' || listenHost === '::' ? (process.env.HOSTNAME ?? '127.0.0.1') : listenHost),
    httpPort: opts.httpPort ?? 8080,
    httpsPort: opts.security?.https?.port ?? DEFAULT_HTTPS_PORT,
    mesosRole: role,
    mesosUser: opts.mesosUser ?? 'root',
    mesosBridgeName: 'mesos-bridge',
    localPortMin: servicePortRange.min,
    localPortMax: servicePortRange.max,
    reconciliationInitialDelayMs: scheduler.options.reconciliationInitialDelayMs,
    reconciliationIntervalMs: scheduler.options.reconciliationIntervalMs,
    taskLaunchTimeoutMs: scheduler.options.launchTimeoutMs,
    mesosLeaderUiUrl: masterUiUrl(opts.master),
    webuiUrl: null,
    zk: stateUrl.startsWith('zk://') ? redact(stateUrl) : null,
    zkMaxVersions: zkTuning.maxVersions,
    zookeeperConfig: zookeeperConfig(stateUrl.startsWith('zk://') ? redact(stateUrl) : null, zkTuning),
    buildref: 'marathon-vnet',
    accessControlAllowOrigin: corsOriginsOf(opts.security?.options.cors),
  };
  bus.subscribe((e) => {
    if ((e.eventType === 'scheduler_registered_event' || e.eventType === 'scheduler_reregistered_event') && typeof e.master === 'string') {
      info.mesosLeaderUiUrl = masterUiUrl(e.master) || info.mesosLeaderUiUrl;
    }
  });

  // Made at each term's start, after we listen: info then has our advertised address.
  const frameworkInfo = (): FrameworkInfo => ({
    user: info.mesosUser,
    name: info.frameworkName,
    failover_timeout: info.failoverTimeoutSeconds,
    checkpoint: true,
    roles: [role],
    hostname: info.hostname,
    webui_url: info.webuiUrl ?? '',
    capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }, { type: 'REGION_AWARE' }],
  });
  const newDriver = (frameworkId: string | undefined): MesosDriver => opts.driverFactory !== undefined
    ? opts.driverFactory(frameworkInfo(), frameworkId)
    : new SchedulerClient({
      master: opts.master, encoding: opts.mesosEncoding ?? 'json', frameworkInfo: frameworkInfo(), frameworkId,
      logger: logShim, zkSessionTimeoutMs: zkTuning.sessionTimeoutMs, zkOperationTimeoutMs: zkTuning.timeoutMs,
    });
  // A follower until the election (whose candidate id is our host:port) starts it after listening.
  const leadership = new LeadershipController({
    store, repo, scheduler, runner, health: marathonHealth, newDriver, clock: unrefClock, log,
    // Only with ZooKeeper HA: a single instance (file:, memory:) has nobody to hand over to.
    ...(onZooKeeper ? { mesosDisconnectGraceMs: opts.mesosDisconnectGraceMs ?? DEFAULT_MESOS_DISCONNECT_GRACE_MS } : {}),
    onFatal: (err) => {
      log.fatal({ code: err.code }, err.message);
      if (opts.onFatal !== undefined) opts.onFatal(err);
    },
  });
  // Claims end when slots go (scheduler/runner): keep OpenVNet's ranges in step while leading.
  const reserveTimer = addressSpace === undefined ? undefined : setInterval(() => {
    if (leadership.isLeader) void addressSpace.sync(repo.heldAddresses());
  }, 2000);
  reserveTimer?.unref();

  const metrics = serveMetrics({ repo, scheduler, bus, store, isLeader: () => leadership.isLeader });
  // The hop marker that stops forwarding loops is our own host:port: the default hook is made once we listen.
  let forwardHook: ForwardHook | undefined = opts.forward;
  const ctx: ApiContext = {
    repo, scheduler, runner, service, bus, queue, info, metrics, agentLink, now: Date.now,
    leadership: leadershipView(leadership),
    ...(networks !== undefined ? { networks } : {}),
    forward: (req, reply, leader) => (forwardHook !== undefined ? forwardHook(req, reply, leader) : Promise.resolve(false)),
  };
  const app = await buildApiServer(ctx, { logger: opts.logger === false ? false : log, ui: opts.ui ?? true, ...(opts.security !== undefined ? { security: opts.security.options } : {}) });
  // HTTP, HTTPS or both; with HTTPS on, the advertised port (leader id, webui_url) is the HTTPS one.
  const sec = opts.security;
  const listening = await listenApi(app, {
    httpPort: opts.httpPort ?? 8080, host: listenHost,
    ...(sec?.https !== undefined ? { https: sec.https } : {}), disableHttp: sec?.disableHttp === true,
    ...(sec?.options.timeouts !== undefined ? { timeouts: sec.options.timeouts } : {}),
    ...(sec?.timeoutCheckIntervalMs !== undefined ? { timeoutCheckIntervalMs: sec.timeoutCheckIntervalMs } : {}),
  });
  const port = listening.port;
  // HTTPS only: http_port keeps the configured value, as Marathon reports its flags.
  info.httpPort = listening.httpPort ?? opts.httpPort ?? 8080;
  info.httpsPort = listening.httpsPort ?? info.httpsPort;
  if (opts.hostname === undefined && listenHost !== '0.0.0.0' && listenHost !== '::') info.hostname = listenHost;
  const self = `${info.hostname}:${port}`;
  info.webuiUrl = `${listening.scheme}://${self}`;
  if (forwardHook === undefined) {
    const forwardOptions: ForwardOptions = { self, timeoutMs: zkTuning.timeoutMs };
    forwardHook = makeForwardHook(forwardOptions);
  }

  const election = opts.store === undefined
    ? await openLeaderElection(stateUrl, { id: self, ...(onZooKeeper ? zkElectionOptions(zkTuning) : {}), rejoinDelayMs: opts.leaderRejoinDelayMs ?? 1000 })
    : await openLeaderElection('memory:', { id: self });
  await leadership.start(election);

  const url = listening.url;
  log.info({ url, master: opts.master, state: stateUrl.replace(/\/\/[^@/]*@/, '//***@') }, `marathon-vnet listening on ${url}`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (reserveTimer !== undefined) clearInterval(reserveTimer);
      await leadership.stop();
      await app.close();
      await runner.flush();
      await repo.flush();
      await election.close();
      await store.close();
    })();
    return closing;
  };
  return { url, port, repo, scheduler, runner, bus, close };
}

/** `--max_instances_per_app` (or `--max-instances-per-app`), default 100000. */
export function maxInstancesFromFlags(values: Record<string, unknown>): number {
  const v = values.max_instances_per_app ?? values.maxInstancesPerApp;
  return typeof v === 'number' ? v : DEFAULT_MAX_INSTANCES_PER_APP;
}

function parseIntOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${v}`);
  return n;
}

function parseGraceOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < -1) throw new Error(`not an integer >= -1: ${v}`);
  return n;
}

export function registerServe(program: Command): void {
  const cmd = program.command('serve')
    .description('Run the Marathon-compatible API and Mesos scheduler')
    .requiredOption('--master <url>', 'Mesos master: http://host:port, host:port or zk://host:port/mesos')
    .option('--http-port <port>', 'HTTP API port', parseIntOption, 8080)
    .option('--listen <address>', 'listen address', '0.0.0.0')
    .option('--hostname <name>', 'hostname advertised to Mesos and other instances')
    .option('--state <url>', 'state store: file:DIR, zk://host:port/path or memory:', 'file:./marathon-vnet-state')
    .option('--zk <url>', 'ZooKeeper state store (alias of --state zk://…)')
    .option('--openvnet <url>', 'OpenVNet webapi base URL, e.g. http://vnmgr:9090')
    .option('--mesos-encoding <encoding>', 'json or protobuf', 'json')
    .option('--framework-name <name>', 'framework name', 'marathon')
    .option('--mesos-role <role>', 'Mesos role', '*')
    .option('--mesos-user <user>', 'user tasks run as', 'root')
    .option('--failover-timeout <seconds>', 'framework failover timeout (s)', parseIntOption, 604800)
    .option('--agent-link <name>', 'agent-link network appended to tasks with networkInterfaces', DEFAULT_AGENT_LINK)
    .option('--no-agent-link', 'do not append the agent-link network')
    .option('--reconciliation-initial-delay <ms>', 'first reconciliation after (ms)', parseIntOption, 15000)
    .option('--reconciliation-interval <ms>', 'reconciliation period (ms)', parseIntOption, 600000)
    .option('--no-ui', 'do not serve the web UI under /ui/')
    .option('--mesos-disconnect-grace <ms>', 'with ZooKeeper HA: give up leadership after this long without a Mesos subscription (-1 = never)', parseGraceOption, DEFAULT_MESOS_DISCONNECT_GRACE_MS)
    .option('--max_running_deployments <n>', 'running deployments allowed at once; more are refused with 403 unless forced', parseIntOption, DEFAULT_MAX_RUNNING_DEPLOYMENTS)
    .option('--local_port_min <port>', 'lowest service port given to port 0 (Marathon)', parseIntOption, DEFAULT_SERVICE_PORT_RANGE.min)
    .option('--local_port_max <port>', 'service ports stay below this port (Marathon)', parseIntOption, DEFAULT_SERVICE_PORT_RANGE.max)
    .option('--log-level <level>', 'pino log level', 'info')
    .option('--max_instances_per_app <n>', `the most instances one app may ask for (default: ${DEFAULT_MAX_INSTANCES_PER_APP})`, parseIntOption)
    .addOption(new Option('--max-instances-per-app <n>').argParser(parseIntOption).hideHelp());
  addZkFlags(cmd);
  addSecurityFlags(cmd)
    .action(async (o: {
      master: string; httpPort: number; listen: string; hostname?: string; state: string; zk?: string; openvnet?: string;
      mesosEncoding: string; frameworkName: string; mesosRole: string; mesosUser: string; failoverTimeout: number;
      agentLink: string | false; reconciliationInitialDelay: number; reconciliationInterval: number; ui: boolean; logLevel: string;
      mesosDisconnectGrace: number; local_port_min: number; local_port_max: number; max_running_deployments: number;
    } & Record<string, unknown>) => {
      if (!(o.local_port_min >= 1 && o.local_port_max <= 65536 && o.local_port_min < o.local_port_max)) {
        throw new Error('--local_port_min must be below --local_port_max, both within 1–65536');
      }
      if (o.mesosEncoding !== 'json' && o.mesosEncoding !== 'protobuf') throw new Error('--mesos-encoding must be json or protobuf');
      const logger = pino({ name: 'marathon-vnet', level: o.logLevel }, pino.destination(2));
      const { security, warnings } = serveSecurityFromFlags(o);
      const zookeeper = zkTuningFromFlags(o);
      const aliases = marathonListenAliases(o);
      const listen = aliases.listen ?? o.listen;
      for (const w of warnings) logger.warn(w);
      // Printed as a plain line whatever the log level: an API open to the network is never routine.
      const exposed = exposureWarning('serve', listen, security.options.credentials !== undefined, 'launch containers and plumb networks');
      if (exposed !== undefined) process.stderr.write(`${exposed}\n`);
      let handle: ServeHandle | undefined;
      handle = await startServe({
        security, forward: makeForwardHook(security.forward),
        master: o.master, httpPort: aliases.httpPort ?? o.httpPort, listenHost: listen, hostname: o.hostname, state: o.state, zk: o.zk,
        openvnet: o.openvnet, mesosEncoding: o.mesosEncoding, frameworkName: o.frameworkName, mesosRole: o.mesosRole,
        mesosUser: o.mesosUser, failoverTimeoutSeconds: o.failoverTimeout, agentLink: o.agentLink === false ? null : o.agentLink,
        reconciliationInitialDelayMs: o.reconciliationInitialDelay, reconciliationIntervalMs: o.reconciliationInterval,
        ui: o.ui, logger, zookeeper, mesosDisconnectGraceMs: o.mesosDisconnectGrace,
        servicePortRange: { min: o.local_port_min, max: o.local_port_max }, maxRunningDeployments: o.max_running_deployments,
        maxInstancesPerApp: maxInstancesFromFlags(o),
        // Marathon's crash strategy: exit, and let the supervisor start a fresh instance.
        onFatal: () => {
          if (handle === undefined) process.exit(1);
          void handle.close().finally(() => process.exit(1));
        },
      });
      process.stdout.write(`marathon-vnet serve listening on ${handle.url} (master ${o.master})\n`);
      const stop = (): void => { void handle.close().then(() => process.exit(0)); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
