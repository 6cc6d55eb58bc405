// Everything the route plugins read or call, in one object built by startServe.
import type { Registry } from 'prom-client';
import type { NetworkUsage } from '../../lib/openvnet/usage';
import type { DeploymentRunner } from '../../runtime/deployment-runner';
import type { EventBus } from '../../runtime/event-bus';
import type { LaunchQueue } from '../../core/scheduler/launch-queue';
import type { Repository } from '../../runtime/repository';
import type { Scheduler } from '../../runtime/scheduler';
import type { AppService } from './app-service';

/** The leader-election object as the API sees it (src/state's LeaderElection / SingleLeader). */
export interface Leadership {
  isLeader(): boolean;
  /** `host:port` of the current leader, undefined when nobody leads. */
  leader(): string | undefined;
  /** Gives up leadership (DELETE /v2/leader). */
  abdicate(): Promise<void>;
  /**
   * True when this instance holds state it loaded as leader: with no leader known (ZooKeeper
   * quorum lost) it still answers reads from that cache instead of 503.
   */
  hasCachedState?(): boolean;
  /**
   * Resolves true once this instance's current leadership term has loaded the state and started
   * its scheduler; false when it stops leading or `timeoutMs` passes first. Absent: a leader is
   * ready as soon as it is elected.
   */
  takenOver?(timeoutMs: number): Promise<boolean>;
}

/** An OpenVNet network as the API needs it (uuid, subnet). */
export interface VnetNetwork { uuid: string; displayName: string; ipv4Network: string; ipv4Prefix: number }

export interface NetworkDirectory {
  listNetworks(): Promise<VnetNetwork[]>;
  /** Networks with their lease-policy pools and lease counts (GET /v2/networks DHCP pools). */
  listUsage?(): Promise<NetworkUsage[]>;
}

/** Values /v2/info reports (spec §6.3). */
export interface InfoConfig {
  master: string;
  failoverTimeoutSeconds: number;
  frameworkName: string;
  hostname: string;
  httpPort: number;
  /** The bound HTTPS port when HTTPS is on, else the --https_port default (Marathon reports it either way). */
  httpsPort: number;
  mesosRole: string;
  mesosUser: string;
  mesosBridgeName: string;
  /** `--local_port_min`/`--local_port_max` (default 10000/20000). */
  localPortMin?: number;
  localPortMax?: number;
  reconciliationInitialDelayMs: number;
  reconciliationIntervalMs: number;
  taskLaunchTimeoutMs: number;
  mesosLeaderUiUrl: string;
  webuiUrl: string | null;
  zk: string | null;
  zkMaxVersions: number;
  /** zookeeper_config of /v2/info: the zk_* values in effect (defaults when absent). */
  zookeeperConfig?: Record<string, string | number | boolean | null>;
  buildref: string;
  /** `--access_control_allow_origin` origins; null when CORS is off. */
  accessControlAllowOrigin?: string[] | null;
}

/**
 * A non-leader hands requests to this hook (HA forwarding, a later issue). Return true when the
 * request was answered; false lets the local handler answer 503.
 */
export type ForwardHook = (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply, leader: string) => Promise<boolean>;

export interface ApiContext {
  repo: Repository;
  scheduler: Scheduler;
  runner: DeploymentRunner;
  service: AppService;
  bus: EventBus;
  queue: LaunchQueue;
  leadership: Leadership;
  forward?: ForwardHook;
  info: InfoConfig;
  metrics: Registry;
  networks?: NetworkDirectory;
  agentLink: string | null;
  now: () => number;
}
