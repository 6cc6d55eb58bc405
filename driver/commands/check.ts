// CNI CHECK (>= 0.4.0): the attachment recorded by ADD must still be what prevResult says.
import { hostIfName } from '../cni/names';
import type { DriverDeps } from '../deps';
import { ipv4Addresses, ipv4Routes, showLink } from '../plumb/ip';
import { netnsInode } from '../plumb/netns';
import { portBridge } from '../plumb/ovs';
import { logPath, readLog } from '../state/step-log';
import type { NetConf } from '../cni/config';
import { CniError, CNI_CODES } from '../cni/errors';
import type { CurrentResult } from '../cni/result';
import type { CniEnv } from '../cni/env';

const fail = (details: string): CniError => new CniError(CNI_CODES.CHECK_FAILED, 'check failed', details);

export async function cmdCheck(deps: DriverDeps, env: CniEnv, conf: NetConf, prev: CurrentResult): Promise<void> {
  const hostIf = hostIfName(conf.mode, env.containerId, env.ifName);
  const log = readLog(logPath(conf.stateDir, hostIf));
  if (log === null || !log.committed) throw fail(`no attachment of ${env.containerId} ${env.ifName}`);
  const netns = env.netns as string;
  if (netnsInode(netns) === null) throw new CniError(CNI_CODES.UNKNOWN_CONTAINER, 'container network namespace does not exist', netns);
  const name = log.header.containerIfName;
  const link = await showLink(deps.run, netns, name);
  if (link === null) throw fail(`${name} is missing in ${netns}`);
  if (!link.up) throw fail(`${name} is down`);
  const prevIf = prev.interfaces.findIndex((i) => i.name === name && (i.sandbox === undefined || i.sandbox === netns));
  const expectMac = prevIf >= 0 ? prev.interfaces[prevIf].mac : undefined;
  if (expectMac !== undefined && link.mac !== expectMac.toLowerCase()) throw fail(`${name} has MAC ${link.mac}, expected ${expectMac}`);
  const have = await ipv4Addresses(deps.run, netns, name);
  for (const ip of prev.ips) {
    if (ip.interface !== undefined && prevIf >= 0 && ip.interface !== prevIf) continue;
    if (!have.includes(ip.address)) throw fail(`${name} lacks ${ip.address} (has ${have.join(',') || 'none'})`);
  }
  const routes = await ipv4Routes(deps.run, netns);
  for (const r of prev.routes) {
    const dst = r.dst === '0.0.0.0/0' ? 'default' : r.dst.replace(/\/32$/, '');
    if (!routes.some((x) => x.dst === dst && (r.gw === undefined || x.gateway === r.gw))) throw fail(`route ${r.dst} is missing`);
  }
  const host = await showLink(deps.run, conf.hostNetns, hostIf);
  if (host === null) throw fail(`host end ${hostIf} is missing`);
  if (conf.mode === 'vif' && conf.bridge !== null) {
    const bridge = conf.bridgeType === 'ovs' ? await portBridge(deps.run, conf.ovsDb, hostIf) : host.master;
    if (bridge !== conf.bridge) throw fail(`${hostIf} is not on bridge ${conf.bridge}`);
  }
  if (conf.mode === 'vif' && conf.openvnet !== null) {
    const rec = await deps.registry(conf.openvnet).getInterface(hostIf);
    if (rec === null) throw fail(`OpenVNet has no interface ${hostIf}`);
    if (rec.mac !== null && rec.mac !== link.mac) throw fail(`OpenVNet records MAC ${rec.mac} for ${hostIf}, the interface has ${link.mac}`);
    if (rec.ipv4 !== null && !have.some((a) => a.split('/')[0] === rec.ipv4)) throw fail(`OpenVNet leases ${rec.ipv4} to ${hostIf}, the interface lacks it`);
  }
}
