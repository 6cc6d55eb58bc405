// Local mode: everything a cluster provides, in one process on one machine — the network node
// (OpenVNet-compatible API, bridges, dnsmasq, CNI configs, the isolator that spawns the real
// vnet-driver as Mesos does), a Mesos-compatible master with one exec agent using the isolator
// as its container hooks, and the Marathon API + scheduler on a file store. close() takes it all
// down in reverse: API, master (tasks killed, DEL per interface), leftovers, fabric, OpenVNet.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { execAgent } from '../sim/mesos/exec-agent';
import { LocalMaster } from '../sim/mesos/master';
import type { AgentResources } from '../sim/mesos/resources';
import type { Run } from './exec';
import type { BridgeType } from './fabric';
import { AGENT_LINK_NETWORK, Cleanups, startNetworkNode, type DockerStatus } from './network-node';
import { NotingAgent } from './noting-agent';
import { assertPortsFree } from './port-check';

export { DEFAULT_NETWORKS_FILE } from './network-node';

/** The options local mode gives `serve` (a subset of src/cli/serve's ServeOptions). */
export interface LocalServeOptions {
  master: string;
  httpPort: number;
  listenHost: string;
  hostname: string;
  state: string;
  openvnet: string;
  agentLink: string;
  ui: boolean;
  logger: Logger | false;
  reconciliationInitialDelayMs: number;
}

/** serve's start: src/cli/serve's startServe, passed in by the CLI (the runner sits below the CLI). */
export type StartServe = (o: LocalServeOptions) => Promise<{ url: string; close(): Promise<void> }>;

export interface LocalOptions {
  startServe: StartServe;
  dataDir: string;
  httpHost: string;
  httpPort: number;
  vnetHost: string;
  vnetPort: number;
  mesosPort: number;
  bridgeType: BridgeType;
  docker: boolean;
  networksFile: string;
  ui: boolean;
  /** serve's pino logger (false = silent) */
  logger: Logger | false;
  /** progress lines for the console */
  say: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  run?: Run;
  driverBin?: string;
  resources?: AgentResources;
  /** LocalMaster allocation cycle; default 250 ms (one machine, no reason to wait 1 s) */
  allocationIntervalMs?: number;
}

export interface LocalHandle {
  tag: string;
  dataDir: string;
  apiUrl: string;
  vnetUrl: string;
  mesosUrl: string;
  fabricNetns: string;
  bridgeType: BridgeType;
  bridges: { network: string; bridge: string; dhcp: string | null }[];
  cniConfigDir: string;
  pluginDir: string;
  docker: DockerStatus;
  close(): Promise<void>;
}

export function defaultResources(): AgentResources {
  return {
    cpus: Math.max(2, os.cpus().length),
    mem: Math.max(1024, Math.floor((os.totalmem() / 1048576) * 0.8)),
    disk: 20_000,
    ports: [[31000, 32000]],
  };
}

export async function startLocal(o: LocalOptions): Promise<LocalHandle> {
  let networks: unknown;
  try {
    networks = JSON.parse(fs.readFileSync(o.networksFile, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the networks file ${o.networksFile}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Before anything is created: a taken port refuses the start with nothing left behind.
  await assertPortsFree([
    { host: o.httpHost, port: o.httpPort }, { host: o.vnetHost, port: o.vnetPort }, { host: '127.0.0.1', port: o.mesosPort },
  ]);
  const node = await startNetworkNode({
    dataDir: o.dataDir, vnetHost: o.vnetHost, vnetPort: o.vnetPort, bridgeType: o.bridgeType, docker: o.docker,
    networks, say: o.say, env: o.env, run: o.run, driverBin: o.driverBin,
  });
  const cleanups = new Cleanups();
  cleanups.push('network node', () => node.close());
  try {
    const agent = execAgent({
      resources: o.resources ?? defaultResources(),
      hostname: os.hostname(),
      ip: '127.0.0.1',
      workDir: path.join(node.dataDir, 'agent'),
      hooks: node.isolator,
    });
    const master = new LocalMaster({
      agents: [new NotingAgent(agent, (fw, task) => node.isolator.noteFor(fw, task))],
      allocationIntervalMs: o.allocationIntervalMs ?? 250,
    });
    await master.listen(o.mesosPort, '127.0.0.1');
    cleanups.push('Mesos-compatible master', () => master.close());

    const serve = await o.startServe({
      master: master.url,
      httpPort: o.httpPort,
      listenHost: o.httpHost,
      hostname: o.httpHost === '0.0.0.0' ? os.hostname() : o.httpHost,
      state: `file:${path.join(node.dataDir, 'state')}`,
      openvnet: node.vnetLocalUrl,
      agentLink: AGENT_LINK_NETWORK,
      ui: o.ui,
      logger: o.logger,
      reconciliationInitialDelayMs: 2000,
    });
    cleanups.push('API', () => serve.close());

    return {
      tag: node.tag, dataDir: node.dataDir, apiUrl: serve.url, vnetUrl: node.vnetUrl, mesosUrl: master.url,
      fabricNetns: node.fabric.netns,
      bridgeType: o.bridgeType,
      bridges: node.fabric.networks.map((n) => ({ network: n.networkUuid, bridge: n.bridge, dhcp: n.dhcp === null ? null : `${n.dhcp.ip}/${n.dhcp.prefix}` })),
      cniConfigDir: node.cniConfigDir, pluginDir: node.pluginDir, docker: node.docker,
      close: () => cleanups.run(),
    };
  } catch (err) {
    await cleanups.run().catch((e: unknown) => o.say(`warning: ${e instanceof Error ? e.message : String(e)}`));
    throw err;
  }
}
