// networkInterfaces ⇄ Mesos NetworkInfo (DESIGN §4). Outbound: one NetworkInfo per interface, in
// order, whose labels carry everything Mesos has no field for (the driver reads them back from
// `args.org.apache.mesos.network_info`). Inbound: TaskStatus network_infos → the task's
// `networkInterfaces` and `ipAddresses`, matched by network name (Mesos reports them from a map
// keyed by name, so positions mean nothing).

import { RESERVED_LABEL_PREFIX, type AppDefinition, type NetworkInterface } from '../apps/types';
import type { IPAddress, Label, NetworkInfo, NetworkProtocol } from '../../mesos/types';
import { parseAddressWithPrefix, parseNetmask, parseSubnet, subnetContains } from '../../lib/ipv4';
import { macAddressesFor } from './mac';

export const LABEL = {
  interface: 'vnet.interface',
  bootproto: 'vnet.bootproto',
  address: 'vnet.address',
  gateway: 'vnet.gateway',
  mac: 'vnet.mac',
  routes: 'vnet.routes',
  mtu: 'vnet.mtu',
  app: 'vnet.app',
  slot: 'vnet.slot',
  agentLink: 'vnet.agent-link',
} as const;


export interface NetworkInfoOptions {
  /** Known networks (for the default prefix length of a static address). */
  networks?: Map<string, { subnet: string }>;
  /** Append the agent-link NetworkInfo with this network name, after the app's interfaces. */
  agentLink?: string;
}

/** A static interface reached toNetworkInfos without an assigned address. */
export class MissingAddressError extends Error {
  readonly code = 'MVN_ERR_ADDRESS_NOT_ASSIGNED';
  constructor(readonly appId: string, readonly slot: number, readonly interfaceName: string) {
    super(`app ${appId} slot ${slot}: static interface ${interfaceName} has no assigned address`);
    this.name = 'MissingAddressError';
  }
}

/**
 * Prefix length of a static interface: netmask, else the `/len` of ipAddress, else the network's
 * prefix when known; undefined when none of these is known.
 */
export function prefixLengthOf(iface: NetworkInterface, networks?: Map<string, { subnet: string }>): number | undefined {
  if (iface.netmask !== undefined) {
    const prefix = parseNetmask(iface.netmask);
    if (prefix !== undefined) return prefix;
  }
  if (iface.ipAddress !== undefined) {
    const parsed = parseAddressWithPrefix(iface.ipAddress);
    if (parsed?.prefix !== undefined) return parsed.prefix;
  }
  const subnet = networks?.get(iface.networkName);
  return subnet === undefined ? undefined : parseSubnet(subnet.subnet)?.prefix;
}

function label(key: string, value: string | undefined): Label[] {
  return value === undefined ? [] : [{ key, value }];
}

/**
 * The NetworkInfos of one task of the app. `assigned` maps interface name → static address
 * (`a.b.c.d`), as assignAddresses returns for the slot. `vnet.address` is `a.b.c.d/len`, or bare
 * `a.b.c.d` when no prefix length is known (no netmask, no OpenVNet network facts).
 */
export function toNetworkInfos(
  app: AppDefinition,
  slot: number,
  assigned: ReadonlyMap<string, string>,
  opts: NetworkInfoOptions = {},
): NetworkInfo[] {
  const macs = macAddressesFor(app, slot);
  const infos = (app.container?.networkInterfaces ?? []).map((iface): NetworkInfo => {
    let address: string | undefined;
    let ipAddress: IPAddress = { protocol: 'IPv4' };
    if (iface.bootproto === 'static') {
      const given = assigned.get(iface.interfaceName);
      if (given === undefined) throw new MissingAddressError(app.id, slot, iface.interfaceName);
      const plain = given.split('/')[0];
      const prefix = prefixLengthOf(iface, opts.networks);
      address = prefix === undefined ? plain : `${plain}/${prefix}`;
      ipAddress = { protocol: 'IPv4', ip_address: plain };
    }
    const labels: Label[] = [
      ...label(LABEL.interface, iface.interfaceName),
      ...label(LABEL.bootproto, iface.bootproto),
      ...label(LABEL.address, address),
      ...label(LABEL.gateway, iface.gateway),
      ...label(LABEL.mac, macs.get(iface.interfaceName)),
      ...label(LABEL.routes, iface.routes.length > 0 ? JSON.stringify(iface.routes.map((r) => ({ destination: r.destination, gateway: r.gateway }))) : undefined),
      ...label(LABEL.mtu, iface.mtu === undefined ? undefined : String(iface.mtu)),
      ...label(LABEL.app, app.id),
      ...label(LABEL.slot, String(slot)),
      ...Object.entries(iface.labels)
        .filter(([key]) => !key.startsWith(RESERVED_LABEL_PREFIX))
        .map(([key, value]) => ({ key, value })),
    ];
    return { name: iface.networkName, ip_addresses: [ipAddress], labels: { labels } };
  });
  if (opts.agentLink !== undefined) {
    infos.push({ name: opts.agentLink, labels: { labels: [{ key: LABEL.agentLink, value: 'true' }] } });
  }
  return infos;
}

