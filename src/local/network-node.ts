// The networking half of local mode, as an agent host would have it: the embedded
// OpenVNet-compatible API (init file applied, state in the data dir), the fabric (bridges,
// dnsmasq per DHCP network), one CNI config per network and the CNI isolator that the exec
// agent uses as its container hooks. run-local.ts adds the master, agent and API on top; the
// integration tests use this alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { applyInitFile, createVnetApiServer, getVnetModel } from '../sim/openvnet/server';
import { driverConfig, leasePolicyFor, loadConfigDir, preparePluginDir, writeConfigDir } from './cni-config';
import type { CniConfig } from './cni-invocation';
import { CniIsolator } from './cni-isolator';
import type { Logger } from '../lib/log';
import { lockDataDir } from './data-dir-lock';
import { dhcpHostsByNetwork, dhcpServices, type DhcpHost } from './dhcp-hosts';
import { dockerEndpoint, DockerRuntime, pingDocker } from './docker-runtime';
import { spawnRun, type Run } from './exec';
import { Fabric, sweepFabric, type BridgeType } from './fabric';
import { instanceTag } from './names';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const DEFAULT_NETWORKS_FILE = path.join(REPO_ROOT, 'samples', 'openvnet', 'networks.json');
export const DRIVER_BIN = path.join(REPO_ROOT, 'driver', 'bin', 'vnet-driver.js');
export const AGENT_LINK_NETWORK = 'vnet-agent-link';

export interface NetworkNodeOptions {
  dataDir: string;
  vnetHost: string;
  vnetPort: number;
  bridgeType: BridgeType;
  /** try a Docker engine for image tasks (DOCKER_HOST or /var/run/docker.sock) */
  docker: boolean;
  /** OpenVNet init spec (the parsed networks file) */
  networks: unknown;
  say: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  run?: Run;
  driverBin?: string;
  /** default: derived from the data dir */
  tag?: string;
}

export type DockerStatus = { endpoint: string } | { reason: string };

export interface NetworkNode {
  tag: string;
  dataDir: string;
  vnet: FastifyInstance;
  /** as listened on */
  vnetUrl: string;
  /** as the driver reaches it (loopback when listening on 0.0.0.0) */
  vnetLocalUrl: string;
  fabric: Fabric;
  isolator: CniIsolator;
  configs: ReadonlyMap<string, CniConfig>;
  cniConfigDir: string;
  pluginDir: string;
  docker: DockerStatus;
  /** cleans every container left, then the fabric, then the OpenVNet API */
  close(): Promise<void>;
}

