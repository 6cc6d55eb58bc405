// `vnet-driver attach|detach`: the CNI operations against a netns path or a container PID
// (Docker / ovs-docker style). The interface spec travels through the same Mesos-label reader
// as a CNI ADD, so the CLI validates exactly like the plugin.
import { createHash } from 'node:crypto';
import { attach } from '../core/attach';
import { detach } from '../core/detach';
import { parseNetConf } from '../cni/config';
import { CniError, CNI_CODES, invalidConfig } from '../cni/errors';
import { readInterfaceSpec } from '../cni/interface-spec';
import { isContainerId, isInterfaceName, isSafePath } from '../cni/names';
import { toCniResult, type WireResult } from '../cni/result';
import type { DriverDeps } from '../deps';
import { pidNetns } from '../plumb/netns';
import { loadConfigFile } from './config-dir';

export interface TargetOptions { netns?: string; pid?: string; containerId?: string; network: string; ifname: string; config: string }
export interface AttachOptions extends TargetOptions {
  static?: string;
  gateway?: string;
  dhcp?: boolean;
  mac?: string;
  route?: string[];
  mtu?: string;
}

interface Target { netns: string | null; pid: number | null; containerId: string }

export function resolveTarget(o: TargetOptions): Target {
  if (o.netns !== undefined && o.pid !== undefined) throw invalidConfig('give --netns or --pid, not both');
  let netns: string | null = null;
  let pid: number | null = null;
  if (o.pid !== undefined) {
    if (!/^[1-9]\d{0,9}$/.test(o.pid)) throw invalidConfig('--pid: a process id');
    pid = Number(o.pid);
    netns = pidNetns(pid);
  } else if (o.netns !== undefined) {
    if (!isSafePath(o.netns)) throw invalidConfig('--netns: an absolute path');
    netns = o.netns;
  }
  let containerId = o.containerId;
  if (containerId === undefined) {
    if (pid !== null) containerId = `pid-${pid}`;
    else if (netns !== null) containerId = `ns-${createHash('sha256').update(netns).digest('hex').slice(0, 16)}`;
    else throw invalidConfig('give --netns, --pid or --container-id');
  }
  if (!isContainerId(containerId)) throw invalidConfig('--container-id: [A-Za-z0-9][A-Za-z0-9_.-]*');
  if (!isInterfaceName(o.ifname)) throw invalidConfig('--ifname: 1-15 of [A-Za-z0-9_.-], not lo');
  return { netns, pid, containerId };
}

/** The CLI flags as the Mesos labels the plugin reads. */
export function flagsToLabels(o: AttachOptions): { key: string; value: string }[] {
  if (o.dhcp === true && o.static !== undefined) throw invalidConfig('--dhcp and --static exclude each other');
  const labels = [{ key: 'vnet.interface', value: o.ifname }, { key: 'vnet.bootproto', value: o.static === undefined ? 'dhcp' : 'static' }];
  if (o.static !== undefined) labels.push({ key: 'vnet.address', value: o.static });
  if (o.gateway !== undefined) labels.push({ key: 'vnet.gateway', value: o.gateway });
  if (o.mac !== undefined) labels.push({ key: 'vnet.mac', value: o.mac });
  if (o.mtu !== undefined) labels.push({ key: 'vnet.mtu', value: o.mtu });
  if (o.route !== undefined && o.route.length > 0) {
    const routes = o.route.map((r) => {
      const [destination, gateway] = r.split('=');
      return gateway === undefined ? { destination } : { destination, gateway };
    });
    labels.push({ key: 'vnet.routes', value: JSON.stringify(routes) });
  }
  return labels;
}

export async function cliAttach(deps: DriverDeps, o: AttachOptions): Promise<WireResult> {
  const t = resolveTarget(o);
  if (t.netns === null) throw new CniError(CNI_CODES.INVALID_ENV, 'attach needs --netns or --pid');
  const raw = loadConfigFile(o.config);
  raw.name = o.network;
  raw.args = { 'org.apache.mesos': { network_info: { name: o.network, labels: { labels: flagsToLabels(o) } } } };
  const { conf } = parseNetConf(raw, { hostName: deps.hostName });
  const spec = readInterfaceSpec({ raw: conf.raw, networkName: conf.name, containerId: t.containerId, ifName: o.ifname, cniArgs: undefined });
  const result = await attach(deps, { conf, containerId: t.containerId, ifName: o.ifname, netns: t.netns, pid: t.pid, spec });
  return { ...toCniResult(result, conf.cniVersion), containerId: t.containerId };
}

export async function cliDetach(deps: DriverDeps, o: TargetOptions): Promise<void> {
  const t = resolveTarget(o);
  const raw = loadConfigFile(o.config);
  raw.name = o.network;
  const { conf } = parseNetConf(raw, { lenient: true, hostName: deps.hostName });
  await detach(deps, { conf, containerId: t.containerId, ifName: o.ifname });
}
