// The local "physical" network: a fabric namespace holding one bridge per OpenVNet network
// (Linux bridge, or a private OVS with the userspace datapath), and for each network with a
// DHCP service a namespace whose eth0 carries the service's MAC and address, joined to the bridge
// by a veth and running dnsmasq. The host's own links and routes are never touched: networks
// that share a subnet (nw-vnet1 and nw-vnet2 are both 10.0.0.0/24) stay apart because nothing
// routes between bridges. Deleting the fabric namespace removes every bridge and veth at once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DhcpHost, DhcpService } from './dhcp-hosts';
import { DhcpServer } from './dhcp-server';
import { runOk, type Run } from './exec';
import { fabricNetns, isOwnNetns, networkNames, type NetworkNames } from './names';
import { addNetns, delNetns, killNetnsProcesses, listNetns, netnsPath } from './netns';
import { PrivateOvs } from './ovs';

export type BridgeType = 'linux' | 'ovs';

export interface FabricNetwork {
  uuid: string;
  /** its DHCP service, when it has one */
  dhcp: DhcpService | null;
}

export interface FabricOptions {
  tag: string;
  /** dnsmasq and OVS files go below this */
  dir: string;
  bridgeType: BridgeType;
  networks: readonly FabricNetwork[];
  run: Run;
}

export interface FabricNetworkView extends NetworkNames {
  dhcp: DhcpService | null;
  dhcpServer: DhcpServer | null;
}

export class Fabric {
  readonly netns: string;
  readonly networks: FabricNetworkView[];
  private ovs: PrivateOvs | null = null;

  constructor(private readonly opts: FabricOptions) {
    this.netns = fabricNetns(opts.tag);
    const names = networkNames(opts.tag, opts.networks.map((n) => n.uuid));
    this.networks = names.map((n, i) => {
      const dhcp = opts.networks[i].dhcp;
      return {
        ...n,
        dhcp,
        dhcpServer: dhcp === null ? null : new DhcpServer({
          netns: n.dhcpNetns, ifName: 'eth0', serverIp: dhcp.ip, prefix: dhcp.prefix,
          dir: path.join(opts.dir, 'dhcp', n.networkUuid), run: opts.run,
        }),
      };
    });
  }

  get netnsPath(): string {
    return netnsPath(this.netns);
  }

  /** unix:… of the private ovsdb (--ovs), else null. */
  get ovsDb(): string | null {
    return this.ovs?.db ?? null;
  }

  /** Builds everything; on failure tears down what was built and rethrows. */
  async up(hosts: ReadonlyMap<string, readonly DhcpHost[]>): Promise<void> {
    const { run } = this.opts;
    try {
      await addNetns(run, this.netns);
      if (this.opts.bridgeType === 'ovs') {
        this.ovs = new PrivateOvs(path.join(this.opts.dir, 'ovs'), this.netns, run);
        await this.ovs.start();
      }
      for (const n of this.networks) {
        if (this.ovs !== null) await this.ovs.addBridge(n.bridge, n.dpid);
        else await runOk(run, 'ip', ['-n', this.netns, 'link', 'add', n.bridge, 'type', 'bridge']);
        await runOk(run, 'ip', ['-n', this.netns, 'link', 'set', n.bridge, 'up']);
        if (n.dhcp !== null && n.dhcpServer !== null) {
          await this.plugDhcp(n, n.dhcp);
          await n.dhcpServer.start(hosts.get(n.networkUuid) ?? []);
        }
      }
    } catch (err) {
      await this.down().catch(() => undefined);
      throw err;
    }
  }

  private async plugDhcp(n: NetworkNames, dhcp: DhcpService): Promise<void> {
    const { run } = this.opts;
    await addNetns(run, n.dhcpNetns);
    await runOk(run, 'ip', ['-n', this.netns, 'link', 'add', n.dhcpVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.dhcpNetns]);
    if (this.ovs !== null) await this.ovs.addPort(n.bridge, n.dhcpVeth);
    else await runOk(run, 'ip', ['-n', this.netns, 'link', 'set', n.dhcpVeth, 'master', n.bridge]);
    await runOk(run, 'ip', ['-n', this.netns, 'link', 'set', n.dhcpVeth, 'up']);
    await runOk(run, 'ip', ['-n', n.dhcpNetns, 'link', 'set', 'eth0', 'address', dhcp.mac]);
    await runOk(run, 'ip', ['-n', n.dhcpNetns, 'addr', 'add', `${dhcp.ip}/${dhcp.prefix}`, 'dev', 'eth0']);
    await runOk(run, 'ip', ['-n', n.dhcpNetns, 'link', 'set', 'eth0', 'up']);
  }

  /** Gives every DHCP server its network's current MAC → IP pairs (resolves once all re-read). */
  async reloadDhcp(hosts: ReadonlyMap<string, readonly DhcpHost[]>): Promise<void> {
    await Promise.all(this.networks.map((n) => n.dhcpServer?.reload(hosts.get(n.networkUuid) ?? []) ?? Promise.resolve()));
  }

  /** dnsmasq pids (for the start-up banner and tests). */
  dhcpPids(): number[] {
    return this.networks.map((n) => n.dhcpServer?.pid() ?? null).filter((p): p is number => p !== null);
  }

  /** Stops DHCP servers and OVS, deletes DHCP namespaces and the fabric namespace. Idempotent. */
  async down(): Promise<void> {
    const errors: string[] = [];
    for (const n of this.networks) await n.dhcpServer?.stop().catch((e: unknown) => errors.push(String(e)));
    if (this.ovs !== null) await this.ovs.stop().catch((e: unknown) => errors.push(String(e)));
    for (const n of this.networks) await delNetns(this.opts.run, n.dhcpNetns).catch((e: unknown) => errors.push(String(e)));
    await delNetns(this.opts.run, this.netns).catch((e: unknown) => errors.push(String(e)));
    if (errors.length > 0) throw new Error(`fabric teardown incomplete: ${errors.join('; ')}`);
  }
}

/**
 * Leftovers of a crashed earlier run with the same tag: dnsmasq and OVS daemons found through
 * their pid files under `dir`, then every namespace carrying the tag (containers included).
 */
export async function sweepFabric(tag: string, dir: string, run: Run): Promise<string[]> {
  const removed: string[] = [];
  const dhcpRoot = path.join(dir, 'dhcp');
  let nets: string[] = [];
  try {
    nets = fs.readdirSync(dhcpRoot);
  } catch {
    nets = [];
  }
  for (const nw of nets) {
    const server = new DhcpServer({ netns: 'unused', ifName: 'eth0', serverIp: '0.0.0.0', prefix: 0, dir: path.join(dhcpRoot, nw), run });
    if (server.pid() !== null) {
      await server.stop();
      removed.push(`dnsmasq ${nw}`);
    }
  }
  if (fs.existsSync(path.join(dir, 'ovs'))) {
    await new PrivateOvs(path.join(dir, 'ovs'), fabricNetns(tag), run).stop().catch(() => undefined);
  }
  for (const ns of await listNetns(run)) {
    if (isOwnNetns(tag, ns)) {
      await killNetnsProcesses(run, ns).catch(() => 0);
      await delNetns(run, ns);
      removed.push(`netns ${ns}`);
    }
  }
  return removed;
}