function listenUrl(server: FastifyInstance, host: string): string {
  const addr = server.server.address();
  const port = addr !== null && typeof addr === 'object' ? addr.port : 0;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** MAC → IP pairs per network that DHCP may hand out (the services' own interfaces excluded). */
export function hostsForDhcp(server: FastifyInstance): Map<string, DhcpHost[]> {
  const state = getVnetModel(server).state;
  const own = new Set(dhcpServices(state).map((s) => s.interfaceUuid));
  return dhcpHostsByNetwork(state, own);
}

async function detectDocker(o: NetworkNodeOptions, run: Run, env: NodeJS.ProcessEnv, dataDir: string): Promise<{ runtime: DockerRuntime | null; status: DockerStatus }> {
  if (!o.docker) return { runtime: null, status: { reason: 'disabled (--no-docker)' } };
  const ep = dockerEndpoint(env);
  if (ep === null) return { runtime: null, status: { reason: 'no Docker engine (DOCKER_HOST unset, no /var/run/docker.sock)' } };
  if (!(await pingDocker(ep))) return { runtime: null, status: { reason: `the Docker engine at ${ep.host} does not answer` } };
  const rt = new DockerRuntime(run, ep);
  try {
    await rt.ensurePauseImage(path.join(dataDir, 'docker'));
    return { runtime: rt, status: { endpoint: ep.host } };
  } catch (err) {
    return { runtime: null, status: { reason: `the Docker engine at ${ep.host} is unusable: ${err instanceof Error ? err.message : String(err)}` } };
  }
}

export class Cleanups {
  private readonly steps: { what: string; fn: () => Promise<void> }[] = [];

  push(what: string, fn: () => Promise<void>): void {
    this.steps.push({ what, fn });
  }

  /** Runs every step, last pushed first, and reports all failures together. */
  async run(): Promise<void> {
    const errors: string[] = [];
    while (this.steps.length > 0) {
      const s = this.steps.pop() as { what: string; fn: () => Promise<void> };
      try {
        await s.fn();
      } catch (err) {
        errors.push(`${s.what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (errors.length > 0) throw new Error(`shutdown incomplete: ${errors.join('; ')}`);
  }
}

export async function startNetworkNode(o: NetworkNodeOptions): Promise<NetworkNode> {
  const run = o.run ?? spawnRun;
  const env = o.env ?? process.env;
  const dataDir = path.resolve(o.dataDir);
  // The path ends up in CNI configs (stateDir) and the plugin accepts only plain characters.
  if (!/^\/[A-Za-z0-9_.\/:@+-]*$/.test(dataDir) || dataDir.length > 200) {
    throw new Error(`the data dir ${JSON.stringify(dataDir)} may contain only letters, digits and _ . / : @ + - (at most 200 characters), as vnet-driver accepts for its state dir; choose another with --data-dir`);
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const tag = o.tag ?? instanceTag(dataDir);
  const log: Pick<Logger, 'info' | 'warn'> = { info: (_o, m) => o.say(m ?? ''), warn: (_o, m) => o.say(`warning: ${m ?? ''}`) };
  // Before any clean-up of "an earlier run": that run may still be alive.
  const lock = lockDataDir(dataDir);
  const cleanups = new Cleanups();
  cleanups.push('data dir claim', async () => lock.release());
  try {
    // OpenVNet-compatible API, initialised from the networks spec, state kept in the data dir.
    fs.mkdirSync(path.join(dataDir, 'openvnet'), { recursive: true });
    const vnet = createVnetApiServer({ stateFile: path.join(dataDir, 'openvnet', 'state.json') });
    await applyInitFile(vnet, o.networks);
    let fabric: Fabric | null = null;
    // OpenVNet's DHCP answers only leased addresses: every change reaches dnsmasq before the
    // response does, so the driver's DHCP client (started after its lease call) is served.
    vnet.addHook('onSend', async (req, reply, payload) => {
      if (fabric !== null && req.method !== 'GET' && reply.statusCode < 400) {
        try {
          await fabric.reloadDhcp(hostsForDhcp(vnet));
        } catch (err) {
          log.warn({}, `DHCP reload failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return payload;
    });
    await vnet.listen({ host: o.vnetHost, port: o.vnetPort });
    cleanups.push('OpenVNet API', () => vnet.close());
    const vnetUrl = listenUrl(vnet, o.vnetHost);
    const vnetLocalUrl = listenUrl(vnet, o.vnetHost === '0.0.0.0' ? '127.0.0.1' : o.vnetHost);

    // The agent's CNI side: plugin dir, Docker, isolator; orphans of a crashed run go first.
    const pluginDir = path.join(dataDir, 'cni-bin');
    const cniConfigDir = path.join(dataDir, 'cni');
    preparePluginDir(pluginDir, o.driverBin ?? DRIVER_BIN);
    const docker = await detectDocker(o, run, env, dataDir);
    let configs = new Map<string, CniConfig>();
    const pathEnv = [path.dirname(process.execPath), env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'].join(':');
    const isolator = new CniIsolator({
      tag, configs: () => configs, pluginDir, checkpointDir: path.join(dataDir, 'containers'),
      skipNetworks: new Set([AGENT_LINK_NETWORK]), run, docker: docker.runtime, pathEnv, log,
    });
    const orphans = await isolator.recover().catch(() => ({ cleaned: [] as string[], failed: [] as string[] }));
    if (orphans.cleaned.length > 0) o.say(`cleaned up ${orphans.cleaned.length} container(s) left by an earlier run`);
    const fabricDir = path.join(dataDir, 'fabric');
    const swept = await sweepFabric(tag, fabricDir, run);
    if (swept.length > 0) o.say(`removed leftovers of an earlier run: ${swept.join(', ')}`);

    // The fabric: one bridge per network, dnsmasq per DHCP network.
    const state = getVnetModel(vnet).state;
    const services = dhcpServices(state);
    const networks = state.networks.filter((n) => n.isDeleted === 0).sort((a, b) => a.id - b.id)
      .map((n) => ({ uuid: n.uuid, dhcp: services.find((s) => s.networkUuid === n.uuid) ?? null }));
    const f = new Fabric({ tag, dir: fabricDir, bridgeType: o.bridgeType, networks, run });
    cleanups.push('fabric', () => f.down());
    await f.up(hostsForDhcp(vnet));
    fabric = f;

    // One CNI config per network, read back as a Mesos agent reads its config dir.
    writeConfigDir(cniConfigDir, f.networks.map((n) => driverConfig({
      network: n, bridgeType: o.bridgeType, fabricNetnsPath: f.netnsPath, ovsDb: f.ovsDb, openvnetUrl: vnetLocalUrl,
      leasePolicy: leasePolicyFor(state, n.networkUuid), stateDir: path.join(dataDir, 'driver'),
      displayName: `marathon-vnet local ${tag}`,
    })));
    const loaded = loadConfigDir(cniConfigDir, pluginDir);
    for (const s of loaded.skipped) log.warn({}, `CNI config ${s.file} skipped: ${s.reason}`);
    configs = loaded.configs;
    cleanups.push('containers', async () => {
      const left = await isolator.recover();
      if (left.failed.length > 0) throw new Error(`could not clean up containers ${left.failed.join(', ')}`);
    });

    return {
      tag, dataDir, vnet, vnetUrl, vnetLocalUrl, fabric: f, isolator, configs, cniConfigDir, pluginDir, docker: docker.status,
      close: () => cleanups.run(),
    };
  } catch (err) {
    await cleanups.run().catch((e: unknown) => log.warn({}, e instanceof Error ? e.message : String(e)));
    throw err;
  }
}