/** One entry of a task's `networkInterfaces` (DESIGN §3), as configured plus the DHCP lease. */
export interface TaskNetworkInterface {
  networkName: string;
  interfaceName: string;
  bootproto: string;
  macAddress?: string;
  ipAddress?: string;
  prefixLength?: number;
  gateway?: string;
}

export interface TaskIpAddress { ipAddress: string; protocol: NetworkProtocol }

export interface TaskNetworkView {
  networkInterfaces: TaskNetworkInterface[];
  ipAddresses: TaskIpAddress[];
}

function labelValue(info: NetworkInfo, key: string): string | undefined {
  return info.labels?.labels?.find((l) => l.key === key)?.value;
}

function isAgentLink(info: NetworkInfo, agentLink: string | undefined): boolean {
  return (agentLink !== undefined && info.name === agentLink) || labelValue(info, LABEL.agentLink) === 'true';
}

/**
 * Prefix length of a leased (DHCP) address: the network's prefix when the network is known and
 * the address lies inside its subnet; undefined otherwise (an address outside the subnet means the
 * facts do not describe it).
 */
export function leasePrefixLength(address: string, network: { subnet: string } | undefined): number | undefined {
  if (network === undefined) return undefined;
  const subnet = parseSubnet(network.subnet);
  const addr = parseAddressWithPrefix(address);
  if (subnet === undefined || addr === undefined) return undefined;
  return subnetContains(subnet, addr.address) ? subnet.prefix : undefined;
}

/**
 * A task's networkInterfaces and ipAddresses from the NetworkInfos it was launched with
 * (`configured`, as toNetworkInfos built them) and those its TaskStatus reports (`reported`,
 * `container_status.network_infos`). Entries are matched by network name, never by position; the
 * agent link is left out of both lists. A leased (DHCP) address gets the `prefixLength` of its
 * network from `opts.networks` when known (see leasePrefixLength). `ipAddresses` follow the configured order and contain only
 * what Mesos reported.
 */
export function fromStatusNetworkInfos(
  configured: readonly NetworkInfo[],
  reported: readonly NetworkInfo[] | undefined,
  opts: { agentLink?: string; networks?: Map<string, { subnet: string }> } = {},
): TaskNetworkView {
  const byName = new Map<string, NetworkInfo>();
  for (const info of reported ?? []) {
    if (info.name !== undefined && !byName.has(info.name)) byName.set(info.name, info);
  }
  const networkInterfaces: TaskNetworkInterface[] = [];
  const ipAddresses: TaskIpAddress[] = [];
  configured.forEach((info, index) => {
    if (info.name === undefined || isAgentLink(info, opts.agentLink)) return;
    const status = byName.get(info.name);
    const reportedAddresses = (status?.ip_addresses ?? []).filter(
      (a): a is IPAddress & { ip_address: string } => typeof a.ip_address === 'string' && a.ip_address !== '',
    );
    for (const a of reportedAddresses) ipAddresses.push({ ipAddress: a.ip_address, protocol: a.protocol ?? 'IPv4' });

    const bootproto = labelValue(info, LABEL.bootproto) ?? 'dhcp';
    const entry: TaskNetworkInterface = {
      networkName: info.name,
      interfaceName: labelValue(info, LABEL.interface) ?? `eth${index}`,
      bootproto,
    };
    const mac = labelValue(info, LABEL.mac);
    if (mac !== undefined) entry.macAddress = mac;
    const address = labelValue(info, LABEL.address);
    const parsed = address === undefined ? undefined : parseAddressWithPrefix(address);
    if (address !== undefined && parsed !== undefined) {
      entry.ipAddress = address.split('/')[0];
      if (parsed.prefix !== undefined) entry.prefixLength = parsed.prefix;
    } else {
      const leased = reportedAddresses.find((a) => (a.protocol ?? 'IPv4') === 'IPv4');
      if (leased !== undefined) {
        entry.ipAddress = leased.ip_address;
        const prefix = leasePrefixLength(leased.ip_address, opts.networks?.get(info.name));
        if (prefix !== undefined) entry.prefixLength = prefix;
      }
    }
    const gateway = labelValue(info, LABEL.gateway);
    if (gateway !== undefined) entry.gateway = gateway;
    networkInterfaces.push(entry);
  });
  return { networkInterfaces, ipAddresses };
}
