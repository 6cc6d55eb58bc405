// `vnet-driver setup`: prepare an agent once — the bridge with the datapath id, the datapath
// record in OpenVNet, one CNI config per OpenVNet network and the agent-link config.
import * as fs from 'node:fs';
import { parseNetConf, type BridgeType, type DhcpClientKind } from '../cni/config';
import { invalidConfig } from '../cni/errors';
import { isIPv4 } from '../../src/lib/ipv4';
import { isInterfaceName, isOpenVnetUuid, isSafePath, isToken, networkBridgeName, parseDpid } from '../cni/names';
import type { DriverDeps } from '../deps';
import { createLinuxBridge } from '../plumb/bridge-linux';
import { createBridge } from '../plumb/ovs';
import { writeConfig } from './config-dir';

export interface SetupOptions {
  bridge: string;
  bridgeType: string;
  openvnet: string;
  datapath: string;
  dpid: string;
  nodeId: string;
  configDir: string;
  agentAddress?: string;
  hostNetns?: string;
  ovsDb?: string;
  stateDir?: string;
  dhcpClient?: string;
  networks?: string;
  datapathType?: string;
  displayName?: string;
}

export interface SetupReport { bridge: string; datapath: string; dpid: string; files: string[]; bridges: Record<string, string> }

export const AGENT_LINK_NAME = 'vnet-agent-link';

export async function cliSetup(deps: DriverDeps, o: SetupOptions): Promise<SetupReport> {
  const problems: string[] = [];
  if (!isInterfaceName(o.bridge)) problems.push('--bridge: interface name');
  if (o.bridgeType !== 'ovs' && o.bridgeType !== 'linux') problems.push('--bridge-type: ovs or linux');
  if (!isOpenVnetUuid('dp', o.datapath)) problems.push('--datapath: dp-[a-z0-9]{1,16}');
  const dpid = parseDpid(o.dpid);
  if (dpid === null) problems.push('--dpid: up to 16 hex digits');
  if (!isToken(o.nodeId)) problems.push('--node-id: [A-Za-z0-9_.-]{1,64}');
  if (!isSafePath(o.configDir)) problems.push('--config-dir: absolute path');
  if (o.agentAddress !== undefined && !isIPv4(o.agentAddress)) problems.push('--agent-address: IPv4 address');
  if (o.datapathType !== undefined && o.datapathType !== 'netdev' && o.datapathType !== 'system') problems.push('--datapath-type: netdev or system');
  const wanted = o.networks === undefined ? null : o.networks.split(',').filter((n) => n !== '');
  if (wanted !== null && !wanted.every((n) => isOpenVnetUuid('nw', n))) problems.push('--networks: nw-… uuids, comma separated');
  if (problems.length > 0) throw invalidConfig(problems.join('; '));

  const base: Record<string, unknown> = {
    cniVersion: '0.2.0', type: 'vnet-driver', bridge: o.bridge, bridgeType: o.bridgeType as BridgeType,
    openvnet: { url: o.openvnet, datapath: o.datapath, dpid, nodeId: o.nodeId, ...(o.displayName === undefined ? {} : { displayName: o.displayName }) },
    dhcp: { client: (o.dhcpClient ?? 'udhcpc') as DhcpClientKind, timeoutMs: 5000 },
    ...(o.stateDir === undefined ? {} : { stateDir: o.stateDir }),
    ...(o.hostNetns === undefined ? {} : { hostNetns: o.hostNetns }),
    ...(o.ovsDb === undefined ? {} : { ovsDb: o.ovsDb }),
  };
  // Validate the shared part through the plugin's own parser before touching anything.
  const { conf } = parseNetConf({ ...base, name: 'nw-setup' }, { hostName: deps.hostName });
  const ov = conf.openvnet;
  if (ov === null) throw invalidConfig('--openvnet: URL');

  if (conf.bridgeType === 'ovs') {
    const type = (o.datapathType ?? (fs.existsSync('/sys/module/openvswitch') ? 'system' : 'netdev')) as 'netdev' | 'system';
    await createBridge(deps.run, conf.ovsDb, o.bridge, ov.dpid.slice(2), type);
  }
  const registry = deps.registry(ov);
  await registry.ensureDatapath(ov);

  // OVS: one bridge, OpenVNet's vna keeps the networks apart. A Linux bridge has no such agent,
  // so every network gets its own bridge (networks may even share a subnet, nw-vnet1/nw-vnet2).
  const networks = (await registry.networks()).filter((nw) => (wanted === null || wanted.includes(nw.uuid)) && isOpenVnetUuid('nw', nw.uuid));
  const bridges = new Map(networks.map((nw) => [nw.uuid, conf.bridgeType === 'ovs' ? o.bridge : networkBridgeName(o.bridge, nw.uuid)]));
  if (conf.bridgeType === 'linux' && new Set(bridges.values()).size !== bridges.size) throw invalidConfig(`--bridge ${o.bridge}: two networks would share one Linux bridge; choose a shorter --bridge`);
  const files: string[] = [];
  for (const nw of networks) {
    const bridge = bridges.get(nw.uuid) as string;
    if (conf.bridgeType === 'linux') await createLinuxBridge(deps.run, conf.hostNetns, bridge, null);
    const leasePolicy = await registry.leasePolicyFor(nw.uuid);
    const openvnet = { ...(base.openvnet as Record<string, unknown>), ...(leasePolicy === null ? {} : { leasePolicy }) };
    files.push(writeConfig(o.configDir, nw.uuid, { ...base, bridge, name: nw.uuid, openvnet }));
  }
  if (o.agentAddress !== undefined) {
    files.push(writeConfig(o.configDir, AGENT_LINK_NAME, {
      cniVersion: '0.2.0', name: AGENT_LINK_NAME, type: 'vnet-driver', mode: 'agent-link', agentAddress: o.agentAddress,
      ...(o.stateDir === undefined ? {} : { stateDir: o.stateDir }),
      ...(o.hostNetns === undefined ? {} : { hostNetns: o.hostNetns }),
    }));
  }
  return { bridge: o.bridge, datapath: o.datapath, dpid: ov.dpid, files, bridges: Object.fromEntries(bridges) };
}
